/**
 * A tool's path arguments reach only what the tool is meant to read: git history only inside its
 * repository (`a/../../x`, absolute paths elsewhere and NUL refused), index_codebase never inside
 * $CALM_HOME, key stores or /proc (refused when pointed there, even through a symlink; skipped when
 * they lie below), a project's role prompt not through a symlink leading out of the project, and a
 * worktree's scaffolding not through a committed symlink. Through a real MCP client and the real CLI.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { commitAll, gitIn, makeRepo } from '../helpers/git.js';
import { runCli, type TempHome } from '../helpers/home.js';
import { call, errorOf, ok, openMcpSession, type McpSession } from '../helpers/mcp.js';

const SECRET = 'TOP-SECRET-outside-the-repository';

describe('security: path arguments stay inside what a tool may read', () => {
  let s: McpSession;
  let t: TempHome;
  let repo: string;
  let outside: string;
  const realHome = process.env.HOME;

  before(async () => {
    s = await openMcpSession();
    t = s.t;
    process.env.HOME = t.home; // `~` and the key stores are the test's own
    mkdirSync(t.home, { recursive: true });
    assert.equal((await runCli(['init'], t.env())).code, 0);
    outside = join(t.root, 'outside');
    mkdirSync(outside, { recursive: true });
    writeFileSync(join(outside, 'secret.ts'), `export const secret = '${SECRET}';\n`);
    repo = makeRepo(join(t.root, 'repo'), { 'src/a.ts': 'export function a(): number {\n  return 1;\n}\n', 'README.md': '# r\n' });
    symlinkSync(join(outside, 'secret.ts'), join(repo, 'src', 'leak.ts'));
    commitAll(repo, 'a symlink to a file outside');
  });

  after(async () => {
    process.env.HOME = realHome;
    await s.close();
  });

  test('git file history and authors: .. that leaves the tree, absolute paths elsewhere and NUL are refused', async () => {
    for (const tool of ['get_file_history', 'get_code_authors']) {
      for (const path of ['src/../../outside/secret.ts', '../outside/secret.ts', 'src/../..', '..', join(outside, 'secret.ts'), '/etc/passwd', 'src/a.ts\0.ts']) {
        const err = errorOf(await call(s.client, tool, { path, repo_path: repo }));
        assert.equal(err.type, 'validation_error', `${tool} ${JSON.stringify(path)}: ${err.message}`);
        assert.match(err.message, /File not found in repository/);
      }
      // `..` that stays inside is normalised, not refused
      const inside = ok<{ path?: string }>(await call(s.client, tool, { path: 'src/../src/a.ts', repo_path: repo }));
      if (tool === 'get_file_history') assert.equal(inside.path, 'src/a.ts');
    }
    const cli = await runCli(['git', 'history', 'src/../../outside/secret.ts', '--repo', repo, '--json'], t.env());
    assert.equal(cli.code, 2, cli.stderr);
    assert.match(cli.stderr, /File not found in repository/);
  });

  test('index_codebase refuses $CALM_HOME (also through a symlink), key stores and /proc', async () => {
    writeFileSync(join(t.calmHome, 'planted.ts'), 'export const planted = 1;\n');
    mkdirSync(join(t.home, '.ssh'), { recursive: true });
    writeFileSync(join(t.home, '.ssh', 'key.py'), 'PRIVATE = "key"\n');
    symlinkSync(t.calmHome, join(t.root, 'calm-link'));
    const refused = [t.calmHome, join(t.calmHome, 'backups'), join(t.root, 'calm-link'), '~/.ssh', '/proc/self'];
    for (const directory of refused) {
      if (!existsSync(directory.replace(/^~/, t.home))) mkdirSync(directory, { recursive: true });
      const err = errorOf(await call(s.client, 'index_codebase', { directory, project: 'evil' }));
      assert.equal(err.type, 'validation_error', directory);
      assert.match(err.message, /Refusing to index .*calm never indexes/, directory);
    }
    const cli = await runCli(['index', 'code', t.calmHome, '--project', 'evil', '--json'], t.env());
    assert.equal(cli.code, 2, cli.stderr);
    assert.match(cli.stderr, /Refusing to index/);
  });

  test('index_codebase over a folder holding $CALM_HOME and ~/.ssh skips them, and follows no symlink out', async () => {
    const result = ok<{ files_indexed: number }>(await call(s.client, 'index_codebase', { directory: t.root, project: 'everything' }));
    assert.ok(result.files_indexed >= 2, `indexed ${result.files_indexed}`); // repo/src/a.ts and outside/secret.ts
    const found = ok<{ results: { file_path: string }[] }>(await call(s.client, 'search_code', { query: 'planted PRIVATE key secret', project: 'everything', limit: 50 }));
    const files = found.results.map((r) => r.file_path);
    assert.ok(!files.some((f) => f.startsWith(t.calmHome) || f.includes('/.ssh/')), files.join('\n'));
    assert.ok(!files.some((f) => f.endsWith('leak.ts')), 'a symlink was followed');
    // indexing the repository alone: the symlinked secret stays out
    const inRepo = ok<{ files_indexed: number }>(await call(s.client, 'index_codebase', { directory: repo, project: 'repo-only' }));
    assert.equal(inRepo.files_indexed, 1);
  });

  test("a project's role prompt is not read through a symlink leading out of the project", async () => {
    mkdirSync(join(repo, '.claude', 'roles'), { recursive: true });
    symlinkSync(join(outside, 'secret.ts'), join(repo, '.claude', 'roles', 'thief.md'));
    writeFileSync(join(repo, '.claude', 'roles', 'own.md'), '# Own role\nStay inside.\n');
    const own = await runCli(['worker', 'prompt', 'own'], t.env(), { cwd: repo });
    assert.equal(own.code, 0, own.stderr);
    assert.match(own.stdout, /Stay inside/);
    const thief = await runCli(['worker', 'prompt', 'thief'], t.env(), { cwd: repo });
    assert.doesNotMatch(thief.stdout + thief.stderr, new RegExp(SECRET));
    assert.equal(thief.code, 1, thief.stderr);
    assert.match(thief.stderr, /Role file not found: thief\.md/);
    for (const role of ['../../outside/secret', '/etc/passwd', 'a/b']) {
      const r = await runCli(['worker', 'prompt', role], t.env(), { cwd: repo });
      assert.equal(r.code, 1, `${role}: ${r.stderr}`); // orchestration refusals exit 1
      assert.match(r.stderr, /Invalid role/);
    }
  });

  test("a committed symlink cannot lead a worktree's scaffolding outside", async () => {
    const evil = makeRepo(join(t.root, 'evil-repo'), { 'README.md': '# evil\n' });
    const target = join(t.root, 'victim');
    mkdirSync(target);
    symlinkSync(target, join(evil, 'bug_reports'));
    commitAll(evil, 'bug_reports leads outside');
    assert.equal((await runCli(['task', 'create', 'BUG-007', 'A bug', '--type', 'bug'], t.env(), { cwd: evil })).code, 0);
    const r = await runCli(['worktree', 'create', 'BUG-007'], t.env(), { cwd: evil });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /leads outside it/);
    assert.deepEqual(readdirSync(target), [], 'calm wrote outside the worktree');
    assert.ok(!existsSync(join(evil, '.worktrees', 'BUG-007')), 'the refused worktree was left behind');
    assert.doesNotMatch(gitIn(evil, ['branch', '--list', 'BUG-007']), /BUG-007/);
    for (const id of ['../../x', '/etc/passwd', 'a/../../b']) {
      const bad = await runCli(['task', 'create', id, 'x'], t.env(), { cwd: evil });
      assert.equal(bad.code, 1, `${id}: ${bad.stderr}`);
      assert.match(bad.stderr, /Invalid task id/);
    }
  });
});
