/**
 * @module PreToolUse: every 10th tool call of a session (from the payload's `session_id`), while a GHAP
 * is active, a short check-in showing the hypothesis being tested. The other nine calls only bump a
 * counter file: no database, no daemon. Never decides on the tool call itself.
 */
import { join } from 'node:path';
import type { ActiveGhap } from '../services/hooks/hook-context.js';
import { CHECKIN_EVERY, countToolCall } from '../services/hooks/tool-counter.js';
import { truncate } from './output.js';
import type { HookHandler } from './runtime.js';

const DAEMON_TIMEOUT_MS = 1000;
const FIELD_MAX = 160;

export function formatCheckin(ghap: ActiveGhap, every = CHECKIN_EVERY): string {
  const field = (name: string, value: string | null): string[] => (value ? [`  ${name}: ${truncate(value, FIELD_MAX)}`] : []);
  return [
    `calm GHAP check-in (every ${every} tool calls while a GHAP is active):`,
    ...field('Goal', ghap.goal),
    ...field('Hypothesis', ghap.hypothesis),
    ...field('Prediction', ghap.prediction),
    'If the evidence has changed the hypothesis, update_ghap records the new one; if it is settled, resolve_ghap records the outcome.',
  ].join('\n');
}

export const preToolUse: HookHandler = {
  event: 'PreToolUse',
  limitMs: 2000,
  async run(payload, ctx) {
    if (!payload.tool_name || !ctx.initialized) return {};
    const { due } = countToolCall(join(ctx.settings.hooksDir, 'sessions'), payload.session_id);
    if (!due) return {};
    const { answer } = await ctx.query<{ ghap: ActiveGhap | null }>({ kind: 'ghap' }, DAEMON_TIMEOUT_MS);
    return { context: answer.ghap ? formatCheckin(answer.ghap) : undefined };
  },
};
