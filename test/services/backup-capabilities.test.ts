/**
 * What backups ask of the record store instead of reading a backend's internals: the embedded backend
 * describes a database file's collections (sqlite-vec/describe.ts, counted, so a lost vector shows),
 * the Qdrant store offers collection snapshots as `RecordStore.snapshots` (a round trip on the fake
 * Qdrant server), and a backend without snapshots is refused by name rather than half-used.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { hashEmbed } from '../../src/embedding/hash.js';
import { CalmError } from '../../src/errors.js';
import { snapshotsOf } from '../../src/services/backup/sources.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { QdrantRecordStore } from '../../src/store/records/qdrant/index.js';
import type { RecordStore } from '../../src/store/records/record-store.js';
import { describeEmbeddedCollections } from '../../src/store/records/sqlite-vec/describe.js';
import { SqliteVecRecordStore } from '../../src/store/records/sqlite-vec/index.js';
import { type FakeQdrant, startFakeQdrant } from '../fakes/qdrant-server.js';

const SPEC = { embedder: 'hash-v1', dim: 384 } as const;
const record = (id: string, text: string) => ({ id, text, payload: { text }, vector: hashEmbed(text) });

let root: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), 'calm-capabilities-test-'));
});
after(() => rmSync(root, { recursive: true, force: true }));

describe('embedded backend: describing a database file', () => {
  let db: Db;
  let file: string;
  beforeEach(() => {
    file = join(mkdtempSync(join(root, 'db-')), 'metadata.db');
    db = openDatabase(file);
  });
  afterEach(() => {
    if (db.open) db.close();
  });

  test('per collection its embedder, records and vectors; a vector lost beneath the store shows as a difference', async () => {
    const store = new SqliteVecRecordStore(db);
    await store.ensureCollection('memories', SPEC);
    await store.ensureCollection('values', SPEC);
    await store.upsert('memories', [record('m1', 'one'), record('m2', 'two')]);
    assert.deepEqual(describeEmbeddedCollections(db), [
      { name: 'memories', embedder: 'hash-v1', dim: 384, count: 2, vectors: 2 },
      { name: 'values', embedder: 'hash-v1', dim: 384, count: 0, vectors: 0 },
    ]);
    const { vec_table } = db.prepare("SELECT vec_table FROM record_collections WHERE name = 'memories'").get() as { vec_table: string };
    db.prepare(`DELETE FROM "${vec_table}" WHERE rowid = (SELECT MIN(rowid) FROM "${vec_table}")`).run();
    assert.deepEqual(describeEmbeddedCollections(db)[0], { name: 'memories', embedder: 'hash-v1', dim: 384, count: 2, vectors: 1 });
  });

  test('a file the embedded backend never wrote to holds no collections', () => {
    const plain = join(root, `plain-${process.pid}.db`);
    const other = new Database(plain);
    try {
      other.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY)');
      assert.deepEqual(describeEmbeddedCollections(other as unknown as Db), []);
    } finally {
      other.close();
    }
  });

  test('the embedded store takes no snapshots: a backup asking for them is refused clearly', () => {
    const store: RecordStore = new SqliteVecRecordStore(db);
    assert.equal(store.snapshots, undefined);
    assert.throws(
      () => snapshotsOf(store),
      (e: unknown) => e instanceof CalmError && e.type === 'internal_error' && /embedded record store cannot take collection snapshots/.test(e.message),
    );
  });
});

describe('Qdrant backend: the snapshot capability (fake Qdrant server)', () => {
  let fake: FakeQdrant;
  beforeEach(async () => {
    fake = await startFakeQdrant();
  });
  afterEach(async () => {
    await fake.stop();
  });

  test('snapshot a collection to a file, drop it, and recover it from the file with its checksum', async () => {
    const store = new QdrantRecordStore({ url: fake.url });
    await store.ensureCollection('memories', SPEC);
    await store.upsert('memories', [record('m1', 'one'), record('m2', 'two'), record('m3', 'three')]);
    const snapshots = snapshotsOf(store);
    assert.equal(snapshots, store.snapshots);
    assert.ok((await snapshots.listCollections()).includes('memories'));
    assert.equal(await snapshots.pointsCount('memories'), 3);

    const file = join(root, `memories-${process.pid}.snapshot`);
    const taken = await snapshots.snapshotTo('memories', file);
    assert.equal(taken.sha256, createHash('sha256').update(readFileSync(file)).digest('hex'));
    assert.equal(fake.snapshots.get('memories')?.size, 0, "the server's copy is deleted after the download");

    await snapshots.deleteCollection('memories');
    assert.ok(!(await snapshots.listCollections()).includes('memories'));
    assert.equal(await store.info('memories'), null);

    await snapshots.uploadSnapshot('memories', file, taken.sha256);
    assert.equal(await store.count('memories'), 3, 'recovered as a calm collection, read back through the store');
    const [m2] = await store.get('memories', ['m2'], { withVectors: true });
    assert.deepEqual(m2?.vector, hashEmbed('two'));
    await assert.rejects(snapshots.uploadSnapshot('memories', file, '0'.repeat(64)), /HTTP 400: .*checksum mismatch/i);
  });

  test('an unreachable server is `not_available`, which backups degrade on', async () => {
    const url = fake.url;
    await fake.stop();
    const snapshots = snapshotsOf(new QdrantRecordStore({ url }));
    await assert.rejects(snapshots.listCollections(), (e: unknown) => e instanceof CalmError && e.type === 'not_available');
    fake = await startFakeQdrant(); // for afterEach
  });
});
