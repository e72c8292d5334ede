/**
 * A CALM user switches to calm (issue 13): on a CALM home built from CALM's documented formats, every calm
 * command but `init` stops with a clear message and leaves every file byte for byte (and mtime) as it was;
 * `calm init` asks, keeps a verified copy, brings everything over (searchable through calm's CLI and MCP),
 * changes nothing when run again, and `calm restore-calm` puts CALM's files back byte for byte. A second
 * home adopts with CALM's Qdrant unreachable and imports the Qdrant part later with the printed command.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type FakeQdrant, startFakeQdrant } from '../fakes/qdrant-server.js';
import { active, archived, buildCalmHome, CUSTOM_ROLE, inQdrant, journalOnly, MEMORY_ID, seedCalmQdrant, snapshotFiles, type FileState } from '../helpers/calm-home.js';
import { call, connectInMemory, ok } from '../helpers/mcp.js';
import { json, runCli, tempHome, type TempHome } from '../helpers/home.js';
import { freePort } from '../helpers/net.js';

/** One command of every group (and the top-level ones), each of which would read or write the home. */
const COMMANDS: readonly string[][] = [
  ['status'], ['doctor'], ['reembed'], ['config', 'show'], ['config', 'path'], ['memory', 'list'], ['memory', 'store', 'x', '-c', 'fact'],
  ['memory', 'search', 'staging'], ['ghap', 'status'], ['ghap', 'list'], ['learn', 'values'], ['learn', 'clusters'], ['task', 'list'],
  ['task', 'create', 'T-1', 'title'], ['gate', 'list'], ['review', 'list', 'SPEC-001'], ['worker', 'list'], ['counter', 'list'],
  ['session', 'list'], ['session', 'journal', 'list'], ['worktree', 'list'], ['project', 'show'], ['backup', 'list'], ['backup', 'create'],
  ['backup', 'restore', '20251201_120000', '--yes'], ['export'], ['import', 'nothing.jsonl'], ['migrate', '--to', 'qdrant'], ['import-calm', '--dry-run'],
  ['index', 'status'], ['search', 'code', 'x'], ['git', 'churn'], ['context', 'staging'], ['server', 'status'], ['server', 'start'], ['mcp'],
  ['install', '--yes'], ['uninstall', '--yes'],
];

function assertSame(before: Map<string, FileState>, after: Map<string, FileState>, what: string): void {
  assert.deepEqual([...after.keys()].sort(), [...before.keys()].sort(), `${what}: the same files`);
  for (const [rel, b] of before) {
    assert.equal(after.get(rel)?.sha256, b.sha256, `${what}: ${rel} byte for byte`);
    // to the millisecond: file copies carry timestamps at that precision
    assert.equal(Math.floor(after.get(rel)?.mtimeMs ?? 0), Math.floor(b.mtimeMs), `${what}: ${rel} mtime`);
  }
}

describe('a CALM home switching to calm (fake Qdrant reachable)', () => {
  let t: TempHome;
  let fake: FakeQdrant;
  let original: Map<string, FileState>;
  let preservedDir = '';

  before(async () => {
    t = tempHome();
    fake = await startFakeQdrant();
    await seedCalmQdrant(fake.url);
    buildCalmHome(t.calmHome, fake.url);
    original = snapshotFiles(t.calmHome);
  });
  after(async () => {
    await fake.stop();
    t.cleanup();
  });

  test('every command but init says it is a CALM home, exits 1, and changes no byte of it', async () => {
    for (const args of COMMANDS) {
      const r = await runCli(args, t.env());
      assert.equal(r.code, 1, `${args.join(' ')}: exit 1\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, /is a CALM home .*metadata\.db holds CALM's tables/s, args.join(' '));
      assert.match(r.stderr, /Run `calm init` to bring it over/, args.join(' '));
      assert.doesNotMatch(r.stderr, /\n\s+at /, `${args.join(' ')}: no stack trace`);
    }
    const hook = await runCli(['hook', 'session-start'], t.env(), { input: '{}' });
    assert.equal(hook.code, 0, 'a hook always exits 0');
    assert.equal(hook.stdout, '');
    assert.match(hook.stderr, /CALM home/);
    const json = await runCli(['status', '--json'], t.env());
    assert.equal(JSON.parse(json.stderr).error.type, 'config_error');
    for (const args of [['--help'], ['--version'], ['memory', '--help'], ['backup', 'list', '--help']]) {
      assert.equal((await runCli(args, t.env())).code, 0, args.join(' '));
    }
    assertSame(original, snapshotFiles(t.calmHome), 'after every command');
  });

  test('init without a terminal and without --yes refuses (exit 2) and changes nothing', async () => {
    const r = await runCli(['init'], t.env());
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /is a CALM home/);
    assert.match(r.stderr, /pass --yes/);
    assertSame(original, snapshotFiles(t.calmHome), 'after a refused init');
  });

  test('init --yes keeps a verified copy, imports everything and reports it', async () => {
    const r = await runCli(['init', '--yes', '--json'], t.env());
    assert.equal(r.code, 0, r.stderr);
    const out = json<{
      originals: { dir: string; files: number }; qdrant: { imported: boolean }; collections: { collection: string; imported: number }[];
      tables: { table: string; added: number }[]; journal: { active: string; resolved_found: number; experiences_added: number; damaged: string[] };
      templates: { copied: string[]; kept: number }; restore_command: string; config: { mapped: { from: string; to: string }[]; not_carried: { key: string }[] };
    }>(r);
    preservedDir = out.originals.dir;
    assert.match(preservedDir, /calm-original-\d{8}T\d{6}Z$/);
    assert.equal(out.originals.files, original.size);
    // the copy is CALM's files byte for byte, mtimes included
    assertSame(original, snapshotFiles(preservedDir, (rel) => rel === 'calm-original.json'), 'the preserved copy');
    assert.equal(out.qdrant.imported, true);
    assert.deepEqual(Object.fromEntries(out.collections.map((c) => [c.collection, c.imported])), {
      memories: 2, ghap_full: 1, ghap_strategy: 1, ghap_surprise: 1, ghap_root_cause: 1, values: 1,
    });
    assert.deepEqual(Object.fromEntries(out.tables.map((x) => [x.table, x.added])), {
      tasks: 1, workers: 1, reviews: 1, test_runs: 1, phase_transitions: 1, gate_passes: 1, sessions: 1, session_journal: 1, counters: 2,
    });
    assert.equal(out.journal.active, active.id);
    assert.equal(out.journal.resolved_found, 3);
    assert.equal(out.journal.experiences_added, 2, 'the two entries CALM never got into Qdrant');
    assert.equal(out.journal.damaged.length, 1);
    assert.ok(out.config.mapped.some((m) => m.from === 'qdrant.url' && m.to === 'storage.qdrant_url'));
    assert.ok(out.config.not_carried.some((n) => n.key === 'embedding.code_model'));
    assert.equal(readFileSync(join(t.calmHome, 'roles', 'backend.md'), 'utf8'), CUSTOM_ROLE, "CALM's customised role is kept");
    assert.equal(readFileSync(join(t.calmHome, 'workflows', 'default.md'), 'utf8'), '# My workflow\n');
    assert.ok(out.templates.copied.length > 0, 'missing templates are added');
    assert.ok(!out.templates.copied.some((f) => ['roles/backend.md', 'workflows/default.md', 'skills/wrapup.md'].includes(f)), JSON.stringify(out.templates));
    assert.equal(out.restore_command, `calm restore-calm ${preservedDir}`);
    assert.ok(!existsSync(join(t.calmHome, 'metadata.db-wal')) || snapshotFiles(t.calmHome).get('metadata.db-wal')?.sha256 !== original.get('metadata.db-wal')?.sha256);
  });

  test("everything came across and is searchable through calm's CLI and MCP", async () => {
    const env = t.env();
    const mem = await runCli(['memory', 'search', 'staging database port', '--mode', 'keyword', '--json'], env);
    assert.equal(mem.code, 0, mem.stderr);
    assert.equal(json<{ results: { id: string }[] }>(mem).results[0]?.id, MEMORY_ID);
    const ghap = json<{ entry: { id: string; iteration_count: number; history: { hypothesis: string }[]; notes: { note: string }[] } }>(
      await runCli(['ghap', 'status', '--json'], env),
    ).entry;
    assert.equal(ghap.id, active.id);
    assert.equal(ghap.iteration_count, 2);
    assert.deepEqual(ghap.history.map((h) => h.hypothesis), [active.history[0]!.hypothesis]);
    assert.deepEqual(ghap.notes.map((n) => n.note), active.notes);
    const tasks = await runCli(['task', 'show', 'SPEC-001', '--json'], env);
    assert.match(tasks.stdout, /SPEC-001/);
    const cfg = json<{ settings: { key: string; value: unknown; source: string }[] }>(await runCli(['config', 'show', '--json'], env)).settings;
    const url = cfg.find((c) => c.key === 'storage.qdrant_url');
    assert.deepEqual([url?.value, url?.source], [fake.url, 'config file']);

    const app = t.app();
    const { client, close } = await connectInMemory(app);
    try {
      const found = ok<{ results: unknown[] }>(await call(client, 'search_experiences', { query: 'tag autocompletion trie', search_mode: 'keyword' }));
      assert.ok(JSON.stringify(found.results[0]).includes(journalOnly.id), 'an entry only CALM\'s journal had is searchable');
      const arch = ok<{ results: unknown[] }>(await call(client, 'search_experiences', { query: 'circular imports payment module', search_mode: 'keyword' }));
      assert.ok(JSON.stringify(arch.results[0]).includes(archived.id));
      const fromQdrant = ok<{ results: unknown[] }>(await call(client, 'search_experiences', { query: 'clock drifts in CI', axis: 'surprise' }));
      assert.ok(JSON.stringify(fromQdrant.results[0]).includes(inQdrant.ghap_id));
      const values = ok<{ results: { text: string; cluster_id?: string }[] }>(await call(client, 'list_values', {}));
      assert.deepEqual(values.results.map((v) => v.text), ['Check the environment before blaming the code']);
      const entries = ok<{ results: { id: string }[] }>(await call(client, 'list_ghap_entries', {}));
      assert.deepEqual(entries.results.map((e) => e.id).sort(), [archived.id, inQdrant.ghap_id, journalOnly.id].sort());
      const full = await app.ghap.get(journalOnly.id);
      assert.deepEqual(full.history?.map((h) => h.hypothesis), [journalOnly.history[0]!.hypothesis]);
      assert.equal(app.orchestration.sessions.get('ab12cd34').content, '# Handoff\nContinue the tag search — émoji ✓');
      assert.equal(app.orchestration.counters.get('merges_since_e2e'), 3);
    } finally {
      await close();
      await app.close();
    }
  });

  test('init again changes nothing', async () => {
    const skip = (rel: string): boolean => rel.startsWith('metadata.db') || rel.startsWith('hooks');
    const beforeAgain = snapshotFiles(t.calmHome, skip);
    const r = await runCli(['init', '--json'], t.env());
    assert.equal(r.code, 0, r.stderr);
    assert.equal(json<{ configFileAction: string }>(r).configFileAction, 'kept');
    assertSame(beforeAgain, snapshotFiles(t.calmHome, skip), 'after a second init');
    const status = json<{ tables?: Record<string, number> }>(await runCli(['status', '--json'], t.env()));
    assert.match(JSON.stringify(status), /"tasks":1\b/);
  });

  test("restore-calm puts CALM's files back byte for byte", async () => {
    const r = await runCli(['restore-calm', '--yes', '--json'], t.env());
    assert.equal(r.code, 0, r.stderr);
    const out = json<{ from: string; files: number; moved_aside_to: string }>(r);
    assert.equal(out.from, preservedDir);
    assert.equal(out.files, original.size);
    const now = snapshotFiles(t.calmHome, (rel) => /^(calm-original-|calm-replaced-|models|hooks)/.test(rel));
    assertSame(original, now, 'after restore-calm');
    assert.ok(existsSync(join(out.moved_aside_to, 'metadata.db')), "calm's database is kept aside, not deleted");
    // and it is a CALM home again
    assert.equal((await runCli(['status'], t.env())).code, 1);
  });
});

describe('a CALM home switching to calm while its Qdrant is unreachable', () => {
  let t: TempHome;
  let fake: FakeQdrant;

  before(async () => {
    t = tempHome();
    fake = await startFakeQdrant();
    await seedCalmQdrant(fake.url);
    buildCalmHome(t.calmHome, `http://127.0.0.1:${await freePort()}`);
  });
  after(async () => {
    await fake.stop();
    t.cleanup();
  });

  test('init imports SQLite and the journal now, prints the command for Qdrant, which then works', async () => {
    const r = await runCli(['init', '--yes'], t.env());
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /was not reachable/);
    const later = /\n\s+(calm import-calm --qdrant-url \S+ --db \S+)/.exec(r.stdout)?.[1];
    assert.ok(later, r.stdout);
    assert.equal(json<{ total: number }>(await runCli(['memory', 'list', '--json'], t.env())).total, 0);
    assert.match((await runCli(['task', 'show', 'SPEC-001', '--json'], t.env())).stdout, /Search by tag/);
    const exp = await runCli(['ghap', 'list', '--json'], t.env());
    assert.match(exp.stdout, new RegExp(journalOnly.id));

    // the printed command, with the Qdrant that is reachable now
    const args = later.split(' ').slice(1);
    args[args.indexOf('--qdrant-url') + 1] = fake.url;
    const imp = await runCli([...args, '--json'], t.env());
    assert.equal(imp.code, 0, imp.stderr);
    assert.equal(json<{ total: number }>(await runCli(['memory', 'list', '--json'], t.env())).total, 2);
    const preserved = args[args.indexOf('--db') + 1]!.replace(/\/metadata\.db$/, '');
    const verify = JSON.parse(readFileSync(join(preserved, 'calm-original.json'), 'utf8')) as { files: { path: string; sha256: string }[] };
    const now = snapshotFiles(preserved);
    for (const f of verify.files) assert.equal(now.get(f.path)?.sha256, f.sha256, `${f.path} of the preserved copy untouched by the later import`);
  });
});
