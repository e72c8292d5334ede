import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { migrate, openDatabase, schemaVersion, tableCounts } from '../../src/store/db.js';
import { type Migration, MIGRATIONS, SCHEMA_VERSION } from '../../src/store/migrations.js';
import { REPO_ROOT, tempHome, type TempHome } from '../helpers/home.js';

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
