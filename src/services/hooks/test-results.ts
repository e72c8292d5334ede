/**
 * @module Recognising a test command, reading its result from the runner's output, and comparing that
 * result with a GHAP prediction. Pure functions: the PostToolUse hook feeds them `tool_input.command`
 * and the text of `tool_response`.
 *
 * CALM matched on permission-rule syntax that Claude Code's matchers never see, read a key Claude Code
 * does not send, and took the first "N passed" anywhere in the output. Here each runner's own summary
 * line is read (after removing colour codes), totals are summed over every summary a run prints (cargo
 * prints one per crate), and errors count as failures.
 */

export type TestFramework = 'pytest' | 'jest' | 'vitest' | 'cargo' | 'go' | 'node' | 'mocha' | 'rspec';

export interface TestResult {
  readonly framework: TestFramework;
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  /** What the counts count: go without -v reports whole packages. */
  readonly unit: 'tests' | 'packages';
}

export type PredictionVerdict = 'consistent' | 'contradicted' | 'unclear';

/** A runner's name as a command word (start of the command or after a space, `;`, `&`, `|`, `(`), not inside a file name. */
const word = (name: string): RegExp => new RegExp(`(^|[\\s;&|(])${name}(?=\\s|$|;|&|\\|)`);
const TEST_COMMANDS: readonly RegExp[] = [
  word('pytest'), word('py\\.test'), /\bpython[\d.]*\s+-m\s+(pytest|unittest)\b/,
  /\b(npm|pnpm|yarn|bun)\s+(run\s+)?test\b/, /\bnpm\s+t\b/, word('vitest'), word('jest'), word('mocha'), word('rspec'),
  /\bnode\s+(.*\s)?--test\b/, /\bcargo\s+(test|nextest)\b/, /\bgo\s+test\b/, /\bdeno\s+test\b/,
];

/** Whether a shell command runs tests (any runner calm knows, anywhere in a pipeline or `&&` chain). */
export function isTestCommand(command: string): boolean {
  return TEST_COMMANDS.some((re) => re.test(command));
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;
const num = (m: RegExpMatchArray | null | undefined, i = 1): number => (m?.[i] ? Number(m[i]) : 0);
const count = (line: string, word: string): number => num(line.match(new RegExp(`(\\d+) ${word}`)));

function cargo(text: string): TestResult | null {
  const lines = [...text.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored/g)];
  if (lines.length === 0) return null;
  const sum = (i: number): number => lines.reduce((s, m) => s + Number(m[i]), 0);
  return { framework: 'cargo', passed: sum(1), failed: sum(2), skipped: sum(3), unit: 'tests' };
}

/** Jest: `Tests:       1 failed, 2 skipped, 5 passed, 8 total`. Vitest: `Tests  1 failed | 5 passed (6)`. */
function jestLike(text: string): TestResult | null {
  const lines = [...text.matchAll(/^\s*Tests:?[ \t]+(.*\d.*)$/gm)].map((m) => m[1]!);
  const line = lines[lines.length - 1];
  if (!line || !/\b(passed|failed)\b/.test(line)) return null;
  const framework = line.includes('|') || /\(\d+\)\s*$/.test(line) ? 'vitest' : 'jest';
  return { framework, passed: count(line, 'passed'), failed: count(line, 'failed'), skipped: count(line, 'skipped') + count(line, 'todo'), unit: 'tests' };
}

/** `=== 2 failed, 10 passed, 1 skipped in 0.12s ===` (or the same without the rules, with -q). */
function pytest(text: string): TestResult | null {
  const lines = [...text.matchAll(/^[=\s]*((?:\d+ (?:passed|failed|errors?|skipped|xfailed|xpassed|deselected|warnings?)(?:, )?)+) in [\d.]+s\b.*$/gm)];
  const line = lines[lines.length - 1]?.[1];
  if (!line) return null;
  return {
    framework: 'pytest',
    passed: count(line, 'passed') + count(line, 'xpassed'),
    failed: count(line, 'failed') + count(line, 'errors?'),
    skipped: count(line, 'skipped') + count(line, 'xfailed'),
    unit: 'tests',
  };
}

/** `go test -v` prints `--- PASS:`/`--- FAIL:` per test; without -v only `ok pkg` / `FAIL pkg` per package. */
function goTest(text: string): TestResult | null {
  const pass = (text.match(/^--- PASS: /gm) ?? []).length;
  const fail = (text.match(/^--- FAIL: /gm) ?? []).length;
  const skip = (text.match(/^--- SKIP: /gm) ?? []).length;
  if (pass + fail > 0) return { framework: 'go', passed: pass, failed: fail, skipped: skip, unit: 'tests' };
  const ok = (text.match(/^ok\s+\S+/gm) ?? []).length;
  const failedPkgs = (text.match(/^FAIL\s+\S+/gm) ?? []).length;
  if (ok + failedPkgs === 0) return null;
  return { framework: 'go', passed: ok, failed: failedPkgs, skipped: 0, unit: 'packages' };
}

function nodeTest(text: string): TestResult | null {
  const pass = text.match(/^# pass (\d+)/m);
  const fail = text.match(/^# fail (\d+)/m);
  if (!pass && !fail) return null;
  return { framework: 'node', passed: num(pass), failed: num(fail), skipped: num(text.match(/^# skipped (\d+)/m)), unit: 'tests' };
}

function mocha(text: string): TestResult | null {
  const passing = text.match(/^\s*(\d+) passing\b/m);
  if (!passing) return null;
  return { framework: 'mocha', passed: num(passing), failed: num(text.match(/^\s*(\d+) failing\b/m)), skipped: num(text.match(/^\s*(\d+) pending\b/m)), unit: 'tests' };
}

function rspec(text: string): TestResult | null {
  const m = text.match(/^(\d+) examples?, (\d+) failures?(?:, (\d+) pending)?/m);
  if (!m) return null;
  return { framework: 'rspec', passed: Number(m[1]) - Number(m[2]), failed: Number(m[2]), skipped: num(m, 3), unit: 'tests' };
}

const PARSERS = [cargo, jestLike, pytest, goTest, nodeTest, mocha, rspec];

/** The result a runner reported, or null when the output holds no summary calm recognises. */
export function parseTestOutput(output: string): TestResult | null {
  const text = output.replace(ANSI, '').replace(/\r\n?/g, '\n');
  for (const parse of PARSERS) {
    const result = parse(text);
    if (result) return result;
  }
  return null;
}

const EXPECTS_FAILURE = /\b(fail|fails|failing|failed|break|breaks|broken|crash|crashes|red|error|errors|regress\w*|still\s+flak\w*)\b/i;
const EXPECTS_SUCCESS = /\b(pass|passes|passing|passed|succeed\w*|success\w*|green|work|works|working|resolve[sd]?|correct|stable|no longer fail\w*)\b/i;

/** What a prediction expects of the tests: success, failure, or nothing calm can tell. */
export function expectedOutcome(prediction: string): 'success' | 'failure' | 'unknown' {
  // "no longer fails", "stops failing", "won't fail" expect success despite the word
  const negatedFailure = /\b(no longer|stops?|stop|won'?t|will not|doesn'?t|does not|never|not)\s+(\w+\s+)?(fail|failing|fails|break|crash)\w*/i.test(prediction);
  const success = EXPECTS_SUCCESS.test(prediction) || negatedFailure;
  const failure = EXPECTS_FAILURE.test(prediction) && !negatedFailure;
  if (success && !failure) return 'success';
  if (failure && !success) return 'failure';
  return 'unknown';
}

export function judgePrediction(prediction: string, result: TestResult): PredictionVerdict {
  const expected = expectedOutcome(prediction);
  if (expected === 'unknown') return 'unclear';
  const succeeded = result.failed === 0 && result.passed > 0;
  return (expected === 'success') === succeeded ? 'consistent' : 'contradicted';
}
