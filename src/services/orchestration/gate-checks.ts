/**
 * @module The checks each gate runs, and what each check means. Checks that read code run in the
 * task's worktree with the project's own commands; review checks read the database only.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ReviewType } from '../../store/orchestration-model.js';
import type { ResolvedCommand } from './project.js';
import type { CommandKind } from './project-commands.js';
import type { CommandRun } from './shell.js';

export const CHECK_NAMES = [
  'spec_reviews', 'proposal_exists', 'proposal_reviews', 'code_exists', 'tests_pass', 'linter_clean', 'types_clean',
  'no_todos', 'code_reviews', 'changelog_exists', 'bug_report', 'root_cause', 'fix_plan', 'regression_test',
  'bugfix_reviews', 'no_skipped',
] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

/** CALM's gate table (reference §4.2). Transitions with no checks pass without a gate. */
export const GATE_REQUIREMENTS: Readonly<Record<string, readonly CheckName[]>> = {
  'SPEC-DESIGN': ['spec_reviews'],
  'DESIGN-IMPLEMENT': ['proposal_exists', 'proposal_reviews'],
  'IMPLEMENT-CODE_REVIEW': ['code_exists', 'tests_pass', 'linter_clean', 'types_clean', 'no_todos'],
  'CODE_REVIEW-TEST': ['code_reviews'],
  'TEST-INTEGRATE': ['tests_pass'],
  'INTEGRATE-VERIFY': ['changelog_exists'],
  'VERIFY-DONE': [],
  'REPORTED-INVESTIGATED': ['bug_report', 'root_cause', 'fix_plan'],
  'INVESTIGATED-FIXED': ['tests_pass', 'linter_clean', 'types_clean', 'regression_test'],
  'FIXED-REVIEWED': ['bugfix_reviews'],
  'REVIEWED-TESTED': ['tests_pass', 'no_skipped'],
  'TESTED-MERGED': ['changelog_exists'],
  'MERGED-DONE': [],
};

const REVIEW_CHECKS: Partial<Record<CheckName, ReviewType>> = {
  spec_reviews: 'spec', proposal_reviews: 'proposal', code_reviews: 'code', bugfix_reviews: 'bugfix',
};

export const reviewTypeOf = (check: CheckName): ReviewType | undefined => REVIEW_CHECKS[check];
export const needsWorktree = (check: CheckName): boolean => REVIEW_CHECKS[check] === undefined;

/** Transitions whose gate counts approvals of `type`: recording changes_requested revokes their passes. */
export function transitionsUsingReviews(type: ReviewType): string[] {
  return Object.entries(GATE_REQUIREMENTS)
    .filter(([, checks]) => checks.some((c) => REVIEW_CHECKS[c] === type))
    .map(([name]) => name);
}

export const CHECK_DESCRIPTIONS: Readonly<Record<CheckName, string>> = {
  spec_reviews: '2 spec reviews approved',
  proposal_exists: 'planning_docs/<task>/proposal.md written',
  proposal_reviews: '2 proposal reviews approved',
  code_exists: 'code changed on the task branch',
  tests_pass: "the project's test command passes",
  linter_clean: "the project's lint command passes (skipped if it has none)",
  types_clean: "the project's type check passes (skipped if it has none)",
  no_todos: 'no TODO added on the task branch',
  code_reviews: '2 code reviews approved',
  changelog_exists: 'changelog.d/<task>.md written',
  bug_report: 'bug_reports/<task>.md: reproduction steps, expected and actual behavior filled in',
  root_cause: 'bug report: Root Cause filled in',
  fix_plan: 'bug report: Fix Plan filled in',
  regression_test: 'a test file changed on the task branch',
  bugfix_reviews: '2 bugfix reviews approved',
  no_skipped: 'the test run skipped no tests',
};

export interface CheckOutcome {
  readonly passed: boolean;
  readonly message: string;
  readonly duration_seconds?: number;
}

export interface TestCounts {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  /** False when no known summary line was found. */
  readonly parsed: boolean;
  readonly failedTests: string[];
}

export interface TestRunResult {
  readonly resolved: ResolvedCommand;
  readonly run: CommandRun | null;
  readonly counts: TestCounts;
}

/** What a check may look at: given by the gate service, so checks stay plain functions. */
export interface CheckContext {
  readonly taskId: string;
  readonly worktree: string;
  approvedReviews(type: ReviewType): number;
  /** The project's command for `kind`, run in the worktree once per gate check. */
  runCommand(kind: CommandKind): Promise<{ resolved: ResolvedCommand; run: CommandRun | null }>;
  /** The test command's run and counts, shared by tests_pass and no_skipped. */
  runTests(): Promise<TestRunResult>;
  /** Files changed between the base branch and HEAD; throws with git's message on failure. */
  changedFiles(): Promise<string[]>;
  /** The diff between the base branch and HEAD. */
  diff(): Promise<string>;
}

const tail = (text: string, n: number): string => (text.length > n ? `...${text.slice(-n)}` : text).trim();
const head = (text: string, n: number): string => (text.length > n ? `${text.slice(0, n)}...` : text).trim();

/** Counts from the summary lines of node:test, jest, vitest, cargo, pytest, mocha or go test. */
export function parseTestCounts(output: string): TestCounts {
  const failedTests = [
    ...[...output.matchAll(/^FAILED (\S+)/gm)].map((m) => m[1]!), // pytest
    ...[...output.matchAll(/^\s*not ok \d+ - (.+)$/gm)].map((m) => m[1]!.trim()), // TAP / node:test
    ...[...output.matchAll(/^--- FAIL: (\S+)/gm)].map((m) => m[1]!), // go
  ].slice(0, 50);
  const num = (re: RegExp): number | undefined => {
    const m = re.exec(output);
    return m ? Number(m[1]) : undefined;
  };
  const done = (passed: number, failed: number, skipped: number): TestCounts => ({ passed, failed, skipped, parsed: true, failedTests });
  // node:test (spec and tap reporters)
  const nodePass = num(/^[ℹ#] pass (\d+)$/m);
  if (nodePass !== undefined) return done(nodePass, num(/^[ℹ#] fail (\d+)$/m) ?? 0, (num(/^[ℹ#] skipped (\d+)$/m) ?? 0) + (num(/^[ℹ#] todo (\d+)$/m) ?? 0));
  // jest: "Tests:       1 failed, 2 skipped, 5 passed, 8 total"
  const jest = /^Tests:\s+(.*\d+ total)$/m.exec(output);
  if (jest) {
    const part = (w: string): number => Number(new RegExp(`(\\d+) ${w}`).exec(jest[1]!)?.[1] ?? 0);
    return done(part('passed'), part('failed'), part('skipped') + part('todo'));
  }
  // vitest: "Tests  1 failed | 5 passed | 2 skipped (8)"
  const vitest = /^\s*Tests\s+(.*)\(\d+\)\s*$/m.exec(output);
  if (vitest) {
    const part = (w: string): number => Number(new RegExp(`(\\d+) ${w}`).exec(vitest[1]!)?.[1] ?? 0);
    return done(part('passed'), part('failed'), part('skipped') + part('todo'));
  }
  // cargo: one "test result:" line per test binary
  const cargo = [...output.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored/g)];
  if (cargo.length) return done(...(cargo.reduce((s, m) => [s[0] + Number(m[1]), s[1] + Number(m[2]), s[2] + Number(m[3])], [0, 0, 0]) as [number, number, number]));
  // pytest: "==== 3 passed, 1 failed, 2 skipped in 0.12s ===="
  const pytest = [...output.matchAll(/^=+ (.*\d+ (?:passed|failed|skipped|errors?|deselected).*) in [\d.]+s.*=+$/gm)].pop();
  if (pytest) {
    const part = (w: string): number => Number(new RegExp(`(\\d+) ${w}`).exec(pytest[1]!)?.[1] ?? 0);
    return done(part('passed'), part('failed') + part('errors?'), part('skipped'));
  }
  // mocha: "5 passing", "1 failing", "2 pending"
  const passing = num(/^\s*(\d+) passing/m);
  if (passing !== undefined) return done(passing, num(/^\s*(\d+) failing/m) ?? 0, num(/^\s*(\d+) pending/m) ?? 0);
  // go test -v
  const count = (re: RegExp): number => [...output.matchAll(re)].length;
  if (/^(ok|FAIL|---)\s/m.test(output) && /^(--- (PASS|FAIL|SKIP)|ok\s+\S+)/m.test(output)) {
    return done(count(/^\s*--- PASS/gm), count(/^\s*--- FAIL/gm), count(/^\s*--- SKIP/gm));
  }
  return { passed: 0, failed: 0, skipped: 0, parsed: false, failedTests };
}

function readIfExists(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/** The text under the first heading containing `title`, up to the next heading. */
export function sectionBody(markdown: string, title: string): string | undefined {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => /^#{1,6}\s/.test(l) && l.toLowerCase().includes(title.toLowerCase()));
  if (start < 0) return undefined;
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => /^#{1,6}\s/.test(l));
  return rest.slice(0, end < 0 ? undefined : end).join('\n');
}

/** A section counts as filled in when something other than comments and empty list markers is left. */
export function isFilledIn(body: string | undefined): boolean {
  if (body === undefined) return false;
  return body
    .replace(/<!--[\s\S]*?-->/g, '')
    .split('\n')
    .map((l) => l.trim())
    .some((l) => l !== '' && !/^(\d+[.)]|[-*+]|\[ \])$/.test(l));
}

function sectionsCheck(file: string, rel: string, titles: string[]): CheckOutcome {
  const text = readIfExists(file);
  if (text === undefined) return { passed: false, message: `${rel} not found` };
  const empty = titles.filter((t) => !isFilledIn(sectionBody(text, t)));
  return empty.length
    ? { passed: false, message: `${rel}: fill in ${empty.join(', ')}` }
    : { passed: true, message: `${titles.join(', ')} filled in` };
}

function nonBlankFile(file: string, rel: string): CheckOutcome {
  const text = readIfExists(file);
  if (text === undefined) return { passed: false, message: `${rel} not found` };
  return text.trim() ? { passed: true, message: `${rel} exists` } : { passed: false, message: `${rel} is empty` };
}

/** Scaffolding calm writes into a worktree is not "code". */
const SCAFFOLD = /^(planning_docs|changelog\.d|bug_reports)\//;
/** Test files across ecosystems: tests/ and __tests__/ folders, *.test.*, *_test.*, test_*.py, *Test.java. */
export const TEST_FILE = /(^|\/)(tests?|__tests__|spec)\/|[._-](test|spec)\.[A-Za-z0-9]+$|(^|\/)test_[^/]+\.py$|Tests?\.(java|kt|cs)$/;

async function commandCheck(ctx: CheckContext, kind: CommandKind, ok: string): Promise<CheckOutcome> {
  const { resolved, run } = await ctx.runCommand(kind);
  if (!run) return { passed: true, message: `Skipped: no ${kind} command (${resolved.source}); set one with 'calm project set ${kind} "<command>"'` };
  if (run.timedOut) return { passed: false, message: `\`${run.command}\` timed out`, duration_seconds: run.durationSeconds };
  return run.exitCode === 0
    ? { passed: true, message: `${ok} (\`${run.command}\`)`, duration_seconds: run.durationSeconds }
    : { passed: false, message: `\`${run.command}\` exited with ${run.exitCode}:\n${head(run.output, 500)}`, duration_seconds: run.durationSeconds };
}

function reviewsCheck(ctx: CheckContext, type: ReviewType): CheckOutcome {
  const n = ctx.approvedReviews(type);
  return { passed: n >= 2, message: `${n}/2 ${type} reviews approved` };
}

export const CHECKS: Readonly<Record<CheckName, (ctx: CheckContext) => Promise<CheckOutcome> | CheckOutcome>> = {
  spec_reviews: (ctx) => reviewsCheck(ctx, 'spec'),
  proposal_reviews: (ctx) => reviewsCheck(ctx, 'proposal'),
  code_reviews: (ctx) => reviewsCheck(ctx, 'code'),
  bugfix_reviews: (ctx) => reviewsCheck(ctx, 'bugfix'),
  proposal_exists: (ctx) => nonBlankFile(join(ctx.worktree, 'planning_docs', ctx.taskId, 'proposal.md'), `planning_docs/${ctx.taskId}/proposal.md`),
  changelog_exists: (ctx) => nonBlankFile(join(ctx.worktree, 'changelog.d', `${ctx.taskId}.md`), `changelog.d/${ctx.taskId}.md`),
  bug_report: (ctx) =>
    sectionsCheck(join(ctx.worktree, 'bug_reports', `${ctx.taskId}.md`), `bug_reports/${ctx.taskId}.md`, ['Reproduction Steps', 'Expected Behavior', 'Actual Behavior']),
  root_cause: (ctx) => sectionsCheck(join(ctx.worktree, 'bug_reports', `${ctx.taskId}.md`), `bug_reports/${ctx.taskId}.md`, ['Root Cause']),
  fix_plan: (ctx) => sectionsCheck(join(ctx.worktree, 'bug_reports', `${ctx.taskId}.md`), `bug_reports/${ctx.taskId}.md`, ['Fix Plan']),
  async code_exists(ctx) {
    const files = (await ctx.changedFiles()).filter((f) => !SCAFFOLD.test(f));
    return files.length
      ? { passed: true, message: `Changed files: ${files.slice(0, 5).join(', ')}${files.length > 5 ? ', ...' : ''}` }
      : { passed: false, message: 'No code changed on the task branch (commit your changes in the worktree)' };
  },
  async regression_test(ctx) {
    const files = (await ctx.changedFiles()).filter((f) => TEST_FILE.test(f));
    return files.length
      ? { passed: true, message: `Test files changed: ${files.slice(0, 3).join(', ')}` }
      : { passed: false, message: 'No test file changed on the task branch: add a regression test' };
  },
  async no_todos(ctx) {
    const added = (await ctx.diff()).split('\n').filter((l) => l.startsWith('+') && !l.startsWith('+++') && l.includes('TODO'));
    return added.length
      ? { passed: false, message: `Found ${added.length} to-dos: ${added[0]!.slice(1).trim().slice(0, 50)}...` }
      : { passed: true, message: 'No to-dos added' };
  },
  linter_clean: (ctx) => commandCheck(ctx, 'lint', 'No linting errors'),
  types_clean: (ctx) => commandCheck(ctx, 'typecheck', 'No type errors'),
  async tests_pass(ctx) {
    const { resolved, run, counts } = await ctx.runTests();
    if (!run) return { passed: false, message: `No test command (${resolved.source}): set one with 'calm project set test "<command>"'` };
    const summary = counts.parsed ? `${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped` : `\`${run.command}\``;
    if (run.timedOut) return { passed: false, message: `${summary}: timed out`, duration_seconds: run.durationSeconds };
    return run.exitCode === 0
      ? { passed: true, message: summary, duration_seconds: run.durationSeconds }
      : { passed: false, message: `${summary} (exit ${run.exitCode})\n${tail(run.output, 500)}`, duration_seconds: run.durationSeconds };
  },
  async no_skipped(ctx) {
    const { run, counts } = await ctx.runTests();
    if (!run) return { passed: false, message: 'No test command to run' };
    if (!counts.parsed) return { passed: true, message: 'No skip count in the test output (assuming none)' };
    return counts.skipped === 0 ? { passed: true, message: '0 skipped' } : { passed: false, message: `${counts.skipped} tests skipped` };
  },
};
