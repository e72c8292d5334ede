/**
 * The embedded store's near-duplicate index (sqlite-vec/band-index.ts) on a real SQLite file: `nearDuplicates`
 * against a brute-force cosine + specifics filter over thousands of random and planted near-duplicate vectors
 * (384-d and 512-d), kept right through updates, deletes and re-embedding, and filled by migration 8 on a
 * database written before it.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { migrate, openDatabase, schemaVersion } from '../../../src/store/db.js';
import { MIGRATIONS } from '../../../src/store/migrations.js';
import type { RecordInput } from '../../../src/store/records/record-store.js';
import { SqliteVecRecordStore } from '../../../src/store/records/sqlite-vec/index.js';
import { sameSpecifics } from '../../../src/store/records/specifics.js';
import { cosine, prng, randomUnit } from './contract.js';

const root = mkdtempSync(join(tmpdir(), 'calm-near-dup-test-'));
process.env.HOME = join(root, 'home');
process.env.CALM_HOME = join(root, 'calm');
mkdirSync(process.env.HOME, { recursive: true });
after(() => rmSync(root, { recursive: true, force: true }));

const MIN = 0.9;
const WORDS = 'alpha beta gamma delta cache queue retry deploy staging branch review token schema index vector'.split(' ');

/** A unit vector at cosine ≈ `target` from `base`: base plus orthogonal noise of the right size. */
function near(base: Float32Array, target: number, rand: () => number): Float32Array {
  const noise = randomUnit(rand, base.length);
  let dot = 0;
  for (let i = 0; i < base.length; i++) dot += noise[i]! * base[i]!;
  let norm = 0;
  for (let i = 0; i < base.length; i++) norm += (noise[i]! - dot * base[i]!) ** 2;
  const s = Math.sqrt(1 - target * target) / target / Math.sqrt(norm);
  const v = new Float32Array(base.length);
  let len = 0;
  for (let i = 0; i < base.length; i++) len += (v[i] = base[i]! + s * (noise[i]! - dot * base[i]!)) ** 2;
  for (let i = 0; i < base.length; i++) v[i] = v[i]! / Math.sqrt(len);
  return v;
}

function sentence(rand: () => number, withNumber: boolean): string {
  const words = Array.from({ length: 6 }, () => WORDS[Math.floor(rand() * WORDS.length)]!);
  return withNumber ? `${words.join(' ')} port ${1000 + Math.floor(rand() * 50)}` : words.join(' ');
}

interface Planted {
  readonly records: RecordInput[];
  readonly queries: { vector: Float32Array; text: string }[];
}

/** `random` random records, plus `bases` base records each with 3 planted neighbours at cosine 0.91–0.99 (some with other specifics). */
function plant(dim: number, random: number, bases: number, seed: number): Planted {
  const rand = prng(seed);
  const records: RecordInput[] = [];
  for (let i = 0; i < random; i++) records.push({ id: `x${i}`, text: sentence(rand, i % 2 === 0), payload: { i }, vector: randomUnit(rand, dim) });
  const queries: Planted['queries'] = [];
  for (let b = 0; b < bases; b++) {
    const base = randomUnit(rand, dim);
    const text = sentence(rand, b % 2 === 0);
    records.push({ id: `b${b}`, text, payload: { b }, vector: base });
    for (let k = 0; k < 3; k++) {
      // one neighbour in five names another port: never a duplicate, however close
      const other = b % 2 === 0 && k === 2 && b % 5 === 0;
      records.push({ id: `b${b}n${k}`, text: other ? text.replace(/port \d+/, 'port 9999') : text.toUpperCase(), payload: {}, vector: near(base, 0.91 + 0.04 * k, rand) });
    }
    queries.push({ vector: near(base, 0.97, rand), text });
  }
  return { records, queries };
}

/** What `nearDuplicates` must return: every record at cosine ≥ MIN with the query's specifics, best first. */
function bruteForce(records: readonly RecordInput[], q: { vector: Float32Array; text: string }, limit: number): string[] {
  return records
    .map((r) => ({ id: r.id, score: cosine(q.vector, r.vector), text: r.text }))
    .filter((r) => r.score >= MIN && sameSpecifics(r.text, q.text))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
    .slice(0, limit)
    .map((r) => r.id);
}

function openStore(): { store: SqliteVecRecordStore; db: ReturnType<typeof openDatabase>; file: string; close: () => void } {
  const dir = mkdtempSync(join(root, 'db-'));
  const file = join(dir, 'metadata.db');
  const db = openDatabase(file);
  return { store: new SqliteVecRecordStore(db), db, file, close: () => db.close() };
}

async function upsertAll(store: SqliteVecRecordStore, records: readonly RecordInput[]): Promise<void> {
  for (let i = 0; i < records.length; i += 500) await store.upsert('memories', records.slice(i, i + 500));
}

/** Compares every query; returns (found, expected) over all of them. Never a record outside the exact answer. */
async function compare(store: SqliteVecRecordStore, records: readonly RecordInput[], queries: Planted['queries']): Promise<{ found: number; expected: number }> {
  let found = 0, expected = 0;
  const byId = new Map(records.map((r) => [r.id, r]));
  for (const q of queries) {
    const want = bruteForce(records, q, 10);
    const got = await store.nearDuplicates('memories', q, { minScore: MIN, limit: 10 });
    for (const r of got) {
      assert.ok(want.includes(r.id), `${r.id} (score ${r.score}) is not an exact near-duplicate of '${q.text}'`);
      assert.ok(Math.abs(r.score - cosine(q.vector, byId.get(r.id)!.vector)) < 1e-5, 'the score is the exact cosine');
    }
    assert.deepEqual(got.map((r) => r.score), [...got.map((r) => r.score)].sort((a, b) => b - a), 'best first');
    expected += want.length;
    found += got.length;
  }
  return { found, expected };
}

describe('nearDuplicates on the embedded store', () => {
  for (const dim of [384, 512]) {
    test(`equals the brute-force cosine and specifics filter over 2,400 records (${dim}-d)`, async () => {
      const { store, close } = openStore();
      try {
        await store.ensureCollection('memories', { embedder: 'random', dim });
        const { records, queries } = plant(dim, 2000, 100, dim);
        await upsertAll(store, records);
        const { found, expected } = await compare(store, records, queries);
        assert.ok(expected >= 250, `planted near-duplicates are found by brute force (${expected})`);
        // the index is probabilistic for texts without specifics: the measured recall, not a guess
        assert.ok(found / expected >= 0.98, `recall ${found}/${expected}`);
        // texts with specifics are looked up by their whole group: exact
        for (const q of queries.filter((x) => /\d/.test(x.text))) {
          const got = await store.nearDuplicates('memories', q, { minScore: MIN, limit: 10 });
          assert.deepEqual(got.map((r) => r.id), bruteForce(records, q, 10));
        }
        assert.equal((await store.checkConsistency('memories')).nearDuplicateIndexMismatch, 0);
      } finally {
        close();
      }
    });
  }

  test('updates, deletes and re-embedding keep the index right', async () => {
    const { store, close } = openStore();
    try {
      await store.ensureCollection('memories', { embedder: 'random', dim: 384 });
      const planted = plant(384, 300, 20, 7);
      let records = planted.records;
      await upsertAll(store, records);
      const rand = prng(99);

      // moved far away, and renamed to other specifics: neither is a near-duplicate any more
      const moved = { ...records.find((r) => r.id === 'b0n0')!, vector: randomUnit(rand, 384) };
      const renamed = { ...records.find((r) => r.id === 'b2n1')!, text: 'port 4242 is something else' };
      await store.upsert('memories', [moved, renamed]);
      await store.delete('memories', { ids: ['b4n0', 'b4n1'] });
      await store.delete('memories', { filter: { b: 6 } });
      records = records.filter((r) => !['b4n0', 'b4n1', 'b6'].includes(r.id)).map((r) => (r.id === moved.id ? moved : r.id === renamed.id ? renamed : r));
      let { found, expected } = await compare(store, records, planted.queries);
      assert.ok(found / expected >= 0.98, `recall after updates ${found}/${expected}`);
      const ids = async (q: Planted['queries'][number]): Promise<string[]> => (await store.nearDuplicates('memories', q, { minScore: MIN, limit: 10 })).map((r) => r.id);
      assert.ok(!(await ids(planted.queries[0]!)).includes('b0n0'));
      assert.ok(!(await ids(planted.queries[2]!)).includes('b2n1'));
      assert.deepEqual((await ids(planted.queries[4]!)).filter((id) => id.startsWith('b4n') && id !== 'b4n2'), []);
      assert.ok(!(await ids(planted.queries[6]!)).includes('b6'));

      // re-embedding to 512-d: the pending vectors are indexed as they are written, and swap in at commit
      const newVectors = new Map<string, Float32Array>();
      const project = (v: Float32Array): Float32Array => {
        // a fixed linear map 384 → 512 keeps near vectors near
        const out = new Float32Array(512);
        for (let i = 0; i < 512; i++) out[i] = v[i % 384]! * (i < 384 ? 1 : 0.5) + (i >= 384 ? v[(i * 7) % 384]! * 0.5 : 0);
        let len = 0;
        for (const x of out) len += x * x;
        return out.map((x) => x / Math.sqrt(len));
      };
      await store.beginReembed('memories', { embedder: 'random-512', dim: 512 });
      for (;;) {
        const batch = await store.pendingReembed('memories', 100);
        if (batch.length === 0) break;
        const vectors = batch.map((r) => {
          const v = project(records.find((x) => x.id === r.id)!.vector);
          newVectors.set(r.id, v);
          return { id: r.id, vector: v, text: r.text };
        });
        await store.writeReembed('memories', vectors);
      }
      await store.commitReembed('memories');
      const reembedded = records.map((r) => ({ ...r, vector: newVectors.get(r.id)! }));
      const queries = planted.queries.map((q) => ({ text: q.text, vector: project(q.vector) }));
      ({ found, expected } = await compare(store, reembedded, queries));
      assert.ok(expected > 0 && found / expected >= 0.98, `recall after re-embedding ${found}/${expected}`);
      assert.equal((await store.checkConsistency('memories')).nearDuplicateIndexMismatch, 0);
    } finally {
      close();
    }
  });

  test('migration 8 files the vectors of a database written before it; a dropped index is noticed and rebuilt by repair', async () => {
    const dir = mkdtempSync(join(root, 'old-'));
    const file = join(dir, 'metadata.db');
    const planted = plant(384, 500, 30, 11);
    {
      // the old schema: migrations up to 7, then records written as calm wrote them (no band tables)
      const Database = (await import('better-sqlite3')).default;
      const sqliteVec = await import('sqlite-vec');
      const old = new Database(file);
      sqliteVec.load(old);
      migrate(old, undefined, MIGRATIONS.filter((m) => m.version <= 7));
      assert.equal(schemaVersion(old), 7);
      const store = new SqliteVecRecordStore(old);
      await store.ensureCollection('memories', { embedder: 'random', dim: 384 });
      await upsertAll(store, planted.records);
      old.exec('DROP TABLE vec_memories_1_lsh'); // what calm before migration 8 never had
      old.close();
    }
    const db = openDatabase(file); // migrates to the newest schema
    try {
      assert.equal(schemaVersion(db), Math.max(...MIGRATIONS.map((m) => m.version)));
      const store = new SqliteVecRecordStore(db);
      assert.equal((await store.checkConsistency('memories')).nearDuplicateIndexMismatch, 0);
      const { found, expected } = await compare(store, planted.records, planted.queries);
      assert.ok(expected > 0 && found / expected >= 0.98, `recall after the backfill ${found}/${expected}`);

      // derived data lost or damaged behind the store: checkConsistency notices, repair rebuilds it
      db.exec('DELETE FROM vec_memories_1_lsh WHERE rid IN (SELECT rid FROM vec_memories_1_lsh LIMIT 40)');
      assert.ok((await store.checkConsistency('memories')).nearDuplicateIndexMismatch > 0);
      assert.equal((await store.repair('memories')).nearDuplicateIndexRebuilt, true);
      assert.equal((await store.checkConsistency('memories')).nearDuplicateIndexMismatch, 0);
      db.exec('DROP TABLE vec_memories_1_lsh');
      assert.ok((await store.checkConsistency('memories')).nearDuplicateIndexMismatch > 0);
      await store.repair('memories');
      const again = await compare(store, planted.records, planted.queries);
      assert.equal(again.found, found, 'the rebuilt index answers as the backfilled one');
    } finally {
      db.close();
    }
  });

  test('dropCollection removes the index table with the vectors', async () => {
    const { store, db, close } = openStore();
    try {
      await store.ensureCollection('memories', { embedder: 'random', dim: 8 });
      await store.upsert('memories', [{ id: 'a', text: 'a', payload: {}, vector: randomUnit(prng(1), 8) }]);
      assert.equal(await store.dropCollection('memories'), true);
      const left = db.prepare("SELECT name FROM sqlite_master WHERE name LIKE 'vec_memories%'").pluck().all();
      assert.deepEqual(left, []);
    } finally {
      close();
    }
  });
});
