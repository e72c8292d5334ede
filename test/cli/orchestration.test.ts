/**
 * Orchestration end to end: the real CLI in temporary git repositories (base branch `trunk`, so
 * nothing works by assuming `main`), a real MCP client for the journal.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { commitAll, gitIn, GIT_ENV, makeRepo, writeFiles } from '../helpers/git.js';
import { type CliResult, json, runCli, tempHome, type TempHome } from '../helpers/home.js';
import { call, connectInMemory, ok as mcpOk } from '../helpers/mcp.js';

const TABLES = ['tasks', 'workers', 'reviews', 'test_runs', 'counters', 'phase_transitions', 'gate_passes', 'sessions', 'session_journal', 'project_settings'];

/** Every orchestration row, for "nothing changed" assertions. */
function snapshot(t: TempHome): string {
  const db = new Database(join(t.calmHome, 'metadata.db'), { readonly: true });
  try {
    return JSON.stringify(TABLES.map((name) => db.prepare(`SELECT * FROM ${name} ORDER BY 1`).all()));
  } finally {
    db.close();
  }
}

function query<T>(t: TempHome, sql: string, ...params: unknown[]): T[] {
  const db = new Database(join(t.calmHome, 'metadata.db'), { readonly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

describe('calm orchestration CLI', () => {
  let t: TempHome;
  let repo: string;
  let env: NodeJS.ProcessEnv;

  const calm = (args: string[], options: { cwd?: string; input?: string } = {}): Promise<CliResult> =>
    runCli(args, env, { cwd: options.cwd ?? repo, input: options.input });
  const ok = async (args: string[], options: { cwd?: string; input?: string } = {}): Promise<CliResult> => {
    const r = await calm(args, options);
    assert.equal(r.code, 0, `calm ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r;
  };
  const refused = async (args: string[], message: RegExp, options: { cwd?: string; input?: string } = {}): Promise<CliResult> => {
    const before = snapshot(t);
    const r = await calm(args, options);
    assert.equal(r.code, 1, `calm ${args.join(' ')} should exit 1\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, message, `calm ${args.join(' ')}`);
    assert.match(r.stderr, /^Error: [^\n]+\n$/, `one line, no stack trace: ${JSON.stringify(r.stderr)}`);
    assert.equal(snapshot(t), before, `calm ${args.join(' ')} changed the database`);
    return r;
  };
  const commit = (dir: string, files: Record<string, string>, message: string): string => {
    writeFiles(dir, files);
    return commitAll(dir, message, env);
  };

  beforeEach(async () => {
    t = tempHome();
    env = t.env({ ...GIT_ENV, CALM_EMBEDDER: 'hash', CALM_GATE_TEST_TIMEOUT: '60' });
    // this suite runs under node:test, whose marker would make the projects' own `node --test` talk to us
    delete env.NODE_TEST_CONTEXT;
    mkdirSync(t.home, { recursive: true });
    repo = makeRepo(
      join(t.root, 'project'),
      {
        'package.json': JSON.stringify({ name: 'demo', private: true, scripts: { test: 'node check.js' } }),
        'check.js': "const v = require('./src/value.js'); if (v !== 42) { console.error('expected 42, got ' + v); process.exit(1); }\n",
        'src/value.js': 'module.exports = 0;\n',
        'a.txt': 'line one\n',
      },
      'trunk',
      env,
    );
    await t.app().close(); // an initialized home
  });
  afterEach(() => t.cleanup());

  test('a feature from SPEC to DONE: reviews, gates at the current commit, worktree create and merge', async () => {
    assert.match((await ok(['task', 'create', 'SPEC-001', 'Answer the question'])).stdout, /^Created feature: SPEC-001 \(phase: SPEC\)$/m);
    const created = await ok(['worktree', 'create', 'SPEC-001']);
    const wt = join(repo, '.worktrees', 'SPEC-001');
    assert.match(created.stdout, new RegExp(`Created worktree: ${wt}\\nBranch: SPEC-001 \\(from trunk\\)`));
    assert.ok(existsSync(join(wt, 'planning_docs', 'SPEC-001')));
    assert.equal(gitIn(repo, ['status', '--porcelain'], env), '', '.worktrees/ stays out of the main checkout');
    assert.equal(gitIn(wt, ['rev-parse', '--abbrev-ref', 'HEAD'], env), 'SPEC-001');

    // SPEC → DESIGN: the gate is required; two spec approvals pass it
    await refused(['task', 'transition', 'SPEC-001', 'DESIGN'], /Gate SPEC-DESIGN required for SPEC-001: it has not passed/);
    // CALM's --gate-result is the caller's word, not a gate: pass is checked, fail keeps the task where it is
    await refused(['task', 'transition', 'SPEC-001', 'DESIGN', '--gate-result', 'pass'], /Gate SPEC-DESIGN required for SPEC-001: .*calm gate check SPEC-001 SPEC-DESIGN/);
    await refused(['task', 'transition', 'SPEC-001', 'DESIGN', '--gate-result', 'fail'], /reported as failed \(--gate-result fail\): SPEC-001 stays in SPEC\. .*'calm gate check SPEC-001 SPEC-DESIGN'/);
    await refused(['task', 'transition', 'SPEC-001', 'DESIGN', '--gate-result', 'maybe'], /--gate-result must be pass or fail/);
    const noReviews = await calm(['gate', 'check', 'SPEC-001', 'SPEC-DESIGN']);
    assert.equal(noReviews.code, 1);
    assert.match(noReviews.stdout, /\[FAIL\] spec_reviews\n\s+0\/2 spec reviews approved[\s\S]*GATE FAILED/);
    await ok(['review', 'record', 'SPEC-001', 'spec', 'approved', '--worker', 'W-1']);
    await ok(['review', 'record', 'SPEC-001', 'spec', 'approved', '--worker', 'W-2']);
    assert.match((await ok(['gate', 'check', 'SPEC-001', 'SPEC-DESIGN'])).stdout, /\[PASS\] spec_reviews[\s\S]*GATE PASSED/);
    assert.match((await ok(['task', 'transition', 'SPEC-001', 'DESIGN', '--gate-result', 'pass'])).stdout, /^Transitioned SPEC-001 to DESIGN$/m);

    // DESIGN → IMPLEMENT: the proposal in the worktree, two proposal approvals
    commit(wt, { 'planning_docs/SPEC-001/proposal.md': '# Proposal\nReturn 42.\n' }, 'proposal');
    await ok(['review', 'record', 'SPEC-001', 'proposal', 'approved']);
    await ok(['review', 'record', 'SPEC-001', 'proposal', 'approved']);
    await ok(['gate', 'check', 'SPEC-001', 'DESIGN-IMPLEMENT']);
    await ok(['task', 'transition', 'SPEC-001', 'IMPLEMENT']);

    // IMPLEMENT → CODE_REVIEW: the project's own test command (npm test, from package.json) fails, and blocks
    commit(wt, { 'src/value.js': 'module.exports = 41;\n' }, 'wrong answer');
    const failing = await calm(['gate', 'check', 'SPEC-001', 'IMPLEMENT-CODE_REVIEW', '--json']);
    assert.equal(failing.code, 1);
    const failed = json<{ passed: boolean; recorded: boolean; checks: { name: string; passed: boolean; message: string }[] }>(failing);
    assert.equal(failed.passed, false);
    assert.equal(failed.recorded, false);
    const testsCheck = failed.checks.find((c) => c.name === 'tests_pass')!;
    assert.equal(testsCheck.passed, false);
    assert.match(testsCheck.message, /expected 42, got 41/);
    assert.ok(failed.checks.find((c) => c.name === 'code_exists')!.passed);
    await refused(['task', 'transition', 'SPEC-001', 'CODE_REVIEW'], /Gate IMPLEMENT-CODE_REVIEW required/);

    const fixed = commit(wt, { 'src/value.js': 'module.exports = 42;\n' }, 'right answer');
    const passing = await ok(['gate', 'check', 'SPEC-001', 'IMPLEMENT-CODE_REVIEW']);
    assert.match(passing.stdout, new RegExp(`Commit: ${fixed.slice(0, 7)}`));
    assert.match(passing.stdout, /\[PASS\] tests_pass[\s\S]*\[PASS\] linter_clean\n\s+Skipped: no lint command[\s\S]*GATE PASSED/);
    // a commit after the gate invalidates it
    const later = commit(wt, { 'README.md': 'docs\n' }, 'later change');
    await refused(
      ['task', 'transition', 'SPEC-001', 'CODE_REVIEW'],
      new RegExp(`it passed at ${fixed.slice(0, 7)}, but the task is now at ${later.slice(0, 7)}`),
    );
    // uncommitted changes: the gate may pass but is not recorded
    writeFileSync(join(wt, 'scratch.txt'), 'uncommitted\n');
    const dirty = await ok(['gate', 'check', 'SPEC-001', 'IMPLEMENT-CODE_REVIEW']);
    assert.match(dirty.stdout, /GATE PASSED\nThe worktree has uncommitted changes, so this pass is not recorded/);
    await refused(['task', 'transition', 'SPEC-001', 'CODE_REVIEW'], /Gate IMPLEMENT-CODE_REVIEW required/);
    rmSync(join(wt, 'scratch.txt'));
    await ok(['gate', 'check', 'SPEC-001', 'IMPLEMENT-CODE_REVIEW']);
    await ok(['task', 'transition', 'SPEC-001', 'CODE_REVIEW']);
    const runs = query<{ passed: number; failed: number }>(t, 'SELECT passed, failed FROM test_runs WHERE task_id = ? ORDER BY id', 'SPEC-001');
    assert.equal(runs.length, 4, 'every gate test run is recorded');
    assert.equal(runs[0]!.failed, 1);

    // CODE_REVIEW → TEST: changes_requested restarts the review cycle and revokes the gate pass
    await ok(['review', 'record', 'SPEC-001', 'code', 'approved']);
    await ok(['review', 'record', 'SPEC-001', 'code', 'approved']);
    await ok(['gate', 'check', 'SPEC-001', 'CODE_REVIEW-TEST']);
    const reset = await ok(['review', 'record', 'SPEC-001', 'code', 'changes_requested', '--notes', 'rename it']);
    assert.match(reset.stdout, /Recorded code review: changes_requested\nPrevious reviews cleared - review cycle restarted/);
    const check = await calm(['review', 'check', 'SPEC-001', 'code']);
    assert.equal(check.code, 1);
    assert.match(check.stdout, /^FAIL: 0\/2 code reviews approved$/m);
    await refused(['task', 'transition', 'SPEC-001', 'TEST'], /Gate CODE_REVIEW-TEST required/);
    const reviews = json<{ result: string; reviewer_notes: string }[]>(await ok(['review', 'list', 'SPEC-001', 'code', '--json']));
    assert.deepEqual(reviews.map((r) => r.result), ['changes_requested']);
    await ok(['review', 'record', 'SPEC-001', 'code', 'approved']);
    await ok(['review', 'record', 'SPEC-001', 'code', 'approved']);
    assert.match((await ok(['review', 'check', 'SPEC-001', 'code'])).stdout, /^PASS: 2\/2 code reviews approved$/m);
    await ok(['gate', 'check', 'SPEC-001', 'CODE_REVIEW-TEST']);
    await ok(['task', 'transition', 'SPEC-001', 'TEST']);

    // TEST → INTEGRATE → VERIFY
    await ok(['gate', 'check', 'SPEC-001', 'TEST-INTEGRATE']);
    await ok(['task', 'transition', 'SPEC-001', 'INTEGRATE']);
    const noChangelog = await calm(['gate', 'check', 'SPEC-001', 'INTEGRATE-VERIFY']);
    assert.match(noChangelog.stdout, /\[FAIL\] changelog_exists\n\s+changelog.d\/SPEC-001.md not found/);
    commit(wt, { 'changelog.d/SPEC-001.md': '- value is now 42\n' }, 'changelog');
    await ok(['gate', 'check', 'SPEC-001', 'INTEGRATE-VERIFY']);
    await ok(['task', 'transition', 'SPEC-001', 'VERIFY']);

    // merge: refused from inside the worktree and while the merge lock is set
    await refused(['worktree', 'merge', 'SPEC-001'], /Cannot proceed: your shell is inside the worktree/, { cwd: join(wt, 'src') });
    await ok(['counter', 'set', 'merge_lock', '1']);
    assert.match((await ok(['status', 'health'])).stdout, /Status: DEGRADED/);
    await refused(['worktree', 'merge', 'SPEC-001'], /^Error: Merge lock is active\. Use --force to override\.$/m);
    await ok(['counter', 'set', 'merge_lock', '0']);
    const trunkBefore = gitIn(repo, ['rev-parse', 'trunk'], env);
    const merged = await ok(['worktree', 'merge', 'SPEC-001']);
    assert.match(merged.stdout, /^Merged SPEC-001 to trunk\nCommit: [0-9a-f]{7,}/);
    assert.equal(gitIn(repo, ['log', '-1', '--format=%s %P', 'trunk'], env).split(' ').slice(0, 3).join(' '), 'Merge task SPEC-001');
    assert.equal(gitIn(repo, ['rev-parse', 'trunk^1'], env), trunkBefore, 'a --no-ff merge commit on trunk');
    assert.equal(readFileSync(join(repo, 'src', 'value.js'), 'utf8'), 'module.exports = 42;\n');
    assert.equal(existsSync(wt), false, 'worktree removed');
    assert.equal(gitIn(repo, ['branch', '--list', 'SPEC-001'], env), '', 'branch deleted');
    assert.deepEqual(query(t, 'SELECT worktree_path FROM tasks WHERE id = ?', 'SPEC-001'), [{ worktree_path: null }], 'cleared to NULL');
    assert.equal((await ok(['counter', 'get', 'merges_since_e2e'])).stdout.trim(), '1');
    assert.equal((await ok(['counter', 'get', 'merges_since_docs'])).stdout.trim(), '1');

    // VERIFY → DONE has no checks: no gate needed, no worktree needed
    await ok(['task', 'transition', 'SPEC-001', 'DONE']);
    assert.match((await ok(['task', 'list'])).stdout, /^No tasks found\.$/m);
    assert.match((await ok(['task', 'list', '--include-done'])).stdout, /SPEC-001\s+DONE\s+feature/);
    const shown = json<{ phase: string; worktree_path: null; history: { from_phase: string; to_phase: string; gate_result: string; commit_sha: string; forced: boolean; transitioned_at: string }[] }>(
      await ok(['task', 'show', 'SPEC-001', '--json']),
    );
    assert.equal(shown.phase, 'DONE');
    assert.deepEqual(shown.history.map((h) => `${h.from_phase}->${h.to_phase}:${h.gate_result}`), [
      'SPEC->DESIGN:pass', 'DESIGN->IMPLEMENT:pass', 'IMPLEMENT->CODE_REVIEW:pass', 'CODE_REVIEW->TEST:pass',
      'TEST->INTEGRATE:pass', 'INTEGRATE->VERIFY:pass', 'VERIFY->DONE:no checks',
    ]);
    assert.ok(shown.history.every((h) => !h.forced && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(h.transitioned_at)), 'UTC timestamps');
  });

  test('a bug through its phases: the bug report template must be filled in; a forced step keeps its reason', async () => {
    await ok(['task', 'create', 'BUG-001', 'Crash on save', '--type', 'bug']);
    await ok(['worktree', 'create', 'BUG-001']);
    const wt = join(repo, '.worktrees', 'BUG-001');
    const report = join(wt, 'bug_reports', 'BUG-001.md');
    assert.match(readFileSync(report, 'utf8'), /## Reproduction Steps\n1\.\n2\.\n3\./);
    commitAll(wt, 'bug report template', env);
    const untouched = await calm(['gate', 'check', 'BUG-001', 'REPORTED-INVESTIGATED']);
    assert.equal(untouched.code, 1);
    assert.match(untouched.stdout, /\[FAIL\] bug_report\n\s+bug_reports\/BUG-001.md: fill in Reproduction Steps, Expected Behavior, Actual Behavior/);
    assert.match(untouched.stdout, /\[FAIL\] root_cause[\s\S]*\[FAIL\] fix_plan/);
    const filled = readFileSync(report, 'utf8')
      .replace('1.\n2.\n3.', '1. Open a file\n2. Save it')
      .replace('<!-- what should happen -->', 'It is saved')
      .replace('<!-- what happens instead (error messages, output) -->', 'TypeError: x is undefined')
      .replace('## Root Cause\n<!-- Filled during investigation -->', '## Root Cause\nThe path is not checked.')
      .replace('## Fix Plan\n<!-- Filled during investigation -->', '## Fix Plan\nCheck it; add a regression test.');
    commit(wt, { 'bug_reports/BUG-001.md': filled }, 'investigation');
    await ok(['gate', 'check', 'BUG-001', 'REPORTED-INVESTIGATED']);
    await ok(['task', 'transition', 'BUG-001', 'INVESTIGATED']);

    // a configured test command replaces the detected one: node's own runner, whose counts are read
    await ok(['project', 'set', 'test', 'node --test']);
    assert.match((await ok(['project', 'show'])).stdout, /test\s+node --test\s+\(project setting\)/);
    commit(wt, { 'test/save.test.js': "const test = require('node:test');\ntest('saves', () => {});\ntest.skip('later', () => {});\n" }, 'regression test');
    const fixedGate = json<{ passed: boolean; checks: { name: string; message: string }[] }>(await ok(['gate', 'check', 'BUG-001', 'INVESTIGATED-FIXED', '--json']));
    assert.equal(fixedGate.checks.find((c) => c.name === 'tests_pass')!.message, '1 passed, 0 failed, 1 skipped');
    assert.match(fixedGate.checks.find((c) => c.name === 'regression_test')!.message, /test\/save.test.js/);
    await ok(['task', 'transition', 'BUG-001', 'FIXED']);

    // forcing needs a reason, and the history keeps it
    await refused(['task', 'transition', 'BUG-001', 'REVIEWED', '--force'], /--force needs --reason/);
    const forced = await ok(['task', 'transition', 'BUG-001', 'REVIEWED', '--force', '--reason', 'reviewed in pair session']);
    assert.match(forced.stdout, /Transitioned BUG-001 to REVIEWED \(forced: reviewed in pair session\)/);
    assert.deepEqual(
      query(t, "SELECT forced, reason, gate_result FROM phase_transitions WHERE task_id = 'BUG-001' AND to_phase = 'REVIEWED'"),
      [{ forced: 1, reason: 'reviewed in pair session', gate_result: 'forced' }],
    );

    // REVIEWED → TESTED: no skipped tests allowed
    const skipped = await calm(['gate', 'check', 'BUG-001', 'REVIEWED-TESTED']);
    assert.equal(skipped.code, 1);
    assert.match(skipped.stdout, /\[PASS\] tests_pass[\s\S]*\[FAIL\] no_skipped\n\s+1 tests skipped/);
    commit(wt, { 'test/save.test.js': "const test = require('node:test');\ntest('saves', () => {});\n" }, 'unskip');
    await ok(['gate', 'check', 'BUG-001', 'REVIEWED-TESTED']);
    await ok(['task', 'transition', 'BUG-001', 'TESTED']);
    commit(wt, { 'changelog.d/BUG-001.md': '- fixed the crash on save\n' }, 'changelog');
    await ok(['gate', 'check', 'BUG-001', 'TESTED-MERGED']);
    await ok(['task', 'transition', 'BUG-001', 'MERGED']);

    // going back for rework is recorded as forced, with the reason given or (CALM's scripts give none) a default one
    assert.match((await ok(['task', 'update', 'BUG-001', '--phase', 'TESTED'])).stdout, /^Updated task BUG-001 \(phase: TESTED\)$/m);
    await ok(['task', 'update', 'BUG-001', '--phase', 'MERGED', '--reason', 'done checking']);
    assert.deepEqual(
      query(t, "SELECT to_phase, forced, reason FROM phase_transitions WHERE task_id = 'BUG-001' AND gate_result = 'forced' AND gate_details LIKE 'set with%' ORDER BY id"),
      [
        { to_phase: 'TESTED', forced: 1, reason: 'set with task update --phase (no --reason given)' },
        { to_phase: 'MERGED', forced: 1, reason: 'done checking' },
      ],
    );

    // remove (not merge): refused from inside the worktree, then the branch stays and the path is NULL
    await refused(['worktree', 'remove', 'BUG-001', '--yes'], /Cannot proceed: your shell is inside the worktree/, { cwd: wt });
    assert.match((await ok(['worktree', 'remove', 'BUG-001', '--yes'])).stdout, /^Removed worktree for BUG-001$/m);
    assert.equal(existsSync(wt), false);
    assert.notEqual(gitIn(repo, ['branch', '--list', 'BUG-001'], env), '');
    assert.deepEqual(query(t, 'SELECT worktree_path FROM tasks WHERE id = ?', 'BUG-001'), [{ worktree_path: null }]);
    await refused(['gate', 'check', 'BUG-001', 'REPORTED-INVESTIGATED'], /No worktree found for task BUG-001/);
    await ok(['task', 'transition', 'BUG-001', 'DONE']);
    const history = query<{ to_phase: string; forced: number }>(t, "SELECT to_phase, forced FROM phase_transitions WHERE task_id = 'BUG-001' ORDER BY id");
    assert.deepEqual(history.map((h) => `${h.to_phase}${h.forced ? '!' : ''}`), ['INVESTIGATED', 'FIXED', 'REVIEWED!', 'TESTED', 'MERGED', 'TESTED!', 'MERGED!', 'DONE']);
  });

  test('check-conflicts reads git’s real conflicts and leaves the repository exactly as it was', async () => {
    await ok(['task', 'create', 'SPEC-002', 'Edit a.txt']);
    await ok(['worktree', 'create', 'SPEC-002']);
    const wt = join(repo, '.worktrees', 'SPEC-002');
    commit(wt, { 'b.txt': 'new file\n' }, 'no conflict yet');
    assert.match((await ok(['worktree', 'check-conflicts', 'SPEC-002'])).stdout, /^No merge conflicts detected\.$/m);

    commit(wt, { 'a.txt': 'line one, task version\n' }, 'task edit');
    // the base moves on, and the main checkout is left on another branch with a local change:
    // CALM merged into whatever was checked out; calm compares with the task's base branch
    commit(repo, { 'a.txt': 'line one, trunk version\n' }, 'trunk edit');
    gitIn(repo, ['checkout', '-q', '-b', 'side'], env);
    writeFileSync(join(repo, 'local.txt'), 'untracked local work\n');
    const state = (): string[] => [
      gitIn(repo, ['rev-parse', 'HEAD'], env), gitIn(repo, ['symbolic-ref', 'HEAD'], env), gitIn(repo, ['status', '--porcelain'], env),
      gitIn(repo, ['for-each-ref', '--format=%(refname) %(objectname)'], env), gitIn(repo, ['worktree', 'list', '--porcelain'], env),
    ];
    const before = state();
    const conflicts = await calm(['worktree', 'check-conflicts', 'SPEC-002']);
    assert.equal(conflicts.code, 1);
    assert.match(conflicts.stdout, /^Merge conflicts detected:\n {2}- a\.txt\n\nCONFLICT \(content\): Merge conflict in a\.txt$/m);
    const report = json<{ base_branch: string; conflicts: { path: string }[] }>(await calm(['worktree', 'check-conflicts', 'SPEC-002', '--json']));
    assert.equal(report.base_branch, 'trunk');
    assert.deepEqual(report.conflicts, [{ path: 'a.txt' }]);
    assert.deepEqual(state(), before, 'HEAD, branch, status, refs and worktrees unchanged');
    assert.equal(existsSync(join(repo, '.git', 'MERGE_HEAD')), false);

    // older git has no merge-tree --write-tree: the throwaway-worktree path gives the same answer
    const app = t.app(env as Record<string, string>);
    try {
      const viaWorktree = await app.orchestration.worktrees.checkConflicts('SPEC-002', { strategy: 'worktree' });
      assert.deepEqual(viaWorktree.conflicts, [{ path: 'a.txt' }]);
      assert.match(viaWorktree.messages.join('\n'), /CONFLICT \(content\): Merge conflict in a\.txt/);
    } finally {
      await app.close();
    }
    assert.deepEqual(state(), before, 'the fallback leaves no trace either');

    // a real merge of the conflicting branch fails cleanly: aborted, nothing recorded
    rmSync(join(repo, 'local.txt'));
    await refused(['worktree', 'merge', 'SPEC-002'], /Merge failed: conflicts in a\.txt/);
    assert.equal(existsSync(join(repo, '.git', 'MERGE_HEAD')), false);
    assert.equal(gitIn(repo, ['status', '--porcelain'], env), '');
  });

  test('workers use the same project key as tasks, also from inside a worktree; unknown task is a clear error', async () => {
    await ok(['task', 'create', 'SPEC-003', 'Workers']);
    await ok(['worktree', 'create', 'SPEC-003']);
    const wt = join(repo, '.worktrees', 'SPEC-003');
    const id = (await ok(['worker', 'start', 'SPEC-003', 'backend'], { cwd: wt })).stdout.trim();
    assert.match(id, /^W-\d+-\d{5}$/);
    const fromRoot = json<{ id: string; project_path: string }[]>(await ok(['worker', 'list', '--json']));
    assert.deepEqual(fromRoot.map((w) => w.id), [id]);
    assert.equal(fromRoot[0]!.project_path, json<{ project_path: string }>(await ok(['task', 'show', 'SPEC-003', '--json'])).project_path);
    assert.match((await ok(['task', 'list'], { cwd: wt })).stdout, /SPEC-003/, 'task list from inside the worktree shows the project');
    assert.match((await ok(['status', 'workers'], { cwd: join(wt, 'src') })).stdout, new RegExp(`${id}\\s+SPEC-003\\s+backend`));
    await refused(['worker', 'start', 'NOPE-1', 'backend'], /^Error: Task NOPE-1 not found$/m);
    await refused(['task', 'delete', 'SPEC-003', '--yes'], /Task SPEC-003 still has a worktree/);
    // a shell left in a deleted directory cannot merge or remove (the service gets cwd = null)
    const app = t.app(env as Record<string, string>);
    try {
      await assert.rejects(app.orchestration.worktrees.merge('SPEC-003', { cwd: null }), /your shell is in a deleted directory/);
      await assert.rejects(app.orchestration.worktrees.remove('SPEC-003', { cwd: null }), /your shell is in a deleted directory/);
    } finally {
      await app.close();
    }

    const context = (await ok(['worker', 'context', 'SPEC-003', 'backend'])).stdout;
    assert.match(context, /^# Worker Context for SPEC-003\n\n## Role: backend\n\n# Backend Engineer Role/);
    assert.match(context, new RegExp(`- \\*\\*Worktree\\*\\*: ${wt}`));
    await ok(['worker', 'fail', id, '--reason', 'ran out of context']);
    assert.deepEqual(query(t, 'SELECT status, reason FROM workers WHERE id = ?', id), [{ status: 'failed', reason: 'ran out of context' }]);
    await refused(['worker', 'complete', id], /Worker .* is already failed/);
    assert.match((await ok(['worker', 'cleanup', '--max-age', '0'])).stdout, /^Marked 0 stale workers as session_ended$/m);
  });

  test('sessions: save, pending, resume; journal entries written over MCP are read by the CLI', async () => {
    const saved = await ok(['session', 'save', '--continue'], { input: 'Next: merge SPEC-001\nThen: docs\n' });
    const id = /^Saved session: ([0-9a-f]{8})\nMarked for continuation$/m.exec(saved.stdout)?.[1];
    assert.ok(id, saved.stdout);
    await ok(['session', 'save'], { input: 'a note that needs no continuation\n' });
    const pending = await ok(['session', 'pending']);
    assert.match(pending.stdout, new RegExp(`^Pending Session: ${id}\\nCreated: .*Z\\n\\n--- Handoff Content ---\\nNext: merge SPEC-001\\nThen: docs`));
    assert.match((await ok(['session', 'resume', id!])).stdout, new RegExp(`Marked session ${id} as resumed`));
    assert.match((await ok(['session', 'pending'])).stdout, /^No pending handoff\.$/m);
    const list = json<{ id: string; resumed_at: string | null }[]>(await ok(['session', 'list', '--json']));
    assert.equal(list.length, 2);
    assert.match(list.find((s) => s.id === id)!.resumed_at!, /Z$/);
    await refused(['session', 'save'], /No content provided/, { input: '  \n' });

    const app = t.app(env as Record<string, string>);
    const { client, close } = await connectInMemory(app);
    let entry: string;
    try {
      entry = mcpOk<{ id: string }>(
        await call(client, 'store_journal_entry', { summary: 'Wired up the gates', working_directory: repo, friction_points: ['npm is slow'] }),
      ).id;
    } finally {
      await close();
      await app.close();
    }
    const journal = await ok(['session', 'journal', 'list', '--unreflected']);
    assert.match(journal.stdout, new RegExp(`${entry}\\s+\\S+\\s+project\\s+Wired up the gates \\[unreflected\\]`));
    const shown = await ok(['session', 'journal', 'show', entry]);
    assert.match(shown.stdout, /Reflected: No[\s\S]*--- Summary ---\nWired up the gates\n\n--- Friction Points ---\n- npm is slow/);
    await refused(['session', 'journal', 'show', '00000000-0000-4000-8000-000000000000'], /Entry 00000000-0000-4000-8000-000000000000 not found/);
  });

  test('status subcommands, counters, init templates', async () => {
    assert.doesNotMatch((await ok(['status'])).stdout, /Orchestration/, 'no summary without active tasks');
    await ok(['task', 'create', 'SPEC-010', 'Shown in status']);
    const status = await ok(['status']);
    assert.match(status.stdout, /Orchestration \(.*project\): 1 active task\(s\), health HEALTHY\n {2}SPEC: SPEC-010/);
    assert.match((await ok(['status', 'tasks'])).stdout, /=== Active Tasks ===\n\nSPEC:\n {2}- SPEC-010: Shown in status/);
    const health = json<{ status: string; counters: Record<string, number> }>(await ok(['status', 'health', '--json']));
    assert.deepEqual(health.counters, { merge_lock: 0, merges_since_e2e: 0, merges_since_docs: 0 });
    await ok(['counter', 'set', 'merges_since_e2e', '12']);
    assert.match((await ok(['status', 'health'])).stdout, /Status: ATTENTION\n {2}- 12 merges since the last E2E run/);
    assert.match((await ok(['status', 'worktrees'])).stdout, /No worktrees found\./);
    assert.match((await ok(['status', 'counters'])).stdout, /merges_since_e2e\s+12/);

    assert.match((await ok(['counter', 'add', 'builds', '5'])).stdout, /^Created counter builds = 5$/m);
    assert.match((await ok(['counter', 'add', 'builds', '9'])).stdout, /^Counter builds already exists \(value 5, unchanged\)$/m);
    assert.match((await ok(['counter', 'increment', 'builds'])).stdout, /^builds = 6$/m);
    assert.match((await ok(['counter', 'reset', 'builds'])).stdout, /^Reset builds to 0$/m);
    assert.equal((await ok(['counter', 'get', 'never-set'])).stdout.trim(), '0');
    assert.match((await ok(['task', 'next-id', 'SPEC'])).stdout, /^SPEC-011$/m);
    assert.match((await ok(['task', 'next-id', 'BUG'])).stdout, /^BUG-001$/m);

    // calm init copies the templates once and never overwrites an edited one
    const first = json<{ templates: { copied: string[]; kept: number } }>(await ok(['init', '--json']));
    assert.ok(first.templates.copied.includes('workflows/default.md'));
    assert.ok(first.templates.copied.includes('skills/orchestrate/SKILL.md'));
    assert.ok(first.templates.copied.filter((f) => f.startsWith('roles/')).length >= 15);
    const workflow = join(t.calmHome, 'workflows', 'default.md');
    writeFileSync(workflow, 'my own workflow\n');
    const second = json<{ templates: { copied: string[]; kept: number } }>(await ok(['init', '--json']));
    assert.deepEqual(second.templates.copied, []);
    assert.equal(second.templates.kept, first.templates.copied.length);
    assert.equal(readFileSync(workflow, 'utf8'), 'my own workflow\n');
    writeFileSync(join(t.calmHome, 'roles', 'backend.md'), '# My backend prompt\n');
    assert.equal((await ok(['worker', 'prompt', 'backend'])).stdout, '# My backend prompt\n');
    assert.match((await ok(['gate', 'list'])).stdout, /IMPLEMENT-CODE_REVIEW \(feature\):\n {2}- code_exists/);
  });

  test('bad input: one line, exit 1, database unchanged', async () => {
    await ok(['task', 'create', 'SPEC-X', 'Existing']);
    const uuid = '00000000-0000-4000-8000-000000000000';
    const cases: [string[], RegExp][] = [
      [['task', 'show', 'NOPE'], /Task NOPE not found/],
      [['task', 'transition', 'NOPE', 'DESIGN'], /Task NOPE not found/],
      [['task', 'transition', 'SPEC-X', 'BOGUS'], /Invalid phase 'BOGUS' for feature tasks/],
      [['task', 'transition', 'SPEC-X', 'IMPLEMENT'], /Invalid transition: SPEC -> IMPLEMENT for feature \(next phase: DESIGN\)/],
      [['task', 'transition', 'SPEC-X', 'INVESTIGATED'], /Invalid transition: SPEC -> INVESTIGATED for feature/],
      [['task', 'create', 'SPEC-Y', 'Title', '--type', 'epic'], /Invalid task type 'epic'/],
      [['task', 'create', 'SPEC-X', 'Again'], /Task SPEC-X already exists/],
      [['task', 'create', 'bad id!', 'Title'], /Invalid task id 'bad id!'/],
      [['task', 'create', 'SPEC-Z', '  '], /A task title is required/],
      [['task', 'list', '--phase', 'LATER'], /Invalid phase 'LATER'/],
      [['task', 'list', '--type', 'epic'], /Invalid task type 'epic'/],
      [['task', 'update', 'NOPE', '--notes', 'x'], /Task NOPE not found/],
      [['task', 'update', 'SPEC-X', '--phase', 'BOGUS', '--reason', 'r'], /Invalid phase 'BOGUS'/],
      [['task', 'update', 'SPEC-X'], /Nothing to update/],
      [['task', 'delete', 'NOPE', '--yes'], /Task NOPE not found/],
      [['task', 'next-id', 'FOO'], /Invalid id prefix 'FOO'/],
      [['gate', 'check', 'NOPE', 'SPEC-DESIGN'], /Task NOPE not found/],
      [['gate', 'check', 'SPEC-X', 'FOO-BAR'], /Invalid transition: FOO -> BAR for feature/],
      [['gate', 'check', 'SPEC-X', 'REPORTED-INVESTIGATED'], /Invalid transition: REPORTED -> INVESTIGATED for feature/],
      [['gate', 'check', 'SPEC-X', 'IMPLEMENT-CODE_REVIEW'], /No worktree found for task SPEC-X/],
      [['review', 'record', 'NOPE', 'spec', 'approved'], /Task 'NOPE' not found\. Create the task first with 'calm task create'\./],
      [['review', 'record', 'SPEC-X', 'design', 'approved'], /Invalid review type 'design'/],
      [['review', 'record', 'SPEC-X', 'spec', 'maybe'], /Invalid review result 'maybe'/],
      [['review', 'list', 'NOPE'], /Task NOPE not found/],
      [['review', 'check', 'SPEC-X', 'design'], /Invalid review type 'design'/],
      [['review', 'clear', 'NOPE', '--yes'], /Task NOPE not found/],
      [['worktree', 'create', 'NOPE'], /Task NOPE not found/],
      [['worktree', 'path', 'SPEC-X'], /No worktree found for task SPEC-X/],
      [['worktree', 'merge', 'SPEC-X'], /No worktree found for task SPEC-X/],
      [['worktree', 'remove', 'SPEC-X', '--yes'], /No worktree found for task SPEC-X/],
      [['worktree', 'check-conflicts', 'SPEC-X'], /No branch SPEC-X for task SPEC-X/],
      [['worker', 'start', 'NOPE', 'backend'], /Task NOPE not found/],
      [['worker', 'start', 'SPEC-X', '../etc'], /Invalid role/],
      [['worker', 'complete', 'W-0-00000'], /Worker W-0-00000 not found/],
      [['worker', 'fail', 'W-0-00000'], /Worker W-0-00000 not found/],
      [['worker', 'list', '--status', 'sleeping'], /Invalid worker status 'sleeping'/],
      [['worker', 'prompt', 'astronaut'], /Role file not found: astronaut\.md/],
      [['worker', 'cleanup', '--max-age', 'soon'], /Invalid max age 'soon'/],
      [['counter', 'set', 'merge_lock', 'on'], /Invalid counter value 'on'/],
      [['counter', 'set', 'bad name', '1'], /Invalid counter name 'bad name'/],
      [['session', 'show', 'nope'], /Session nope not found/],
      [['session', 'resume', 'nope'], /Session nope not found/],
      [['session', 'journal', 'show', uuid], /Entry .* not found/],
      [['project', 'set', 'colour', 'blue'], /Unknown project setting 'colour'/],
      [['project', 'set', 'base_branch', 'nosuch'], /Branch 'nosuch' does not exist/],
    ];
    // run concurrently (they are independent refusals); the database is compared once around all of them
    const before = snapshot(t);
    const results = await Promise.all(cases.map(async ([args, message]) => ({ args, message, r: await calm(args) })));
    for (const { args, message, r } of results) {
      assert.equal(r.code, 1, `calm ${args.join(' ')} should exit 1\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, message, `calm ${args.join(' ')}`);
      assert.match(r.stderr, /^Error: [^\n]+\n$/, `one line, no stack trace: ${JSON.stringify(r.stderr)}`);
      assert.equal(r.stdout, '', `calm ${args.join(' ')} printed to stdout`);
    }
    assert.equal(snapshot(t), before, 'a refused command changed the database');
  });
});
