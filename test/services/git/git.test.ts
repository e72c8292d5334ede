/**
 * Git tools on real temporary repositories with set authors and dates: incremental commit indexing,
 * `since`, search filters, exact per-file history, churn and author figures, and `repo_path`.
 */
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { App } from '../../../src/app.js';
import { CollectionGuard } from '../../../src/services/collection-guard.js';
import { GitService } from '../../../src/services/git/index.js';
import { parseSince } from '../../../src/services/git/since.js';
import { CodeIndexRepository } from '../../../src/store/code-index-repository.js';
import { COLLECTIONS } from '../../../src/store/records/collections.js';
import { gitIn } from '../../helpers/git.js';
import { tempHome, type TempHome } from '../../helpers/home.js';

const DAY = 86_400_000;
const NOW = Date.now();
const ago = (days: number): Date => new Date(Math.floor((NOW - days * DAY) / 1000) * 1000);

interface Person {
  name: string;
  email: string;
}
const ALICE = { name: 'Alice Liddell', email: 'alice@example.com' };
const BOB = { name: 'Bob Builder', email: 'bob@example.com' };
const CAROL = { name: 'Carol Danvers', email: 'carol@example.com' };

function commit(t: TempHome, dir: string, files: Record<string, string | null>, message: string, who: Person, when: Date): string {
  for (const [rel, content] of Object.entries(files)) {
    const path = join(dir, rel);
    if (content === null) rmSync(path);
    else {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
    }
  }
  const env = t.env({
    GIT_AUTHOR_NAME: who.name, GIT_AUTHOR_EMAIL: who.email, GIT_COMMITTER_NAME: who.name, GIT_COMMITTER_EMAIL: who.email,
    GIT_AUTHOR_DATE: when.toISOString(), GIT_COMMITTER_DATE: when.toISOString(),
  });
  gitIn(dir, ['add', '-A'], env);
  gitIn(dir, ['commit', '-q', '--no-gpg-sign', '-m', message], env);
  return gitIn(dir, ['rev-parse', 'HEAD'], env);
}

const lines = (n: number, tag: string): string => Array.from({ length: n }, (_, i) => `${tag}${i}`).join('\n') + '\n';

/** Five commits by three authors; per-file line counts differ from the commits' totals. */
function buildRepo(t: TempHome, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  gitIn(dir, ['init', '-q', '-b', 'main'], t.env());
  const a1 = lines(3, 'a');
  const shas = [
    commit(t, dir, { 'src/a.py': a1, 'README.md': 'readme\n' }, 'Initial import', ALICE, ago(200)),
    // a.py: +2 -1; b.py: +2
    commit(t, dir, { 'src/a.py': 'a0\nX\nY\na2\n', 'src/b.py': lines(2, 'b') }, 'Add parser for config files', BOB, ago(40)),
    // a.py: +1; b.py: +1 -1
    commit(t, dir, { 'src/a.py': 'a0\nX\nY\na2\nZ\n', 'src/b.py': 'b0\nB1\n' }, 'Fix crash in parser on empty input', ALICE, ago(30)),
    // a.py: -1; README: +1
    commit(t, dir, { 'src/a.py': 'a0\nX\nY\nZ\n', 'README.md': 'readme\nparser docs\n' }, 'Document the parser', CAROL, ago(20)),
    // a.py: +3 (Bob, new email)
    commit(t, dir, { 'src/a.py': 'a0\nX\nY\nZ\nc1\nc2\nc3\n' }, 'Speed up parsing with a cache', { ...BOB, email: 'bob@new.example.com' }, ago(10)),
  ];
  return shas;
}

describe('git service', () => {
  let t: TempHome;
  let app: App;
  let repo: string;
  let shas: string[];
  before(() => {
    t = tempHome();
    app = t.app();
    repo = join(t.root, 'repo');
    shas = buildRepo(t, repo);
  });
  after(async () => {
    await app.close();
    t.cleanup();
  });

  test('file history: newest first, the file\'s own line counts, every file of each commit', async () => {
    const h = await app.git.fileHistory({ path: 'src/a.py', repo_path: repo });
    assert.equal(h.path, 'src/a.py');
    assert.equal(h.count, 5);
    assert.deepEqual(h.commits.map((c) => [c.sha, c.author, c.insertions, c.deletions]), [
      [shas[4], BOB.name, 3, 0],
      [shas[3], CAROL.name, 0, 1],
      [shas[2], ALICE.name, 1, 0],
      [shas[1], BOB.name, 2, 1],
      [shas[0], ALICE.name, 3, 0],
    ]);
    assert.deepEqual(h.commits[2]!.files_changed, ['src/a.py', 'src/b.py']);
    assert.equal(h.commits[0]!.timestamp, ago(10).toISOString());
    assert.equal(h.commits[0]!.author_email, 'bob@new.example.com');
    assert.equal(h.commits[2]!.message, 'Fix crash in parser on empty input');
    const two = await app.git.fileHistory({ path: join(repo, 'src', 'a.py'), repo_path: repo, limit: 2 });
    assert.deepEqual(two.commits.map((c) => c.sha), [shas[4], shas[3]]);
  });

  test('churn hotspots count each file\'s own lines, within the window, above min_changes', async () => {
    const c = await app.git.churnHotspots({ repo_path: repo });
    assert.equal(c.days, 90);
    assert.deepEqual(c.hotspots, [{
      path: 'src/a.py', commit_count: 4, total_insertions: 6, total_deletions: 2,
      authors: [ALICE.name, BOB.name, CAROL.name], last_changed: ago(10).toISOString(),
    }]);
    const loose = await app.git.churnHotspots({ repo_path: repo, min_changes: 1, days: 365 });
    assert.deepEqual(loose.hotspots.map((h) => [h.path, h.commit_count, h.total_insertions, h.total_deletions]), [
      ['src/a.py', 5, 9, 2],
      ['src/b.py', 2, 3, 1],
      ['README.md', 2, 2, 0],
    ]);
    const recent = await app.git.churnHotspots({ repo_path: repo, min_changes: 1, days: 15 });
    assert.deepEqual(recent.hotspots.map((h) => [h.path, h.commit_count]), [['src/a.py', 1]]);
  });

  test('code authors: commits and the file\'s own lines per author, latest email, share of commits', async () => {
    const a = await app.git.codeAuthors({ path: 'src/a.py', repo_path: repo });
    assert.equal(a.count, 3);
    assert.deepEqual(a.authors, [
      { author: BOB.name, email: 'bob@new.example.com', commit_count: 2, lines_added: 5, lines_removed: 1, percentage: 40,
        first_commit: ago(40).toISOString(), last_commit: ago(10).toISOString() },
      { author: ALICE.name, email: ALICE.email, commit_count: 2, lines_added: 4, lines_removed: 0, percentage: 40,
        first_commit: ago(200).toISOString(), last_commit: ago(30).toISOString() },
      { author: CAROL.name, email: CAROL.email, commit_count: 1, lines_added: 0, lines_removed: 1, percentage: 20,
        first_commit: ago(20).toISOString(), last_commit: ago(20).toISOString() },
    ]);
    const readme = await app.git.codeAuthors({ path: 'README.md', repo_path: repo });
    assert.deepEqual(readme.authors.map((x) => [x.author, x.lines_added, x.percentage]), [[ALICE.name, 1, 50], [CAROL.name, 1, 50]]);
  });

  test('index_commits is incremental per repository; since and author filter the search', async () => {
    const first = await app.git.indexCommits({ repo_path: repo });
    assert.deepEqual([first.status, first.mode, first.commits_indexed, first.commits_skipped, first.errors], ['success', 'full', 5, 0, []]);
    assert.equal(first.repo_path, repo);
    const same = await app.git.indexCommits({ repo_path: repo });
    assert.deepEqual([same.mode, same.commits_indexed], ['up_to_date', 0]);

    const sha6 = commit(t, repo, { 'src/c.py': 'c\n' }, 'Add cache eviction policy', CAROL, ago(5));
    const next = await app.git.indexCommits({ repo_path: repo });
    assert.deepEqual([next.mode, next.commits_indexed], ['incremental', 1]);
    const state = app.db.prepare('SELECT last_indexed_sha, commit_count FROM git_index_state WHERE repo_path = ?').get(repo);
    assert.deepEqual(state, { last_indexed_sha: sha6, commit_count: 6 });

    const [record] = await app.records.get(COLLECTIONS.commits, [shas[2]!]);
    assert.deepEqual(
      { ...record!.payload, indexed_at: 0, indexed_at_iso: '' },
      {
        id: shas[2], sha: shas[2], message: 'Fix crash in parser on empty input', author: ALICE.name, author_email: ALICE.email,
        timestamp: ago(30).getTime() / 1000, timestamp_iso: ago(30).toISOString(), committed_at: ago(30).toISOString(),
        authored_at: ago(30).toISOString(), files_changed: ['src/a.py', 'src/b.py'], file_count: 2, insertions: 2, deletions: 1,
        indexed_at: 0, indexed_at_iso: '', repo_path: repo,
      },
    );
    assert.equal(record!.text, `Fix crash in parser on empty input\n\nFiles: src/a.py, src/b.py\n\nAuthor: ${ALICE.name}`);

    const cache = await app.git.searchCommits({ query: 'cache', search_mode: 'keyword' });
    assert.deepEqual(cache.results.map((r) => r.sha).sort(), [shas[4], sha6].sort());
    const byCarol = await app.git.searchCommits({ query: 'cache', search_mode: 'keyword', author: CAROL.name });
    assert.deepEqual(byCarol.results.map((r) => r.sha), [sha6]);
    const parser = await app.git.searchCommits({ query: 'parser', search_mode: 'keyword', since: ago(35).toISOString().slice(0, 10) });
    assert.ok(parser.results.length > 0);
    assert.ok(parser.results.every((r) => r.timestamp >= ago(36).toISOString()), JSON.stringify(parser.results.map((r) => r.timestamp)));
    assert.ok(!parser.results.some((r) => r.sha === shas[1]), 'the 40-day-old parser commit is before since');
    const hit = parser.results.find((r) => r.sha === shas[2])!;
    assert.deepEqual(
      [hit.message, hit.author, hit.timestamp, hit.files_changed, hit.file_count, hit.insertions, hit.deletions, hit.repo_path],
      ['Fix crash in parser on empty input', ALICE.name, ago(30).toISOString(), ['src/a.py', 'src/b.py'], 2, 2, 1, repo],
    );
  });

  test('a forced full index with since keeps only the commits since then; a rewritten HEAD triggers a full re-index', async () => {
    const forced = await app.git.indexCommits({ repo_path: repo, force: true, since: ago(25).toISOString() });
    assert.deepEqual([forced.mode, forced.commits_indexed], ['full', 3]); // Carol (20d), Bob (10d), Carol (5d)
    assert.equal(await app.records.count(COLLECTIONS.commits, { repo_path: repo }), 3);

    const oldHead = gitIn(repo, ['rev-parse', 'HEAD'], t.env());
    gitIn(repo, ['commit', '-q', '--amend', '--no-gpg-sign', '-m', 'Add cache eviction policy (LRU)'], t.env({
      GIT_COMMITTER_NAME: CAROL.name, GIT_COMMITTER_EMAIL: CAROL.email, GIT_COMMITTER_DATE: ago(4).toISOString(),
    }));
    const rewritten = await app.git.indexCommits({ repo_path: repo });
    assert.deepEqual([rewritten.mode, rewritten.commits_indexed], ['full', 6]);
    assert.equal((await app.records.get(COLLECTIONS.commits, [oldHead])).length, 0, 'the replaced commit is gone');
    const limited = await app.git.indexCommits({ repo_path: repo, force: true, limit: 2 });
    assert.equal(limited.commits_indexed, 2);
  });

  test('validation: CALM messages for since, limit, days, author and unknown files', async () => {
    await assert.rejects(app.git.indexCommits({ repo_path: repo, since: '2024-13-01' }), { message: "Invalid date format '2024-13-01'. Use ISO format: YYYY-MM-DD" });
    await assert.rejects(app.git.indexCommits({ repo_path: repo, since: 'yesterday' }), { message: "Invalid date format 'yesterday'. Use ISO format: YYYY-MM-DD" });
    await assert.rejects(app.git.indexCommits({ repo_path: repo, limit: 0 }), { message: 'Limit must be positive, got 0' });
    await assert.rejects(app.git.indexCommits({ repo_path: repo, limit: 100_001 }), { message: 'Limit 100001 exceeds maximum of 100000' });
    await assert.rejects(app.git.churnHotspots({ repo_path: repo, days: 366 }), { message: 'Days 366 out of range. Must be between 1 and 365.' });
    await assert.rejects(app.git.churnHotspots({ repo_path: repo, limit: 51 }), { message: 'Limit 51 out of range. Must be between 1 and 50.' });
    await assert.rejects(app.git.fileHistory({ repo_path: repo, path: 'src/a.py', limit: 501 }), { message: 'Limit 501 out of range. Must be between 1 and 500.' });
    await assert.rejects(app.git.fileHistory({ repo_path: repo, path: 'nope.py' }), { message: 'File not found in repository: nope.py' });
    await assert.rejects(app.git.codeAuthors({ repo_path: repo, path: '/elsewhere/x.py' }), { message: 'File not found in repository: /elsewhere/x.py' });
    await assert.rejects(app.git.searchCommits({ query: 'x', author: 'a'.repeat(201) }), { message: 'Author name too long (201 chars). Maximum: 200 characters' });
    await assert.rejects(app.git.searchCommits({ query: 'x', since: '01/02/2024' }), /Invalid date format '01\/02\/2024'/);
    await assert.rejects(app.git.searchCommits({ query: 'x', limit: 0, search_mode: 'bad' }), { message: 'Limit 0 out of range. Must be between 1 and 50.' });
  });
});

describe('git service: repo_path', () => {
  let t: TempHome;
  let app: App;
  before(() => {
    t = tempHome();
    app = t.app();
  });
  after(async () => {
    await app.close();
    t.cleanup();
  });

  const serviceIn = (dir: string): GitService =>
    new GitService(app.records, app.embedder, new CollectionGuard(app.records, app.embedder), app.search, new CodeIndexRepository(app.db), () => dir);

  test('each call works on the repository it names; without repo_path, on the working directory', async () => {
    const one = join(t.root, 'one');
    const two = join(t.root, 'two');
    buildRepo(t, one);
    mkdirSync(two, { recursive: true });
    gitIn(two, ['init', '-q', '-b', 'main'], t.env());
    const only = commit(t, two, { 'lib/z.go': 'package z\n' }, 'Create the z package with a cache', BOB, ago(3));

    assert.equal((await app.git.indexCommits({ repo_path: one })).commits_indexed, 5);
    // a folder inside the repository names it too
    mkdirSync(join(two, 'lib', 'deep'), { recursive: true });
    assert.equal((await app.git.indexCommits({ repo_path: join(two, 'lib', 'deep') })).commits_indexed, 1);

    const inTwo = await app.git.searchCommits({ query: 'cache', search_mode: 'keyword', repo_path: two });
    assert.deepEqual(inTwo.results.map((r) => r.sha), [only]);
    const everywhere = await app.git.searchCommits({ query: 'cache', search_mode: 'keyword' });
    assert.equal(everywhere.count, 2);

    const fromCwd = serviceIn(join(two, 'lib'));
    assert.deepEqual((await fromCwd.fileHistory({ path: 'lib/z.go' })).commits.map((c) => c.sha), [only]);
    assert.deepEqual((await fromCwd.churnHotspots({ min_changes: 1 })).hotspots.map((h) => h.path), ['lib/z.go']);
  });

  test('a linked worktree shares its repository\'s index', async () => {
    const main = join(t.root, 'one');
    const wt = join(t.root, 'one-wt');
    gitIn(main, ['worktree', 'add', '-q', wt], t.env());
    const r = await app.git.indexCommits({ repo_path: wt });
    assert.deepEqual([r.repo_path, r.mode], [main, 'up_to_date']);
  });

  test('a folder that is not a repository is not_available, naming the folder', async () => {
    const plain = join(t.root, 'plain');
    mkdirSync(plain);
    await assert.rejects(app.git.churnHotspots({ repo_path: plain }), {
      type: 'not_available', message: `Git churn analysis not available: ${plain} is not inside a git repository (pass repo_path)`,
    });
    await assert.rejects(serviceIn(plain).indexCommits({}), { type: 'not_available' });
    await assert.rejects(app.git.fileHistory({ path: 'x', repo_path: join(t.root, 'missing') }), {
      type: 'validation_error', message: `Repository path not found: ${join(t.root, 'missing')}`,
    });
  });

  test('an empty repository indexes nothing and has no history', async () => {
    const empty = join(t.root, 'empty');
    mkdirSync(empty);
    gitIn(empty, ['init', '-q'], t.env());
    const r = await app.git.indexCommits({ repo_path: empty });
    assert.deepEqual([r.mode, r.commits_indexed], ['up_to_date', 0]);
  });
});

describe('parseSince', () => {
  test('dates are midnight UTC; date-times without a zone are UTC; offsets are honoured', () => {
    assert.equal(parseSince('2024-02-29').toISOString(), '2024-02-29T00:00:00.000Z');
    assert.equal(parseSince('2024-03-01T10:30').toISOString(), '2024-03-01T10:30:00.000Z');
    assert.equal(parseSince('2024-03-01T10:30:15.5+02:00').toISOString(), '2024-03-01T08:30:15.500Z');
    assert.equal(parseSince('2024-03-01 10:30:15Z').toISOString(), '2024-03-01T10:30:15.000Z');
    for (const bad of ['2023-02-29', '2024-1-01', '2024-01-01T25:00', '', 'now']) {
      assert.throws(() => parseSince(bad), { message: `Invalid date format '${bad}'. Use ISO format: YYYY-MM-DD` });
    }
  });
});
