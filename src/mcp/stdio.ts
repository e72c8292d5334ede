/**
 * @module MCP over stdio, for clients that spawn their server. stdout carries the protocol and nothing
 * else. The session ends when stdin ends: requests already received are answered first, then the App
 * is closed.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { App } from '../app.js';
import type { Logger } from './result.js';
import { createServer } from './server.js';
import { LineStdioTransport } from './stdio-transport.js';

/** Longest wait, after stdin ends, for requests still being handled. */
const DRAIN_TIMEOUT_MS = 30_000;

const isRequest = (m: JSONRPCMessage): boolean => 'method' in m && 'id' in m;
const isResponse = (m: JSONRPCMessage): boolean => 'id' in m && ('result' in m || 'error' in m);

export async function serveStdio(app: App, log: Logger): Promise<void> {
  const stdin = process.stdin;
  const server = createServer(app, log);
  const transport = new LineStdioTransport();
  transport.onerror = (e) => log(`stdio transport: ${e.message}`);

  let closed = false;
  const done = new Promise<void>((resolve) => {
    server.server.onclose = () => {
      closed = true;
      resolve();
    };
  });
  await server.connect(transport);

  // count requests in flight: the SDK's transport does not notice the end of stdin, and closing while a
  // tool call is running would drop its answer
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const receive = transport.onmessage;
  transport.onmessage = (message: JSONRPCMessage) => {
    if (isRequest(message)) inFlight++;
    receive?.(message);
  };
  const send = transport.send.bind(transport);
  transport.send = async (message: JSONRPCMessage) => {
    try {
      await send(message);
    } finally {
      if (isResponse(message)) {
        inFlight = Math.max(0, inFlight - 1);
        if (inFlight === 0) drained?.();
      }
    }
  };

  let ending = false;
  const onEnd = (): void => {
    if (ending) return;
    ending = true;
    const waitForRequests = inFlight === 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          drained = resolve;
          setTimeout(resolve, DRAIN_TIMEOUT_MS).unref();
        });
    void waitForRequests.then(() => {
      if (!closed) server.close().catch((e: unknown) => log(`closing the stdio server failed: ${String(e)}`));
    });
  };
  stdin.once('end', onEnd);
  stdin.once('close', onEnd);

  try {
    await done;
  } finally {
    stdin.off('end', onEnd);
    stdin.off('close', onEnd);
    await app.close();
  }
}
