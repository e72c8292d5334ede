/** Backups of the embedded backend: round trip of everything, damage, names, rotation, migrations. */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { type AppSettings, createAppSettings } from '../../src/app-settings.js';
import { loadConfig, type CalmConfig } from '../../src/config.js';
import { deleteBackup, listBackups, showBackup } from '../../src/services/backup/catalog.js';
import { createBackup } from '../../src/services/backup/create.js';
import { MANIFEST_FILE, readManifest } from '../../src/services/backup/manifest.js';
import { restoreBackup } from '../../src/services/backup/restore.js';
import { autoBackup, autoBackupIfDue, DAY_MS, rotateAutoBackups } from '../../src/services/backup/rotation.js';
import { verifyBackup } from '../../src/services/backup/verify.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/migrations.js';
import { fingerprint, seedEverything } from '../helpers/backup-seed.js';
import { REPO_ROOT, tempHome, type TempHome } from '../helpers/home.js';

const removeDatabase = (config: CalmConfig): void => {
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${config.paths.database}${suffix}`, { force: true });
};

describe('backups: embedded backend', () => {
  let t: TempHome;
  let config: AppSettings;
  beforeEach(() => {
    t = tempHome();
    config = createAppSettings(loadConfig(t.env()));
  });
  afterEach(() => t.cleanup());

  async function seeded(n = 5): Promise<Awaited<ReturnType<typeof fingerprint>>> {
    const app = t.app();
    try {
      await seedEverything(app, n);
      return await fingerprint(app);
    } finally {
      await app.close();
    }
  }

  async function current(): Promise<Awaited<ReturnType<typeof fingerprint>>> {
    const app = t.app();
    try {
      return await fingerprint(app);
    } finally {
      await app.close();
    }
  }

  test('round trip: every record, vector (bit-equal), table row and probe search survives deleting the database', async () => {
    const before = await seeded();
    assert.equal(Object.keys(before.records).length, 8, 'all eight collections are seeded');
    const created = await createBackup(config, { name: 'full' });
    assert.equal(created.manifest.partial, false);
    assert.equal(created.manifest.schema_version, SCHEMA_VERSION);
    assert.equal(created.manifest.backend, 'embedded');
    assert.deepEqual(created.manifest.files.map((f) => f.path), ['metadata.db']);
    assert.equal(created.manifest.collections.length, 8);
    for (const c of created.manifest.collections) assert.equal(c.vectors, c.count);
    assert.equal(created.manifest.collections.find((c) => c.name === 'memories')?.count, 10);
    assert.equal(created.manifest.tables.tasks, 2);

    removeDatabase(config);
    const result = await restoreBackup(config, 'full');
    assert.equal(result.safety_backup, null, 'nothing to save when the database is gone');
    assert.deepEqual(await current(), before);
  });

  test('restore over a changed database: safety backup of the current state, then exactly the backup', async () => {
    const before = await seeded();
    await createBackup(config, { name: 'good' });
    const app = t.app();
    await app.memory.store({ content: 'written after the backup', category: 'event' });
    app.db.prepare("DELETE FROM tasks WHERE id = 'BUG-001'").run();
    await app.records.dropCollection('values');
    await app.close();
    const changed = await current();

    const result = await restoreBackup(config, 'good');
    assert.match(result.safety_backup ?? '', /^pre-restore_\d{8}_\d{6}$/);
    assert.deepEqual(await current(), before);
    // the safety backup holds the changed state and restores it
    await restoreBackup(config, result.safety_backup!);
    assert.deepEqual(await current(), changed);
    const kinds = listBackups(config).map((b) => b.kind).sort();
    assert.deepEqual(kinds, ['named', 'safety', 'safety']);
  });

  test('a connection held open across the restore (as the daemon holds one) reads the restored data and can keep writing', async () => {
    await seeded(2);
    await createBackup(config, { name: 'b' });
    const open = t.app();
    try {
      const stored = await open.memory.store({ content: 'written by the open connection', category: 'event' });
      const total = async (): Promise<number> => (await open.memory.list()).total;
      assert.equal(await total(), 5);
      await restoreBackup(config, 'b');
      assert.equal(await total(), 4, 'the open connection sees the restored database at once');
      await assert.rejects(open.memory.get(stored.id), /Memory not found/);
      await open.memory.store({ content: 'written after the restore', category: 'event' });
      assert.equal(await total(), 5);
      assert.deepEqual(await open.records.checkConsistency('memories'), { missingVectors: [], orphanVectors: 0, keywordIndexMismatch: 0, nearDuplicateIndexMismatch: 0 });
    } finally {
      await open.close();
    }
  });

  test('a restored store dedupes: the near-duplicate index comes back with the vectors it was built from', async () => {
    const app = t.app();
    let original: string;
    try {
      original = (await app.memory.store({ content: 'The staging database is reset every Sunday at 02:00 UTC', category: 'fact' })).id;
      await createBackup(config, { name: 'with-memory' });
      await app.memory.store({ content: 'Written after the backup, gone after the restore', category: 'event' });
    } finally {
      await app.close();
    }
    removeDatabase(config);
    await restoreBackup(config, 'with-memory');
    const restored = t.app();
    try {
      assert.equal((await restored.records.checkConsistency('memories')).nearDuplicateIndexMismatch, 0);
      const again = await restored.memory.store({ content: 'the staging database is reset every sunday at 02:00 utc', category: 'fact' });
      assert.equal(again.status, 'duplicate');
      assert.equal(again.duplicate_of, original);
      const gone = await restored.memory.store({ content: 'written after the backup, gone after the restore', category: 'event' });
      assert.equal(gone.status, 'stored', 'a memory the backup never held is no duplicate of anything');
    } finally {
      await restored.close();
    }
  });

  test('a stale -wal left by another database is never replayed onto the restored file', async () => {
    const before = await seeded();
    await createBackup(config, { name: 'full' });
    // a database killed mid-write leaves a WAL full of valid frames
    const other = join(t.root, 'other.db');
    const script = `const D=require('better-sqlite3');const d=new D(${JSON.stringify(other)});d.pragma('journal_mode=WAL');
      d.exec('CREATE TABLE junk(x)');for(let i=0;i<200;i++)d.prepare('INSERT INTO junk VALUES (?)').run('x'.repeat(500));process.kill(process.pid,'SIGKILL');`;
    spawnSync(process.execPath, ['-e', script], { cwd: REPO_ROOT });
    assert.ok(existsSync(`${other}-wal`), 'the killed writer left a WAL');
    removeDatabase(config);
    copyFileSync(`${other}-wal`, `${config.paths.database}-wal`);
    await restoreBackup(config, 'full');
    assert.deepEqual(await current(), before);
  });

  test('damage: one changed byte in any file fails verify naming that file; restore refuses and changes nothing', async () => {
    await seeded();
    const created = await createBackup(config, { name: 'b' });
    assert.equal((await verifyBackup(config, 'b')).ok, true);
    const files = [...created.manifest.files.map((f) => f.path), MANIFEST_FILE];
    for (const file of files) {
      const full = join(created.path, file);
      const original = readFileSync(full);
      for (const position of [0, Math.floor(original.length / 2), original.length - 1, Math.floor(Math.random() * original.length)]) {
        const damaged = Buffer.from(original);
        damaged[position] = damaged[position]! ^ 0x5a;
        writeFileSync(full, damaged);
        const report = await verifyBackup(config, 'b');
        assert.equal(report.ok, false, `${file} byte ${position}`);
        assert.equal(report.problems[0]?.file, file, `${file} byte ${position}: ${JSON.stringify(report.problems)}`);
      }
      writeFileSync(full, original);
    }
    assert.equal((await verifyBackup(config, 'b')).ok, true);

    // restore refuses a damaged backup: live data and the backups directory stay as they were
    const app = t.app();
    await app.memory.store({ content: 'live data after the backup', category: 'event' });
    await app.close();
    const live = await current();
    const db = join(created.path, 'metadata.db');
    const bytes = readFileSync(db);
    bytes[4096 * 2 + 100] = bytes[4096 * 2 + 100]! ^ 0xff;
    writeFileSync(db, bytes);
    await assert.rejects(restoreBackup(config, 'b'), /failed verification, nothing was changed: metadata\.db: sha256/);
    assert.deepEqual(await current(), live);
    assert.deepEqual(listBackups(config).map((b) => b.name), ['b']);

    // an extra file, a missing file
    writeFileSync(join(created.path, 'stray.txt'), 'x');
    assert.deepEqual((await verifyBackup(config, 'b')).problems.find((p) => p.file === 'stray.txt')?.problem, 'not listed in the manifest');
    rmSync(db);
    assert.equal((await verifyBackup(config, 'b')).problems[0]?.file, 'metadata.db');
  });

  test('a backup whose bytes match but whose counts do not is caught by the count check', async () => {
    await seeded();
    const created = await createBackup(config, { name: 'b' });
    // rewrite the copy consistently (fresh checksums) but with a row missing: only the counts can tell
    const file = join(created.path, 'metadata.db');
    const db = new Database(file);
    db.prepare("DELETE FROM tasks WHERE id = 'BUG-001'").run();
    db.close();
    const { describeFile, writeManifest } = await import('../../src/services/backup/manifest.js');
    const { manifest_sha256: _self, ...m } = readManifest(created.path);
    writeManifest(created.path, { ...m, files: [describeFile(created.path, 'metadata.db')] });
    const report = await verifyBackup(config, 'b');
    assert.equal(report.ok, false);
    assert.match(report.problems[0]!.problem, /table tasks: 1 rows, manifest says 2/);
  });

  test('names: separators, dots and odd characters are refused; an existing name needs force', async () => {
    await seeded(1);
    for (const bad of ['', '../x', 'a/b', 'a\\b', '.hidden', 'a..b', 'x'.repeat(101), 'sp ace', 'é']) {
      await assert.rejects(createBackup(config, { name: bad }), (e: Error & { type?: string }) => e.type === 'validation_error', bad);
    }
    await createBackup(config, { name: 'v1.0_ok-name' });
    await assert.rejects(createBackup(config, { name: 'v1.0_ok-name' }), /already exists; pass --force/);
    const replaced = await createBackup(config, { name: 'v1.0_ok-name', force: true });
    assert.equal(showBackup(config, 'v1.0_ok-name').manifest.created_at, replaced.manifest.created_at);
    assert.deepEqual(readdirSync(config.paths.backups), ['v1.0_ok-name'], 'no staging or trash directories left behind');
    const unnamed = await createBackup(config);
    assert.match(unnamed.name, /^\d{8}_\d{6}$/);
    assert.throws(() => deleteBackup(config, 'missing'), /Backup not found: missing/);
  });

  test('half-written backups are invisible and swept: a staging directory of a dead process', async () => {
    await seeded(1);
    const dead = join(config.paths.backups, '.staging-999999999-abc');
    mkdirSync(dead, { recursive: true });
    writeFileSync(join(dead, 'metadata.db'), 'partial');
    assert.deepEqual(listBackups(config), []);
    // a --force replacement killed between its two renames: the old backup comes back under its name
    const old = await createBackup(config, { name: 'old' });
    const replaced = join(config.paths.backups, `.replaced-999999999-${Date.now()}-old`);
    renameSync(old.path, replaced);
    await createBackup(config, { name: 'x' });
    assert.equal(existsSync(dead), false);
    assert.equal(existsSync(replaced), false);
    assert.equal((await verifyBackup(config, 'old')).ok, true);
  });

  test('rotation: only automatic backups, newest kept; named and safety backups are never rotated away', async () => {
    await seeded(1);
    await createBackup(config, { name: 'keep-me' });
    await createBackup(config, { kind: 'safety', reason: 'test' });
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await autoBackup(config, 'test', 3)).backup.name);
    const autos = listBackups(config).filter((b) => b.kind === 'auto').map((b) => b.name);
    assert.deepEqual(autos, made.slice(2).reverse());
    assert.ok(listBackups(config).some((b) => b.name === 'keep-me'));
    assert.ok(listBackups(config).some((b) => b.kind === 'safety'));
    assert.deepEqual(rotateAutoBackups(config, 1), made.slice(2, 4).reverse());
    assert.throws(() => rotateAutoBackups(config, 0), /at least 1/);
  });

  test('daily backups: taken when the newest automatic one is a day old, not before', async () => {
    await seeded(1);
    const first = await autoBackupIfDue(config);
    assert.ok(first);
    assert.equal(first.backup.manifest.reason, 'daily');
    assert.equal(await autoBackupIfDue(config), null);
    assert.ok(await autoBackupIfDue(config, DAY_MS, Date.now() + DAY_MS + 1000));
  });

  test('a schema migration is preceded by an automatic backup of the old schema', async () => {
    // a database as the first calm release left it: schema 1 with a task in it
    mkdirSync(t.calmHome, { recursive: true });
    const old = new Database(config.paths.database);
    MIGRATIONS[0]!.up(old);
    old.exec('CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
    old.prepare("INSERT INTO schema_version VALUES (1, 'v1', '2026-01-01T00:00:00.000Z')").run();
    old.prepare("INSERT INTO tasks (id, title, phase, project_path, created_at, updated_at) VALUES ('T-1', 'old', 'SPEC', '/p', 'x', 'x')").run();
    old.close();

    const app = t.app(); // migrates
    await app.close();
    const [pre] = listBackups(config);
    assert.ok(pre, 'a backup was taken');
    assert.equal(pre.kind, 'auto');
    const m = showBackup(config, pre.name).manifest;
    assert.equal(m.schema_version, 1);
    assert.match(m.reason, new RegExp(`before migrating the schema from 1 to ${SCHEMA_VERSION}`));
    assert.equal(m.tables.tasks, 1);
    assert.equal((await verifyBackup(config, pre.name)).ok, true);
  });

  test('a running daemon is not stopped; the result names its PID so the user can restart it', async () => {
    await seeded(1);
    await createBackup(config, { name: 'b' });
    // a stand-in daemon: a live process whose command line says `server`, named by the PID file
    const daemon = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', 'server'], { stdio: 'ignore' });
    try {
      writeFileSync(config.paths.pidFile, `${daemon.pid}\n`);
      const result = await restoreBackup(config, 'b');
      assert.equal(result.daemon_pid, daemon.pid);
    } finally {
      daemon.kill('SIGKILL');
    }
    rmSync(config.paths.pidFile, { force: true });
    assert.equal((await restoreBackup(config, 'b')).daemon_pid, null);
  });

  test('a backup from a newer calm is refused; a backup of another backend is refused with the way out', async () => {
    await seeded(1);
    const created = await createBackup(config, { name: 'b' });
    const { manifest_sha256: _s, ...m } = readManifest(created.path);
    const { writeManifest } = await import('../../src/services/backup/manifest.js');
    writeManifest(created.path, { ...m, backend: 'qdrant' });
    await assert.rejects(restoreBackup(config, 'b'), /taken with the qdrant backend/);
  });
});
