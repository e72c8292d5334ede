/** Database files as a whole (src/store/db-file.ts): copies, and reading a file without touching it. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { openDatabase, tableCounts } from '../../src/store/db.js';
import { copyDatabaseFile, integrityProblems, openForeignDatabase, privateCopy, readDatabaseImage, settleCopy, tableNames } from '../../src/store/db-file.js';
import { tempHome, type TempHome } from '../helpers/home.js';

const digest = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('database files', () => {
  let t: TempHome;
  beforeEach(() => {
    t = tempHome();
    mkdirSync(t.calmHome, { recursive: true });
  });
  afterEach(() => t.cleanup());

  /** A WAL-mode database whose last rows are only in its -wal (a writer holds it open), as CALM's often is. */
  function walDatabase(): { file: string; writer: Database.Database } {
    const file = join(t.calmHome, 'other.db');
    const writer = new Database(file);
    writer.pragma('journal_mode = WAL');
    writer.pragma('wal_autocheckpoint = 0');
    writer.exec('CREATE TABLE tasks (id TEXT PRIMARY KEY); CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER)');
    writer.pragma('wal_checkpoint(TRUNCATE)'); // the schema reaches the main file; the rows below stay in the -wal
    writer.prepare("INSERT INTO tasks (id) VALUES ('T-1'), ('T-2')").run();
    return { file, writer };
  }

  test("a private copy and an in-memory image read a WAL file's tables and rows, and leave its files byte for byte as they were", () => {
    const { file, writer } = walDatabase();
    try {
      const before = [file, `${file}-wal`, `${file}-shm`].map((f) => (existsSync(f) ? digest(f) : null));
      const image = readDatabaseImage(readFileSync(file));
      assert.deepEqual(image && { ...image, tables: image.tables.sort() }, { tables: ['counters', 'tasks'], schemaRecorded: false });
      const copy = privateCopy(file);
      try {
        const db = openForeignDatabase(copy.file);
        try {
          assert.deepEqual(tableNames(db).sort(), ['counters', 'tasks']);
          assert.equal(db.prepare('SELECT COUNT(*) FROM tasks').pluck().get(), 2, 'the rows still in the -wal are in the copy');
          assert.deepEqual(integrityProblems(db), []);
        } finally {
          db.close();
        }
      } finally {
        copy.dispose();
      }
      assert.equal(existsSync(copy.file), false, 'the private copy is gone after dispose');
      assert.deepEqual([file, `${file}-wal`, `${file}-shm`].map((f) => (existsSync(f) ? digest(f) : null)), before);
    } finally {
      writer.close();
    }
  });

  test('an image of calm\'s database says its schema is recorded; bytes that are not SQLite give null', () => {
    const file = join(t.calmHome, 'metadata.db');
    openDatabase(file).close();
    assert.equal(readDatabaseImage(readFileSync(file))?.schemaRecorded, true);
    assert.equal(readDatabaseImage(Buffer.from('not a database at all, just text '.repeat(10))), null);
  });

  test('a copy is owner-only, in rollback mode once settled, and holds what the source held', async () => {
    const source = join(t.calmHome, 'metadata.db');
    const db = openDatabase(source);
    db.prepare("UPDATE counters SET value = 4 WHERE name = 'merge_lock'").run();
    const expected = tableCounts(db);
    db.close();
    const target = join(t.calmHome, 'copy.db');
    await copyDatabaseFile(source, target);
    settleCopy(target);
    assert.equal(statSync(target).mode & 0o777, 0o600);
    const copy = openDatabase(target, { readonly: true });
    try {
      assert.equal(copy.pragma('journal_mode', { simple: true }), 'delete');
      assert.deepEqual(tableCounts(copy), expected);
      assert.equal(copy.prepare("SELECT value FROM counters WHERE name = 'merge_lock'").pluck().get(), 4);
    } finally {
      copy.close();
    }
  });
});
