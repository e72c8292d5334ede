/** @module Tool results: JSON in one text block; errors as CALM's envelope, marked isError. */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { asCalmError, describeCause } from '../errors.js';

export type Logger = (message: string) => void;

export async function runTool(fn: () => Promise<unknown>, log: Logger): Promise<CallToolResult> {
  try {
    const out = await fn();
    return { content: [{ type: 'text', text: JSON.stringify(out) }] };
  } catch (e) {
    const err = asCalmError(e);
    // the cause of an unexpected failure goes to the log, never to the client
    if (err.type === 'internal_error') log(`tool failed: ${describeCause(err.cause ?? e)}`);
    return { content: [{ type: 'text', text: JSON.stringify(err.toEnvelope()) }], isError: true };
  }
}
