import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { migrate, openDatabase, schemaVersion, tableCounts } from '../../src/store/db.js';
import { type Migration, MIGRATIONS, SCHEMA_VERSION } from '../../src/store/migrations.js';
import { REPO_ROOT, tempHome, type TempHome } from '../helpers/home.js';
import { SqliteVecRecordStore } from '../../src/store/records/sqlite-vec/index.js';
import { isRecordStoreTable } from '../../src/store/records/sqlite-vec/tables.js';

const CALM_TABLES = [
  'call_graph', 'counters', 'gate_passes', 'ghap_entries', 'git_index_state', 'indexed_files', 'phase_transitions',
  'projects', 'reviews', 'session_journal', 'sessions', 'tasks', 'test_runs', 'workers',
];

describe('database', () => {
  let t: TempHome;
  beforeEach(() => {
    t = tempHome();
  });
  afterEach(() => t.cleanup());

  test('opens in WAL mode with a busy timeout and foreign keys, and records every migration', () => {
    const db = openDatabase(join(t.calmHome, 'metadata.db'));
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.ok((db.pragma('busy_timeout', { simple: true }) as number) >= 5000);
    assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
    assert.equal(schemaVersion(db), SCHEMA_VERSION);
    const applied = db.prepare('SELECT version, name, applied_at FROM schema_version ORDER BY version').all() as { version: number; applied_at: string }[];
    assert.deepEqual(applied.map((r) => r.version), MIGRATIONS.map((m) => m.version));
    for (const r of applied) assert.match(r.applied_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const counts = tableCounts(db);
    for (const table of [...CALM_TABLES, 'records', 'record_collections']) assert.ok(table in counts, table);
    db.close();
  });

  test('migrations are idempotent: reopening applies nothing twice and keeps data', () => {
    const file = join(t.calmHome, 'metadata.db');
    const db = openDatabase(file);
    db.prepare("UPDATE counters SET value = 4 WHERE name = 'merge_lock'").run();
    db.close();
    const again = openDatabase(file);
    assert.equal(migrate(again), SCHEMA_VERSION);
    assert.equal(again.prepare("SELECT value FROM counters WHERE name = 'merge_lock'").pluck().get(), 4);
    assert.equal(again.prepare('SELECT COUNT(*) FROM counters').pluck().get(), 3);
    again.close();
  });

  test('a migration missing from the record is applied even when a later one already ran', () => {
    const db = openDatabase(join(t.calmHome, 'metadata.db'));
    const extra = (version: number): Migration => ({
      version,
      name: `extra ${version}`,
      up: (d) => d.exec(`CREATE TABLE extra_${version} (x INTEGER)`),
    });
    // a branch added 101 and 103 first; 102 arrived later between them
    assert.equal(migrate(db, undefined, [...MIGRATIONS, extra(101), extra(103)]), 103);
    const before: number[] = [];
    assert.equal(migrate(db, (from, pending) => before.push(from, ...pending.map((m) => m.version)), [...MIGRATIONS, extra(103), extra(102), extra(101)]), 103);
    assert.deepEqual(before, [103, 102]);
    assert.ok(db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'extra_102'").get());
    db.close();
  });

  test('migration 7 on an existing database: the scroll-order index, record counts, and triggers that keep them', async () => {
    const file = join(t.calmHome, 'metadata.db');
    // a database as calm left it at schema 6, with records in two collections
    mkdirSync(t.calmHome, { recursive: true });
    const old = new Database(file);
    sqliteVec.load(old);
    migrate(old, undefined, MIGRATIONS.filter((m) => m.version <= 6));
    old.exec(`CREATE VIRTUAL TABLE vec_memories_1 USING vec0(embedding float[2] distance_metric=cosine);
      CREATE VIRTUAL TABLE fts_memories USING fts5(text, content='', contentless_delete=1)`);
    const at = '2025-01-01T00:00:00.000Z';
    for (const name of ['memories', 'values']) {
      old.prepare("INSERT INTO record_collections (name, embedder, dim, vec_table, fts_table, created_at, updated_at) VALUES (?, 'hash-v1', 2, ?, ?, ?, ?)")
        .run(name, `vec_${name}_1`, `fts_${name}`, at, at);
    }
    const addRecord = old.prepare('INSERT INTO records (collection, id, text, payload, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)');
    for (let i = 0; i < 5; i++) addRecord.run('memories', `m${i}`, `memory ${i}`, JSON.stringify({ created_at: `2025-01-0${i + 1}T00:00:00.000Z` }), at, at);
    addRecord.run('values', 'v0', 'value', JSON.stringify({ created_at: at }), at, at);
    old.close();

    const db = openDatabase(file);
    assert.equal(schemaVersion(db), SCHEMA_VERSION);
    const index = db.prepare("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'idx_records_created_at'").pluck().get() as string | undefined;
    assert.match(index ?? '', /json_extract\(payload, '\$\.created_at'\)/);
    const counts = (): Record<string, number> =>
      Object.fromEntries((db.prepare('SELECT name, record_count FROM record_collections').all() as { name: string; record_count: number }[]).map((r) => [r.name, r.record_count]));
    assert.deepEqual(counts(), { memories: 5, values: 1 });
    // the query the store writes for "newest first" walks the new index instead of sorting
    const plan = (db.prepare(`EXPLAIN QUERY PLAN SELECT id FROM records r WHERE r.collection = 'memories'
        AND json_extract(r.payload, '$.created_at') <= ? ORDER BY json_extract(r.payload, '$.created_at') DESC, r.id DESC LIMIT 5`)
      .all('2025-01-03') as { detail: string }[]).map((r) => r.detail).join(' ');
    assert.match(plan, /USING (COVERING )?INDEX idx_records_created_at \(collection=\? AND <expr><\?\)/);
    assert.doesNotMatch(plan, /TEMP B-TREE/);
    // the store reads and pages the migrated data, and the triggers keep the counts
    const store = new SqliteVecRecordStore(db);
    assert.equal(await store.count('memories'), 5);
    const newest = await store.scroll('memories', { limit: 2, orderBy: { key: 'created_at', direction: 'desc' } });
    assert.deepEqual(newest.map((r) => r.id), ['m4', 'm3']);
    const next = await store.scroll('memories', { limit: 2, orderBy: { key: 'created_at', direction: 'desc' }, after: { key: newest[1]!.payload.created_at as string, id: 'm3' } });
    assert.deepEqual(next.map((r) => r.id), ['m2', 'm1']);
    await store.upsert('memories', [{ id: 'm5', text: 'memory 5', payload: { created_at: at }, vector: new Float32Array([1, 0]) }]);
    assert.equal(await store.delete('memories', { ids: ['m0', 'm1'] }), 2);
    assert.deepEqual(counts(), { memories: 4, values: 1 });
    assert.equal(await store.count('memories'), db.prepare("SELECT COUNT(*) FROM records WHERE collection = 'memories'").pluck().get());
    await store.dropCollection('values');
    assert.deepEqual(counts(), { memories: 4 });
    db.close();
  });

  test("table counts are calm's tables: every table the embedded record store makes is its own (sqlite-vec/tables.ts) and left out", async () => {
    const db = openDatabase(join(t.calmHome, 'metadata.db'));
    const before = new Set(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]);
    const store = new SqliteVecRecordStore(db);
    await store.ensureCollection('memories', { embedder: 'hash', dim: 2 });
    await store.upsert('memories', [{ id: 'm1', text: 'first memory', payload: {}, vector: new Float32Array([1, 0]) }]);
    await store.beginReembed('memories', { embedder: 'other', dim: 3 }); // a second vector table while it runs
    const made = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[]).filter((n) => !before.has(n));
    assert.ok(made.length >= 4, `the store made ${made.join(', ')}`);
    assert.deepEqual(made.filter((n) => !isRecordStoreTable(n)), [], 'a table the store makes is not in sqlite-vec/tables.ts');
    const counts = tableCounts(db);
    assert.deepEqual(Object.keys(counts).filter((n) => made.includes(n)), []);
    assert.equal(counts.records, 1);
    db.close();
  });

  test('foreign keys are enforced (a worker for an unknown task is refused)', () => {
    const db = openDatabase(join(t.calmHome, 'metadata.db'));
    assert.throws(
      () => db.prepare("INSERT INTO workers (id, task_id, role, started_at) VALUES ('W-1', 'nope', 'qa', '2026-01-01T00:00:00.000Z')").run(),
      /FOREIGN KEY/,
    );
    db.close();
  });

  test('a newer schema than this calm knows is refused with a clear message', () => {
    const file = join(t.calmHome, 'metadata.db');
    const db = openDatabase(file);
    db.prepare("INSERT INTO schema_version (version, name, applied_at) VALUES (999, 'future', '2030-01-01T00:00:00.000Z')").run();
    db.close();
    assert.throws(() => openDatabase(file), /schema 999 is newer than this calm/);
  });

  test('four processes opening a fresh database at once all succeed and migrate it exactly once', async () => {
    const file = join(t.calmHome, 'metadata.db');
    const script = `import { openDatabase, schemaVersion } from './src/store/db.ts';
      const db = openDatabase(process.argv[1]); process.stdout.write(String(schemaVersion(db))); db.close();`;
    const run = (): Promise<{ code: number | null; out: string; err: string }> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, file], { cwd: REPO_ROOT, env: t.env() });
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.on('close', (code) => resolve({ code, out, err }));
      });
    const results = await Promise.all([run(), run(), run(), run()]);
    for (const r of results) {
      assert.equal(r.code, 0, r.err);
      assert.equal(r.out, String(SCHEMA_VERSION));
    }
    const db = openDatabase(file);
    assert.equal(db.prepare('SELECT COUNT(*) FROM schema_version').pluck().get(), MIGRATIONS.length);
    assert.equal(db.prepare('SELECT COUNT(*) FROM counters').pluck().get(), 3);
    db.close();
  });
});
