/**
 * @module PostToolUse (and PostToolUseFailure: a test run that fails exits non-zero, and Claude Code
 * reports that as a failed Bash call): when the command ran tests and a GHAP is active, the result read
 * from the runner's summary, next to the prediction, with whether the two agree.
 */
import type { ActiveGhap } from '../services/hooks/hook-context.js';
import { isTestCommand, judgePrediction, parseTestOutput, type PredictionVerdict, type TestResult } from '../services/hooks/test-results.js';
import { responseText } from './input.js';
import { truncate } from './output.js';
import type { HookHandler } from './runtime.js';

const DAEMON_TIMEOUT_MS = 1000;

const VERDICTS: Readonly<Record<PredictionVerdict, string>> = {
  consistent: 'This result agrees with the prediction. When the goal is met, resolve_ghap records the GHAP as confirmed.',
  contradicted: 'This result contradicts the prediction. update_ghap revises the hypothesis; resolve_ghap can record the GHAP as falsified.',
  unclear: 'The prediction does not say whether the tests should pass or fail; compare it with the result, then update_ghap or resolve_ghap.',
};

export function describeResult(r: TestResult): string {
  const parts = [`${r.passed} passed`, `${r.failed} failed`];
  if (r.skipped > 0) parts.push(`${r.skipped} skipped`);
  return `${r.unit === 'packages' ? 'Test packages' : 'Tests'} (${r.framework}): ${parts.join(', ')}.`;
}

export function formatTestVerdict(result: TestResult, ghap: ActiveGhap): string {
  const prediction = ghap.prediction ?? '';
  return [
    "calm: test result vs. the active GHAP's prediction",
    describeResult(result),
    `Prediction: "${truncate(prediction, 200)}"`,
    VERDICTS[judgePrediction(prediction, result)],
  ].join('\n');
}

export const postToolUse: HookHandler = {
  event: 'PostToolUse',
  limitMs: 3000,
  async run(payload, ctx) {
    const command = payload.tool_input.command;
    if (typeof command !== 'string' || !isTestCommand(command) || !ctx.initialized) return {};
    const result = parseTestOutput(responseText(payload));
    if (!result) return {};
    const { answer } = await ctx.query<{ ghap: ActiveGhap | null }>({ kind: 'ghap' }, DAEMON_TIMEOUT_MS);
    return { context: answer.ghap ? formatTestVerdict(result, answer.ghap) : undefined };
  },
};
