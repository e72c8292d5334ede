/**
 * `calm import-calm` on a CALM installation built in the test: CALM's Qdrant collections (UUIDv5 point
 * ids, `_original_id`, CALM's payloads with `+00:00` strings and epoch floats, 768-d vectors) on the fake
 * Qdrant server, and a database with CALM's schema. After the import, calm's own tools (MCP and CLI)
 * show the same memories, experiences, GHAP entries, tasks, reviews, sessions and journal.
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { QdrantClient } from '@qdrant/js-client-rest';
import type { App } from '../../src/app.js';
import { importCalm } from '../../src/services/import-calm.js';
import { type FakeQdrant, startFakeQdrant } from '../fakes/qdrant-server.js';
import { call, connectInMemory, ok } from '../helpers/mcp.js';
import { json, runCli, tempHome, type TempHome } from '../helpers/home.js';
import { type CalmPoint, putCalmPoints } from '../helpers/calm-home.js';
import { prng } from '../helpers/random.js';

const MEMORY_UUID = '3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f';

const memories = [
  { id: MEMORY_UUID, content: 'The staging database listens on port 5433', category: 'fact', importance: 0.9, tags: ['db', 'staging'], created_at: '2025-12-06T17:55:30.687882+00:00' },
  { id: 'a8d7c6b5-0000-4000-8000-000000000002', content: 'Prefer pnpm over npm in this monorepo', category: 'preference', importance: 0.5, tags: [], created_at: '2025-12-07T09:00:00+00:00' },
  ...Array.from({ length: 150 }, (_, i) => ({
    id: `f${String(i).padStart(7, '0')}-0000-4000-8000-000000000000`, content: `bulk memory number ${i} about deployment`, category: 'event',
    importance: 0.3, tags: ['bulk'], created_at: `2025-11-01T10:${String(i % 60).padStart(2, '0')}:00+00:00`,
  })),
];

const falsified = {
  ghap_id: 'ghap_20251206_175530_a1b2c3', session_id: 'session_20251206_170000_d4e5f6', created_at: '2025-12-06T17:55:30.687882+00:00',
  captured_at: 1765044000.5, domain: 'debugging', strategy: 'root-cause-analysis', outcome_status: 'falsified', confidence_tier: 'silver',
  iteration_count: 2, goal: 'Fix the flaky login test', hypothesis: 'The session cookie expires early', action: 'Extended the cookie TTL',
  prediction: 'The test passes ten times in a row', outcome_result: 'Still flaky', surprise: 'The clock in CI drifts',
  root_cause: { category: 'environment-issue', description: 'CI containers have an unsynchronised clock' },
  lesson: { what_worked: 'Freezing time in the test', takeaway: null },
};
const confirmed = {
  ghap_id: 'ghap_20251207_090000_0f0f0f', session_id: 'session_20251207_085500_aaaaaa', created_at: '2025-12-07T09:00:00+00:00',
  captured_at: 1765098000, domain: 'performance', strategy: 'systematic-elimination', outcome_status: 'confirmed', confidence_tier: 'silver',
  iteration_count: 1, goal: 'Speed up the search endpoint', hypothesis: 'A missing index on tags', action: 'Added the index',
  prediction: 'p95 below 50 ms', outcome_result: 'p95 went to 31 ms',
};

/** CALM's layout, written through the real client: no calm metadata, UUIDv5 point ids, `_original_id`. */
async function seedCalmQdrant(url: string): Promise<void> {
  const client = new QdrantClient({ url, checkCompatibility: false });
  const rand = prng(2024);
  const put = (collection: string, points: CalmPoint[]): Promise<void> => putCalmPoints(client, rand, collection, points);
  await put('memories', memories.map((m) => ({ id: m.id, payload: m })));
  await put('ghap_full', [falsified, confirmed].map((g) => ({ id: g.ghap_id, payload: { ...g, axis: 'full' } })));
  await put('ghap_strategy', [falsified, confirmed].map((g) => ({ id: g.ghap_id, payload: { ...g, axis: 'strategy' } })));
  await put('ghap_surprise', [{ id: falsified.ghap_id, payload: { ...falsified, axis: 'surprise' } }]);
  await put('ghap_root_cause', [{ id: falsified.ghap_id, payload: { ...falsified, axis: 'root_cause' } }]);
  await put('values', [{ id: 'b1c2d3e4-0000-4000-8000-00000000000a', payload: {
    id: 'b1c2d3e4-0000-4000-8000-00000000000a', text: 'Check the environment before blaming the code', cluster_id: 'full_0', axis: 'full',
    validated_at: 1765100000.25, created_at: '2025-12-07T10:00:00+00:00',
  } }]);
  await put('commits', [{ id: 'abc123', payload: { sha: 'abc123', message: 'init' } }]);
}

/** A database with CALM's schema (reference §5) and a little of everything. */
function seedCalmDb(file: string): void {
  const db = new Database(file);
  db.exec(`
    CREATE TABLE memories (id TEXT PRIMARY KEY, content TEXT NOT NULL, category TEXT NOT NULL, importance REAL DEFAULT 0.5, tags TEXT, created_at TEXT NOT NULL, embedding_id TEXT);
    CREATE TABLE session_journal (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, working_directory TEXT NOT NULL, project_name TEXT, session_log_path TEXT,
      summary TEXT NOT NULL, friction_points TEXT, next_steps TEXT, reflected_at TEXT, memories_created INTEGER DEFAULT 0);
    CREATE TABLE sessions (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, handoff_content TEXT, needs_continuation INTEGER DEFAULT 0, resumed_at TEXT);
    CREATE TABLE ghap_entries (id TEXT PRIMARY KEY, session_id TEXT, domain TEXT NOT NULL, strategy TEXT NOT NULL, goal TEXT NOT NULL, hypothesis TEXT NOT NULL,
      action TEXT NOT NULL, prediction TEXT NOT NULL, status TEXT DEFAULT 'active', result TEXT, surprise TEXT, root_cause_category TEXT,
      root_cause_description TEXT, lesson_what_worked TEXT, lesson_takeaway TEXT, iteration_count INTEGER DEFAULT 1, created_at TEXT NOT NULL, resolved_at TEXT, project_path TEXT);
    CREATE TABLE tasks (id TEXT PRIMARY KEY, title TEXT NOT NULL, spec_id TEXT, task_type TEXT DEFAULT 'feature', phase TEXT NOT NULL, specialist TEXT, notes TEXT,
      blocked_by TEXT, worktree_path TEXT, project_path TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
    CREATE TABLE workers (id TEXT PRIMARY KEY, task_id TEXT NOT NULL REFERENCES tasks(id), role TEXT NOT NULL, status TEXT DEFAULT 'active', started_at TEXT NOT NULL,
      ended_at TEXT, project_path TEXT);
    CREATE TABLE reviews (id INTEGER PRIMARY KEY AUTOINCREMENT, task_id TEXT NOT NULL REFERENCES tasks(id), review_type TEXT NOT NULL, result TEXT NOT NULL,
      worker_id TEXT, reviewer_notes TEXT, created_at TEXT NOT NULL);
    CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER DEFAULT 0);
    CREATE TABLE phase_transitions (id INTEGER PRIMARY KEY AUTOINCREMENT, task_id TEXT NOT NULL REFERENCES tasks(id), from_phase TEXT NOT NULL, to_phase TEXT NOT NULL,
      gate_result TEXT, gate_details TEXT, transitioned_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);
    CREATE TABLE indexed_files (id INTEGER PRIMARY KEY AUTOINCREMENT, file_path TEXT NOT NULL, project TEXT NOT NULL, language TEXT NOT NULL, file_hash TEXT NOT NULL,
      unit_count INTEGER NOT NULL DEFAULT 0, indexed_at TEXT NOT NULL, last_modified TEXT NOT NULL);
    INSERT INTO counters VALUES ('merge_lock', 0), ('merges_since_e2e', 3), ('merges_since_docs', 1);
    INSERT INTO tasks VALUES ('SPEC-001', 'Search by tag', NULL, 'feature', 'IMPLEMENT', 'backend', 'notes here', '[]', NULL, '/work/proj', '2025-12-01T10:00:00', '2025-12-02T11:30:00');
    INSERT INTO workers VALUES ('W-1', 'SPEC-001', 'backend', 'completed', '2025-12-01T10:05:00', '2025-12-01T12:00:00', '/work/proj');
    INSERT INTO reviews (task_id, review_type, result, worker_id, reviewer_notes, created_at) VALUES ('SPEC-001', 'spec', 'approved', 'W-1', 'looks good', '2025-12-01T13:00:00');
    INSERT INTO phase_transitions (task_id, from_phase, to_phase, gate_result, transitioned_at) VALUES ('SPEC-001', 'DESIGN', 'IMPLEMENT', 'pass', '2025-12-01 14:00:00');
    INSERT INTO session_journal VALUES ('j-1', '2025-12-05T18:00:00', '/work/proj', 'proj', NULL, 'Worked on tag search', '["slow tests"]', '["add index"]', NULL, 0);
    INSERT INTO indexed_files (file_path, project, language, file_hash, indexed_at, last_modified) VALUES ('/work/proj/a.py', 'proj', 'python', 'h', '2025-12-01T00:00:00', '2025-12-01T00:00:00');
  `);
  db.prepare('INSERT INTO sessions VALUES (?, ?, ?, 1, NULL)').run('ab12cd34', '2025-12-05T18:30:00', Buffer.from('# Handoff\nContinue the tag search — émoji ✓').toString('base64'));
  db.close();
}

describe('calm import-calm (fake Qdrant server + a CALM database)', () => {
  let t: TempHome;
  let fake: FakeQdrant;
  let calmDb: string;
  let app: App;

  before(async () => {
    t = tempHome();
    fake = await startFakeQdrant();
    await seedCalmQdrant(fake.url);
    calmDb = join(t.root, 'calm-metadata.db');
    seedCalmDb(calmDb);
    app = t.app();
  });
  after(async () => {
    await app.close();
    await fake.stop();
    t.cleanup();
  });

  test('a dry run reports what would come in and writes nothing', async () => {
    const r = await importCalm(app, { qdrantUrl: fake.url, db: calmDb, dbExplicit: true, dryRun: true });
    assert.equal(r.dry_run, true);
    assert.deepEqual(r.collections.map((c) => [c.collection, c.found, c.new, c.imported]), [
      ['memories', 152, 152, 0], ['ghap_full', 2, 2, 0], ['ghap_strategy', 2, 2, 0], ['ghap_surprise', 1, 1, 0], ['ghap_root_cause', 1, 1, 0], ['values', 1, 1, 0],
    ]);
    assert.deepEqual(Object.fromEntries(r.tables.map((x) => [x.table, x.added])), {
      tasks: 1, workers: 1, reviews: 1, phase_transitions: 1, sessions: 1, session_journal: 1, counters: 2,
    });
    assert.ok(r.skipped.some((s) => s.what === 'collection commits' && /calm git index/.test(s.reason)));
    assert.ok(r.skipped.some((s) => s.what === 'table indexed_files'));
    assert.equal(await app.records.info('memories'), null);
    assert.equal((app.db.prepare('SELECT COUNT(*) AS n FROM tasks').get() as { n: number }).n, 0);
  });

  test("the import brings CALM's memories and experiences into calm's tools, and a second run adds nothing", async () => {
    const r = await importCalm(app, { qdrantUrl: fake.url, db: calmDb, dbExplicit: true });
    assert.equal(r.vectors, 're-embedded', 'calm uses the hash embedder, CALM used nomic: vectors are recomputed');
    assert.equal(r.collections.find((c) => c.collection === 'memories')?.reembedded, 152);
    assert.equal(r.ghap_entries, 2);

    const { client, close } = await connectInMemory(app);
    try {
      const listed = ok<{ total: number; results: { id: string }[] }>(await call(client, 'list_memories', { limit: 200 }));
      assert.equal(listed.total, 152);
      const mem = await app.memory.get(MEMORY_UUID);
      assert.deepEqual(mem, {
        id: MEMORY_UUID, content: 'The staging database listens on port 5433', category: 'fact', importance: 0.9, tags: ['db', 'staging'],
        created_at: '2025-12-06T17:55:30.687Z', history: [],
      });
      const byTag = ok<{ results: { id: string }[] }>(await call(client, 'list_memories', { tags: ['staging'] }));
      assert.deepEqual(byTag.results.map((m) => m.id), [MEMORY_UUID]);
      const found = ok<{ results: { id: string; content: string }[] }>(await call(client, 'retrieve_memories', { query: 'staging database port', search_mode: 'keyword' }));
      assert.equal(found.results[0]?.id, MEMORY_UUID);
      const semantic = ok<{ results: { id: string }[] }>(await call(client, 'retrieve_memories', { query: 'The staging database listens on port 5433' }));
      assert.equal(semantic.results[0]?.id, MEMORY_UUID);

      const exp = ok<{ results: { ghap_id?: string; id?: string; goal?: string }[] }>(await call(client, 'search_experiences', { query: 'flaky login test cookie', search_mode: 'keyword' }));
      assert.ok(JSON.stringify(exp.results[0]).includes(falsified.ghap_id), JSON.stringify(exp.results[0]));
      const surprise = ok<{ results: unknown[] }>(await call(client, 'search_experiences', { query: 'clock drifts in CI', axis: 'surprise' }));
      assert.ok(JSON.stringify(surprise.results[0]).includes(falsified.ghap_id));
      const entries = ok<{ results: { id: string; outcome_status: string; captured_at: string }[] }>(await call(client, 'list_ghap_entries', {}));
      assert.deepEqual(entries.results.map((e) => e.id).sort(), [confirmed.ghap_id, falsified.ghap_id].sort());
      assert.equal(entries.results.find((e) => e.id === falsified.ghap_id)?.outcome_status, 'falsified');
      const values = ok<{ results: { text: string }[] }>(await call(client, 'list_values', {}));
      assert.deepEqual(values.results.map((v) => v.text), ['Check the environment before blaming the code']);
    } finally {
      await close();
    }

    // the text calm keeps is CALM's template, so experiences embed the same way new ones do
    const [full] = await app.records.get('ghap_full', [falsified.ghap_id]);
    assert.match(full!.text, /^Goal: Fix the flaky login test\nHypothesis: .*\nOutcome: falsified - Still flaky\nSurprise: The clock in CI drifts\nLesson: Freezing time in the test$/s);
    assert.equal(full!.payload.captured_at, new Date(1765044000500).toISOString());

    const o = app.orchestration;
    assert.equal(o.tasks.get('SPEC-001').title, 'Search by tag');
    assert.match(o.tasks.get('SPEC-001').created_at, /Z$/);
    assert.equal(o.reviews.list('SPEC-001')[0]?.reviewer_notes, 'looks good');
    assert.equal(o.sessions.get('ab12cd34').content, '# Handoff\nContinue the tag search — émoji ✓');
    assert.equal(o.counters.get('merges_since_e2e'), 3);
    assert.equal(o.journal.list({}).entries[0]?.summary, 'Worked on tag search');

    const again = await importCalm(app, { qdrantUrl: fake.url, db: calmDb, dbExplicit: true });
    assert.ok(again.collections.every((c) => c.new === 0));
    assert.ok(again.tables.every((x) => x.added === 0), JSON.stringify(again.tables));
    assert.equal(again.ghap_entries, 0);
    assert.equal((await app.memory.list({})).total, 152);
  });

  test('the CLI: --dry-run --json, and an unreachable Qdrant fails before anything is written', async () => {
    const other = tempHome();
    try {
      assert.equal((await runCli(['init'], other.env())).code, 0);
      const dry = await runCli(['import-calm', '--qdrant-url', fake.url, '--db', calmDb, '--dry-run', '--json'], other.env());
      assert.equal(dry.code, 0, dry.stderr);
      assert.equal(json<{ collections: { found: number }[] }>(dry).collections[0]?.found, 152);
      const human = await runCli(['import-calm', '--qdrant-url', fake.url, '--db', calmDb], other.env());
      assert.equal(human.code, 0, human.stderr);
      assert.match(human.stdout, /Imported from CALM/);
      assert.match(human.stdout, /Not imported: collection commits/);
      const down = await runCli(['import-calm', '--qdrant-url', 'http://127.0.0.1:9', '--db', calmDb], other.env());
      assert.equal(down.code, 1);
      assert.match(down.stderr, /unreachable/);
      const missing = await runCli(['import-calm', '--qdrant-url', fake.url, '--db', join(t.root, 'nope.db')], other.env());
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /No CALM database/);
    } finally {
      other.cleanup();
    }
  });
});
