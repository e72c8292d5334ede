/**
 * The embedded RecordStore (SQLite + sqlite-vec + FTS5): the shared contract on a fresh temp-file
 * database per test, then a few checks that look beneath the interface with SQL.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { type Db, openDatabase } from '../../../src/store/db.js';
import { SqliteVecRecordStore } from '../../../src/store/records/sqlite-vec/index.js';
import { type OpenedStore, prng, randomUnit, recordStoreContract } from './contract.js';

// Tests never touch the real home: everything below lives in one temp root, removed at the end.
const root = mkdtempSync(join(tmpdir(), 'calm-sqlite-vec-test-'));
process.env.HOME = join(root, 'home');
process.env.CALM_HOME = join(root, 'calm');
mkdirSync(process.env.HOME, { recursive: true });
after(() => rmSync(root, { recursive: true, force: true }));

function openFresh(): OpenedStore & { db: Db; file: string } {
  const dir = mkdtempSync(join(root, 'db-'));
  const file = join(dir, 'metadata.db');
  const db = openDatabase(file);
  const connections: Db[] = [db];
  return {
    db,
    file,
    store: new SqliteVecRecordStore(db),
    // a second connection to the same file, as a restarted process would open it
    reopen: async () => {
      const again = openDatabase(file);
      connections.push(again);
      return new SqliteVecRecordStore(again);
    },
    cleanup: async () => {
      for (const c of connections) if (c.open) c.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

recordStoreContract('sqlite-vec (temp file)', async () => openFresh());

describe('sqlite-vec store internals', () => {
  let ctx: ReturnType<typeof openFresh>;
  let store: SqliteVecRecordStore;
  const DIM = 4;

  beforeEach(async () => {
    ctx = openFresh();
    store = ctx.store as SqliteVecRecordStore;
    const rand = prng(5);
    await store.ensureCollection('memories', { embedder: 'random', dim: DIM });
    await store.upsert(
      'memories',
      Array.from({ length: 5 }, (_, i) => ({ id: `m${i}`, text: `internal word${i} shared`, payload: { i }, vector: randomUnit(rand, DIM) })),
    );
  });
  afterEach(() => ctx.cleanup());

  const ridOf = (id: string): number =>
    ctx.db.prepare("SELECT rid FROM records WHERE collection = 'memories' AND id = ?").pluck().get(id) as number;
  const inVec = (rid: number): number =>
    (ctx.db.prepare('SELECT COUNT(*) AS n FROM vec_memories_1 WHERE rowid = ?').get(BigInt(rid)) as { n: number }).n;
  const inFts = (rid: number): number =>
    (ctx.db.prepare('SELECT COUNT(*) AS n FROM fts_memories WHERE rowid = ?').get(BigInt(rid)) as { n: number }).n;
  const ftsMatches = (word: string): number[] =>
    ctx.db.prepare('SELECT rowid FROM fts_memories WHERE fts_memories MATCH ?').pluck().all(`"${word}"`) as number[];

  test('delete removes row, vector and FTS entry together', async () => {
    const rid = ridOf('m2');
    assert.equal(inVec(rid), 1);
    assert.equal(inFts(rid), 1);
    assert.deepEqual(ftsMatches('word2'), [rid]);
    assert.equal(await store.delete('memories', { ids: ['m2'] }), 1);
    assert.equal(ridOf('m2'), undefined);
    assert.equal(inVec(rid), 0);
    assert.equal(inFts(rid), 0);
    assert.deepEqual(ftsMatches('word2'), []);
    const byFilter = ridOf('m4');
    assert.equal(await store.delete('memories', { filter: { i: 4 } }), 1);
    assert.equal(inVec(byFilter), 0);
    assert.equal(inFts(byFilter), 0);
    assert.equal((ctx.db.prepare('SELECT COUNT(*) AS n FROM vec_memories_1').get() as { n: number }).n, 3);
    assert.equal(ftsMatches('shared').length, 3);
  });

  test('upsert of an existing id rewrites its vector and FTS entry in place', async () => {
    const rid = ridOf('m1');
    await store.upsert('memories', [{ id: 'm1', text: 'different words now', payload: {}, vector: randomUnit(prng(9), DIM) }]);
    assert.equal(ridOf('m1'), rid);
    assert.equal(inVec(rid), 1);
    assert.deepEqual(ftsMatches('word1'), []);
    assert.deepEqual(ftsMatches('different'), [rid]);
    assert.equal((ctx.db.prepare('SELECT COUNT(*) AS n FROM vec_memories_1').get() as { n: number }).n, 5);
  });

  test('checkConsistency detects a vector deleted behind the store, an orphan vector and a stale keyword index; repair fixes what it can', async () => {
    const rid = ridOf('m3');
    ctx.db.prepare('DELETE FROM vec_memories_1 WHERE rowid = ?').run(BigInt(rid));
    let report = await store.checkConsistency('memories');
    assert.deepEqual(report, { missingVectors: ['m3'], orphanVectors: 0, keywordIndexMismatch: 0, nearDuplicateIndexMismatch: 1 });

    // an orphan vector: a row whose record is gone
    ctx.db.prepare('INSERT INTO vec_memories_1 (rowid, embedding) VALUES (?, ?)').run(9999n, Buffer.from(new Float32Array([1, 0, 0, 0]).buffer));
    // a record missing from the keyword index, and an index entry with no record
    ctx.db.prepare('DELETE FROM fts_memories WHERE rowid = ?').run(BigInt(ridOf('m0')));
    ctx.db.prepare('INSERT INTO fts_memories (rowid, text) VALUES (?, ?)').run(8888n, 'ghost entry');
    report = await store.checkConsistency('memories');
    assert.deepEqual(report, { missingVectors: ['m3'], orphanVectors: 1, keywordIndexMismatch: 2, nearDuplicateIndexMismatch: 2 });
    assert.deepEqual((await store.keyword('memories', 'word0', { limit: 5 })).map((r) => r.id), []);

    const repaired = await store.repair('memories');
    assert.deepEqual(repaired, { orphanVectorsRemoved: 1, keywordIndexRebuilt: true, nearDuplicateIndexRebuilt: true });
    report = await store.checkConsistency('memories');
    // a lost vector cannot be recomputed by the store: it stays reported until re-embedded
    assert.deepEqual(report, { missingVectors: ['m3'], orphanVectors: 0, keywordIndexMismatch: 0, nearDuplicateIndexMismatch: 0 });
    assert.deepEqual((await store.keyword('memories', 'word0', { limit: 5 })).map((r) => r.id), ['m0']);
    assert.deepEqual(await store.keyword('memories', 'ghost', { limit: 5 }), []);

    // upserting the record again restores its vector
    const [m3] = await store.get('memories', ['m3']);
    assert.ok(m3);
    await store.upsert('memories', [{ id: 'm3', text: m3.text, payload: m3.payload, vector: randomUnit(prng(3), DIM) }]);
    assert.deepEqual(await store.checkConsistency('memories'), { missingVectors: [], orphanVectors: 0, keywordIndexMismatch: 0, nearDuplicateIndexMismatch: 0 });
  });

  test('dropCollection removes its vec0 and FTS tables', async () => {
    assert.equal(await store.dropCollection('memories'), true);
    const tables = ctx.db
      .prepare("SELECT name FROM sqlite_master WHERE name LIKE 'vec_memories%' OR name LIKE 'fts_memories%'")
      .pluck()
      .all();
    assert.deepEqual(tables, []);
    assert.equal((ctx.db.prepare("SELECT COUNT(*) AS n FROM records WHERE collection = 'memories'").get() as { n: number }).n, 0);
  });

  test('commitReembed drops the old vec0 table and keeps the new one', async () => {
    await store.beginReembed('memories', { embedder: 'other', dim: 8 });
    const rand = prng(11);
    for (;;) {
      const batch = await store.pendingReembed('memories', 2);
      if (batch.length === 0) break;
      await store.writeReembed('memories', batch.map((r) => ({ id: r.id, vector: randomUnit(rand, 8) })));
    }
    await store.commitReembed('memories');
    const vecTables = ctx.db.prepare("SELECT name FROM sqlite_master WHERE name IN ('vec_memories_1', 'vec_memories_2')").pluck().all();
    assert.deepEqual(vecTables, ['vec_memories_2']);
    assert.equal((ctx.db.prepare('SELECT COUNT(*) AS n FROM vec_memories_2').get() as { n: number }).n, 5);
  });
});
