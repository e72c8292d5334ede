/** `calm index|search|git|context` as a user runs them: the built CLI in a child process, JSON and human output, exit codes. */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { commitAll, gitIn, writeFiles } from '../helpers/git.js';
import { json, runCli, tempHome, type TempHome } from '../helpers/home.js';

describe('calm index, search, git and context commands', () => {
  let t: TempHome;
  let tree: string;
  let repo: string;
  before(async () => {
    t = tempHome();
    assert.equal((await runCli(['init'], t.env())).code, 0);
    tree = join(t.root, 'tree');
    writeFiles(tree, {
      'ledger.py': 'def reconcile_ledger(entries):\n    """Match payments to invoices."""\n    return [e for e in entries if e.paid]\n',
      'notes.rs': 'pub fn settle(amount: i64) -> i64 {\n    amount\n}\n',
    });
    repo = join(t.root, 'repo');
    mkdirSync(repo);
    const env = t.env({ GIT_AUTHOR_NAME: 'Finn', GIT_AUTHOR_EMAIL: 'finn@example.com', GIT_COMMITTER_NAME: 'Finn', GIT_COMMITTER_EMAIL: 'finn@example.com' });
    gitIn(repo, ['init', '-q', '-b', 'main'], env);
    for (let i = 1; i <= 3; i++) {
      writeFiles(repo, { 'ledger.py': 'x = 1\n'.repeat(i) });
      commitAll(repo, `Reconcile ledger step ${i}`, env);
    }
  });
  after(() => t.cleanup());

  test('index code, then search it; a second run skips unchanged files', async () => {
    const first = await runCli(['index', 'code', tree, '--project', 'books', '--json'], t.env());
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual([json(first).files_indexed, json(first).units_indexed], [2, 2]);
    const human = await runCli(['index', 'code', tree, '--project', 'books'], t.env());
    assert.match(human.stdout, /Indexed 0 files \(0 units\) of project books/);
    assert.match(human.stdout, /Skipped 2 unchanged files/);

    const found = await runCli(['search', 'code', 'payments invoices', '--mode', 'keyword', '--json'], t.env());
    assert.equal(found.code, 0, found.stderr);
    assert.equal(json<{ results: { qualified_name: string }[] }>(found).results[0]?.qualified_name, 'ledger.reconcile_ledger');
    const table = await runCli(['search', 'code', 'settle', '--language', 'rust'], t.env());
    assert.match(table.stdout, /function\s+notes::settle\s+.*notes\.rs:1/);
    const similar = await runCli(['search', 'similar', '-', '--json'], t.env(), { input: 'def reconcile_ledger(entries):\n    return entries\n' });
    assert.equal(json<{ results: { qualified_name: string }[] }>(similar).results[0]?.qualified_name, 'ledger.reconcile_ledger');
    const status = await runCli(['index', 'status', '--json'], t.env());
    assert.deepEqual(json(status), { total_files: 2, total_units: 2, languages: { python: 1, rust: 1 }, projects: ['books'] });
  });

  test('index commits in the current directory or --repo; search, history, churn, authors', async () => {
    const indexed = await runCli(['index', 'commits', '--json'], t.env(), { cwd: repo });
    assert.equal(indexed.code, 0, indexed.stderr);
    assert.deepEqual([json(indexed).commits_indexed, json(indexed).mode], [3, 'full']);
    const again = await runCli(['index', 'commits', '--repo', repo], t.env());
    assert.match(again.stdout, /already up to date/);

    const found = await runCli(['search', 'commits', 'reconcile', '--mode', 'keyword', '--author', 'Finn', '--json'], t.env());
    assert.equal(json<{ count: number }>(found).count, 3);
    const history = await runCli(['git', 'history', 'ledger.py', '--json'], t.env(), { cwd: repo });
    assert.equal(history.code, 0, history.stderr);
    assert.deepEqual(json<{ commits: { insertions: number }[] }>(history).commits.map((c) => c.insertions), [1, 1, 1]);
    const viaRepo = await runCli(['git', 'history', 'ledger.py', '--repo', repo, '--limit', '1', '--json'], t.env());
    assert.equal(json<{ count: number }>(viaRepo).count, 1);
    const churn = await runCli(['git', 'churn', '--repo', repo, '--json'], t.env());
    assert.deepEqual(json<{ hotspots: { path: string; commit_count: number }[] }>(churn).hotspots.map((h) => [h.path, h.commit_count]), [['ledger.py', 3]]);
    const authors = await runCli(['git', 'authors', join(repo, 'ledger.py')], t.env());
    assert.match(authors.stdout, /Finn\s+finn@example\.com\s+3\s+100%\s+\+3 -0/);
  });

  test('context prints markdown, or JSON with --json', async () => {
    const human = await runCli(['context', 'reconcile the ledger', '--max-tokens', '300'], t.env());
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^# Context\n/);
    assert.match(human.stdout, /## Code/);
    const data = json<{ token_count: number; sources_used: Record<string, number> }>(
      await runCli(['context', 'reconcile the ledger', '--types', 'code,commits', '--json'], t.env()),
    );
    assert.ok(data.token_count <= 1500);
    assert.deepEqual(Object.keys(data.sources_used).sort(), ['code', 'commits']);
  });

  test('bad input exits 2 with CALM\'s message; not a repository exits 1', async () => {
    const badTypes = await runCli(['context', 'x', '--types', 'docs'], t.env());
    assert.equal(badTypes.code, 2);
    assert.match(badTypes.stderr, /Invalid context types: \['docs'\]\. Valid options: values, experiences, memories, code, commits/);
    const badProject = await runCli(['index', 'code', tree, '--project', '-bad', '--json'], t.env());
    assert.equal(badProject.code, 2);
    assert.equal(JSON.parse(badProject.stderr).error.type, 'validation_error');
    const badDays = await runCli(['git', 'churn', '--repo', repo, '--days', '400'], t.env());
    assert.deepEqual([badDays.code, badDays.stderr.trim()], [2, 'Error: Days 400 out of range. Must be between 1 and 365.']);
    const notRepo = await runCli(['git', 'churn'], t.env(), { cwd: tree });
    assert.equal(notRepo.code, 1);
    assert.match(notRepo.stderr, /not inside a git repository/);
    const help = await runCli(['index', 'code', '--help'], t.env());
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--project <name>/);
  });
});
