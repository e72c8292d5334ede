/**
 * @module The RecordStore contract: one suite every backend runs unchanged.
 *
 * It speaks only through the RecordStore interface (never SQL or HTTP), so the embedded store and the
 * Qdrant store are held to the same semantics. A backend names its known gaps in `skip`, mapping a test
 * title to the reason. The filter expectations are written by hand and also checked against the
 * reference oracle `matchesFilter`, so a wrong hand-written expectation fails loudly too.
 */
import { afterEach, beforeEach, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { CalmError, type ErrorType } from '../../../src/errors.js';
import { type Filter, matchesFilter, parseFilter } from '../../../src/store/records/filter.js';
import type { RecordInput, RecordStore, ScoredRecord, StoredRecord } from '../../../src/store/records/record-store.js';

export interface OpenedStore {
  readonly store: RecordStore;
  /** Closes every connection opened for this test (including reopened ones) and removes its files. */
  readonly cleanup: () => Promise<void>;
  /** A second, independent store on the same data, as a restarted process would see it. */
  readonly reopen?: () => Promise<RecordStore>;
}

// ---- helpers -----------------------------------------------------------------------------------

export { prng, randomUnit } from '../../helpers/random.js';
import { prng, randomUnit } from '../../helpers/random.js';

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return dot / Math.sqrt(na * nb);
}

/** Exact top-k by cosine (ties by id), computed in double precision. */
function bruteForce(
  query: Float32Array,
  records: readonly RecordInput[],
  k: number,
): { id: string; score: number }[] {
  const scored = records.map((r) => ({ id: r.id, score: cosine(query, r.vector) }));
  scored.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return scored.slice(0, k);
}

const sameBits = (a: Float32Array | undefined, b: Float32Array): boolean =>
  a !== undefined && a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;

async function rejectsWith(promise: Promise<unknown>, type: ErrorType, messageIncludes?: string): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof CalmError, `expected a CalmError, got ${String(e)}`);
    assert.equal(e.type, type, `expected ${type}, got ${e.type}: ${e.message}`);
    if (messageIncludes !== undefined) assert.ok(e.message.includes(messageIncludes), `message '${e.message}' lacks '${messageIncludes}'`);
    return true;
  });
}

const ids = (records: readonly StoredRecord[]): string[] => records.map((r) => r.id);
const sortedIds = (records: readonly StoredRecord[]): string[] => ids(records).sort();
const pad = (i: number, width = 5): string => String(i).padStart(width, '0');
const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));
const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function makeRecords(
  count: number,
  dim: number,
  seed: number,
  shape: (i: number) => { id?: string; text?: string; payload?: Record<string, unknown> } = () => ({}),
): RecordInput[] {
  const rand = prng(seed);
  return Array.from({ length: count }, (_, i) => {
    const s = shape(i);
    return {
      id: s.id ?? `r${pad(i)}`,
      text: s.text ?? `record number ${i}`,
      payload: s.payload ?? { i },
      vector: randomUnit(rand, dim),
    };
  });
}

async function upsertInBatches(store: RecordStore, name: string, records: readonly RecordInput[], size = 1000): Promise<void> {
  for (let i = 0; i < records.length; i += size) await store.upsert(name, records.slice(i, i + size));
}

// ---- the 10,000-record data set, built once per process ------------------------------------------

const BIG_N = 10_000;
const BIG_DIM = 384;
const QUERIES = 20;
let bigData: { records: RecordInput[]; queries: Float32Array[] } | undefined;

function big(): { records: RecordInput[]; queries: Float32Array[] } {
  if (!bigData) {
    const records = makeRecords(BIG_N, BIG_DIM, 42, (i) => ({ text: `vector record ${i}`, payload: { bucket: i % 10, i } }));
    const rand = prng(4242);
    bigData = { records, queries: Array.from({ length: QUERIES }, () => randomUnit(rand, BIG_DIM)) };
  }
  return bigData;
}

/**
 * Same ranking as brute force. Ids must match exactly unless two brute-force scores around a position
 * are within float32 noise of each other; then the returned id must score (exactly) as the expected one.
 */
function assertRanking(got: readonly ScoredRecord[], query: Float32Array, pool: readonly RecordInput[], k: number, label: string): void {
  const expected = bruteForce(query, pool, k + 1);
  const exact = new Map(pool.map((r) => [r.id, r] as const));
  assert.equal(got.length, Math.min(k, pool.length), `${label}: result count`);
  got.forEach((r, i) => {
    const rec = exact.get(r.id);
    assert.ok(rec, `${label}: unknown id ${r.id}`);
    assert.ok(Math.abs(r.score - cosine(query, rec.vector)) < 1e-4, `${label}: score of ${r.id} is ${r.score}, cosine is ${cosine(query, rec.vector)}`);
  });
  const nearTie = expected.some((e, i) => i + 1 < expected.length && e.score - expected[i + 1]!.score < 1e-6);
  if (!nearTie) {
    assert.deepEqual(ids(got), expected.slice(0, k).map((e) => e.id), `${label}: top-${k} ids`);
  } else {
    assert.equal(new Set(ids(got)).size, got.length, `${label}: duplicate ids`);
    got.forEach((r, i) => {
      const want = expected[i]!;
      assert.ok(Math.abs(cosine(query, exact.get(r.id)!.vector) - want.score) < 1e-6, `${label}: rank ${i} is ${r.id}, expected ${want.id}`);
    });
  }
}

// ---- filter fixture ---------------------------------------------------------------------------------

const FILTER_PAYLOADS: Record<string, Record<string, unknown>> = {
  f01: { s: 'red', n: 1, b: true, tags: ['a', 'b'], nums: [1, 5, 9], mixed: [1, '1', true], at: '2024-01-01T00:00:00.000Z', obj: { s: 'red' } },
  f02: { s: 'blue', n: 2.5, b: false, tags: ['b', 'c'], nums: [10, 20], mixed: ['x', false], deep: [['a'], { s: 'a' }, '["a"]'] },
  f03: { s: 'Red', n: -3, b: true, tags: [], nums: [], nulled: null },
  f04: { s: '1', n: 0, b: false, tags: ['a'], nums: [-5, 0.5] },
  f05: { n: 100, tags: 'a' },
  f06: { s: 'green', n: '7', b: 'true' },
  f07: {},
  f08: { s: 'red', n: 7, b: true, tags: ['c'], nums: [7] },
};

/** Filter → the ids it must match, written by hand from the semantics in filter.ts. */
const FILTER_CASES: [string, Filter, string[]][] = [
  ['string equality is case-sensitive', { s: 'red' }, ['f01', 'f08']],
  ['string equality does not match a number', { s: 1 }, []],
  ['string that looks like a number', { s: '1' }, ['f04']],
  ['number equality', { n: 1 }, ['f01']],
  ['number equality does not match a numeric string', { n: 7 }, ['f08']],
  ['float equality', { n: 2.5 }, ['f02']],
  ['zero', { n: 0 }, ['f04']],
  ['boolean true (not the string "true")', { b: true }, ['f01', 'f03', 'f08']],
  ['boolean false', { b: false }, ['f02', 'f04']],
  ['equality on an array field is array-contains', { tags: 'a' }, ['f01', 'f04', 'f05']],
  ['array-contains on numbers', { nums: 5 }, ['f01']],
  ['array-contains keeps types apart: number', { mixed: 1 }, ['f01']],
  ['array-contains keeps types apart: string', { mixed: '1' }, ['f01']],
  ['array-contains keeps types apart: true', { mixed: true }, ['f01']],
  ['array-contains keeps types apart: false', { mixed: false }, ['f02']],
  ['$contains', { tags: { $contains: 'b' } }, ['f01', 'f02']],
  ['$contains on a scalar field', { s: { $contains: 'blue' } }, ['f02']],
  ['$in on a scalar field', { s: { $in: ['red', 'blue'] } }, ['f01', 'f02', 'f08']],
  ['$in overlaps an array field', { tags: { $in: ['c', 'z'] } }, ['f02', 'f08']],
  ['$in with mixed types on a scalar field', { n: { $in: [1, '7', true] } }, ['f01', 'f06']],
  ['$in with mixed types on an array field', { mixed: { $in: ['x', 2] } }, ['f02']],
  ['$in with an empty list', { s: { $in: [] } }, []],
  ['$in combined with $contains', { tags: { $in: ['a', 'c'], $contains: 'b' } }, ['f01', 'f02']],
  ['$gt', { n: { $gt: 1 } }, ['f02', 'f05', 'f08']],
  ['$gte', { n: { $gte: 1 } }, ['f01', 'f02', 'f05', 'f08']],
  ['$lt', { n: { $lt: 0 } }, ['f03']],
  ['$lte', { n: { $lte: 0 } }, ['f03', 'f04']],
  ['$gt and $lt', { n: { $gt: 0, $lt: 7 } }, ['f01', 'f02']],
  ['$gte and $lte', { n: { $gte: 0, $lte: 7 } }, ['f01', 'f02', 'f04', 'f08']],
  ['empty range', { n: { $gt: 7, $lt: 7 } }, []],
  ['fractional bounds', { n: { $gt: 2.4, $lt: 2.6 } }, ['f02']],
  ['range on an array field', { nums: { $gte: 6, $lte: 9 } }, ['f01', 'f08']],
  ['range on an array field, above', { nums: { $gt: 15 } }, ['f02']],
  ['range on an array field, negative', { nums: { $lt: 0 } }, ['f04']],
  ['range on an array needs one element within all bounds', { nums: { $gt: 2, $lt: 4 } }, []],
  ['range on a string field never matches', { at: { $gte: 0 } }, []],
  ['range on a numeric string never matches', { s: { $gt: 0 } }, []],
  ['missing key never matches equality', { missing: 'x' }, []],
  ['missing key never matches $in', { missing: { $in: ['x', 1, true] } }, []],
  ['missing key never matches a range', { missing: { $lt: 1e9 } }, []],
  ['null value never matches', { nulled: { $in: ['null', 0, false] } }, []],
  ['object value never matches', { obj: 'red' }, []],
  ['array-contains looks at the top level only', { deep: 'a' }, []],
  ['a string element that reads like JSON is only that string', { deep: '["a"]' }, ['f02']],
  ['AND of several keys', { s: 'red', b: true, n: { $gt: 5 } }, ['f08']],
  ['AND of array-contains and boolean', { tags: 'a', b: false }, ['f04']],
  ['AND that nothing satisfies', { s: 'red', tags: 'b', n: { $gt: 1 } }, []],
  ['empty filter matches everything', {}, ['f01', 'f02', 'f03', 'f04', 'f05', 'f06', 'f07', 'f08']],
];

const INVALID_FILTERS: [string, unknown][] = [
  ['unknown operator', { n: { $foo: 1 } }],
  ['unknown operator beside a known one', { n: { $gt: 1, $ne: 2 } }],
  ['key with a dash', { 'bad-key': 1 }],
  ['dotted key', { 'a.b': 1 }],
  ['key starting with a digit', { '1a': 1 }],
  ['quote in key', { "a'b": 1 }],
  ['string bound', { n: { $gt: '5' } }],
  ['NaN bound', { n: { $lt: Number.NaN } }],
  ['infinite bound', { n: { $lte: Number.POSITIVE_INFINITY } }],
  ['empty operator object', { n: {} }],
  ['null condition', { n: null }],
  ['array condition', { n: [1, 2] }],
  ['$in not a list', { n: { $in: 'x' } }],
  ['$in with an object', { n: { $in: [{}] } }],
  ['$contains with a list', { n: { $contains: [1] } }],
  ['filter is an array', [1, 2]],
];

// ---- the suite --------------------------------------------------------------------------------------

export function recordStoreContract(
  name: string,
  open: () => Promise<OpenedStore>,
  skip: Record<string, string> = {},
): void {
  const titles = new Set<string>();

  describe(`RecordStore contract: ${name}`, () => {
    let opened: OpenedStore;
    let store: RecordStore;

    beforeEach(async () => {
      opened = await open();
      store = opened.store;
    });
    afterEach(async () => {
      await opened.cleanup();
    });

    const it = (title: string, fn: (t: TestContext) => Promise<void>): void => {
      assert.ok(!titles.has(title), `duplicate contract test title: ${title}`);
      titles.add(title);
      const reason = skip[title];
      if (reason !== undefined) test(title, { skip: reason }, fn);
      else test(title, fn);
    };

    // 1b ----------------------------------------------------------------------------------------------
    describe('near duplicates', () => {
      /** 16-d records around 8 bases: texts naming a port (some another port) and texts with none. */
      function planted(): { records: RecordInput[]; bases: Float32Array[]; texts: string[] } {
        const rand = prng(77);
        const bases = Array.from({ length: 8 }, () => randomUnit(rand, 16));
        const texts = bases.map((_, b) => (b % 2 === 0 ? `the api listens on port ${5000 + b}` : `retry the flaky checkout test number ${['one', 'two', 'three', 'four'][b >> 1]}`));
        const records: RecordInput[] = [];
        bases.forEach((base, b) => {
          for (let k = 0; k < 6; k++) {
            const v = new Float32Array(16);
            const noise = randomUnit(rand, 16);
            for (let i = 0; i < 16; i++) v[i] = base[i]! + (0.05 + 0.1 * k) * noise[i]!;
            const text = k === 5 && b % 2 === 0 ? texts[b]!.replace(/\d+/, '9999') : texts[b]!.toUpperCase();
            records.push({ id: `n${b}_${k}`, text, payload: { b }, vector: v });
          }
        });
        for (let i = 0; i < 100; i++) records.push({ id: `r${i}`, text: i % 2 ? `port ${i}` : 'unrelated words', payload: {}, vector: randomUnit(rand, 16) });
        return { records, bases, texts };
      }

      it('nearDuplicates returns the records at cosine >= minScore with the same specifics, best first, exact scores', async () => {
        const { records, bases, texts } = planted();
        await store.ensureCollection('memories', { embedder: 'random', dim: 16 });
        await store.upsert('memories', records);
        let total = 0;
        for (const [b, base] of bases.entries()) {
          const got = await store.nearDuplicates('memories', { vector: base, text: texts[b]! }, { minScore: 0.9, limit: 10 });
          const want = records
            .map((r) => ({ id: r.id, score: cosine(base, r.vector), text: r.text }))
            .filter((r) => r.score >= 0.9 && (r.text.match(/\d+/g) ?? []).join() === (texts[b]!.match(/\d+/g) ?? []).join())
            .sort((x, y) => y.score - x.score || (x.id < y.id ? -1 : 1));
          assert.deepEqual(got.map((r) => r.id), want.map((r) => r.id), `base ${b}`);
          for (const [i, r] of got.entries()) assert.ok(Math.abs(r.score - want[i]!.score) < 1e-5);
          assert.ok(got.every((r) => r.text !== undefined && r.payload.b === b));
          total += got.length;
        }
        assert.ok(total >= 16, `planted near-duplicates found (${total})`);
        // limit cuts the best first; a threshold above every score finds nothing
        const top = await store.nearDuplicates('memories', { vector: bases[1]!, text: texts[1]! }, { minScore: 0.5, limit: 2 });
        assert.equal(top.length, 2);
        assert.deepEqual(await store.nearDuplicates('memories', { vector: bases[1]!, text: texts[1]! }, { minScore: 1.01, limit: 5 }), []);
        // a deleted record is gone from the answer
        await store.delete('memories', { ids: [top[0]!.id] });
        const after = await store.nearDuplicates('memories', { vector: bases[1]!, text: texts[1]! }, { minScore: 0.5, limit: 2 });
        assert.ok(!after.some((r) => r.id === top[0]!.id));
      });

      it('nearDuplicates rejects a vector of the wrong dimension and a missing collection', async () => {
        await store.ensureCollection('memories', { embedder: 'random', dim: 16 });
        await rejectsWith(store.nearDuplicates('memories', { vector: new Float32Array(4), text: 'x' }, { minScore: 0.9, limit: 5 }), 'validation_error');
        await rejectsWith(store.nearDuplicates('nope', { vector: new Float32Array(16), text: 'x' }, { minScore: 0.9, limit: 5 }), 'not_found');
      });
    });

    // 1 -----------------------------------------------------------------------------------------------
    describe('vector search', () => {
      it('search top-10 equals brute-force cosine over 10,000 random 384-d records', async () => {
        const { records, queries } = big();
        await store.ensureCollection('memories', { embedder: 'random', dim: BIG_DIM });
        await upsertInBatches(store, 'memories', records);
        assert.equal(await store.count('memories'), BIG_N);
        for (const [q, query] of queries.entries()) {
          const got = await store.search('memories', query, { limit: 10 });
          assertRanking(got, query, records, 10, `query ${q}`);
        }
        // a stored vector finds itself first, with cosine 1
        const self = records[1234]!;
        const [first] = await store.search('memories', self.vector, { limit: 1 });
        assert.equal(first?.id, self.id);
        assert.ok(Math.abs(first.score - 1) < 1e-4);
      });

      it('filtered search equals brute force over the matching subset', async () => {
        const { records, queries } = big();
        await store.ensureCollection('memories', { embedder: 'random', dim: BIG_DIM });
        await upsertInBatches(store, 'memories', records);
        // the exact filtered scan is slower than the KNN index, so the extra filters get fewer queries
        const filters: [Filter, number][] = [[{ bucket: 3 }, QUERIES], [{ bucket: { $in: [0, 9] } }, 5], [{ i: { $gte: 2000, $lt: 2600 } }, 5]];
        for (const [filter, queryCount] of filters) {
          const conditions = parseFilter(filter);
          const subset = records.filter((r) => matchesFilter(r.payload, conditions));
          assert.ok(subset.length > 10 && subset.length < BIG_N / 2);
          assert.equal(await store.count('memories', filter), subset.length);
          for (const [q, query] of queries.slice(0, queryCount).entries()) {
            const got = await store.search('memories', query, { limit: 10, filter });
            assertRanking(got, query, subset, 10, `filter ${JSON.stringify(filter)}, query ${q}`);
          }
        }
      });

      it('search returns every record when the limit exceeds the count, best first', async () => {
        const records = makeRecords(30, 16, 7);
        await store.ensureCollection('memories', { embedder: 'random', dim: 16 });
        await store.upsert('memories', records);
        const query = randomUnit(prng(8), 16);
        const got = await store.search('memories', query, { limit: 100 });
        assertRanking(got, query, records, 100, 'small collection');
        for (let i = 1; i < got.length; i++) assert.ok(got[i - 1]!.score >= got[i]!.score);
        assert.deepEqual(await store.search('memories', query, { limit: 5, filter: { i: -1 } }), []);
      });

      it('search, keyword and scroll reject a limit below 1', async () => {
        await store.ensureCollection('memories', { embedder: 'random', dim: 4 });
        await store.upsert('memories', makeRecords(3, 4, 1));
        const query = randomUnit(prng(2), 4);
        for (const limit of [0, -1, 1.5]) {
          await rejectsWith(store.search('memories', query, { limit }), 'validation_error');
          await rejectsWith(store.keyword('memories', 'record', { limit }), 'validation_error');
          await rejectsWith(store.scroll('memories', { limit }), 'validation_error');
        }
      });
    });

    // 2 -----------------------------------------------------------------------------------------------
    describe('filters', () => {
      const fixture = (): RecordInput[] => {
        const rand = prng(99);
        return Object.entries(FILTER_PAYLOADS).map(([id, payload]) => ({
          id,
          text: `common filter record ${id}`,
          payload,
          vector: randomUnit(rand, 4),
        }));
      };

      it('every operator agrees with the hand-written expectations and the matchesFilter oracle', async () => {
        const records = fixture();
        await store.ensureCollection('memories', { embedder: 'random', dim: 4 });
        await store.upsert('memories', records);
        const query = randomUnit(prng(5), 4);
        for (const [label, filter, expected] of FILTER_CASES) {
          const conditions = parseFilter(filter);
          const oracle = records.filter((r) => matchesFilter(r.payload, conditions)).map((r) => r.id);
          assert.deepEqual(oracle, expected, `${label}: the oracle disagrees with the hand-written expectation`);
          assert.equal(await store.count('memories', filter), expected.length, `${label}: count`);
          assert.deepEqual(ids(await store.scroll('memories', { limit: 100, filter })), expected, `${label}: scroll`);
          assert.deepEqual(sortedIds(await store.search('memories', query, { limit: 100, filter })), expected, `${label}: search`);
          assert.deepEqual(sortedIds(await store.keyword('memories', 'common filter', { limit: 100, filter })), expected, `${label}: keyword`);
        }
      });

      it('invalid filters throw validation_error everywhere and delete nothing', async () => {
        await store.ensureCollection('memories', { embedder: 'random', dim: 4 });
        await store.upsert('memories', fixture());
        const query = randomUnit(prng(5), 4);
        for (const [label, bad] of INVALID_FILTERS) {
          const filter = bad as Filter;
          assert.throws(() => parseFilter(filter), (e: unknown) => e instanceof CalmError && e.type === 'validation_error', label);
          await rejectsWith(store.count('memories', filter), 'validation_error');
          await rejectsWith(store.scroll('memories', { limit: 10, filter }), 'validation_error');
          await rejectsWith(store.search('memories', query, { limit: 10, filter }), 'validation_error');
          await rejectsWith(store.keyword('memories', 'common', { limit: 10, filter }), 'validation_error');
          await rejectsWith(store.delete('memories', { filter }), 'validation_error');
        }
        assert.equal(await store.count('memories'), Object.keys(FILTER_PAYLOADS).length);
      });
    });

    // 3 -----------------------------------------------------------------------------------------------
    describe('upsert and get', () => {
      it('upsert then get round-trips text, payload and vector exactly', async () => {
        await store.ensureCollection('memories', { embedder: 'random', dim: 8 });
        const vector = new Float32Array([1e-30, 12345.678, -1.5, 1 / 3, 0.1, -7, 2 ** -20, 42]);
        const payload = {
          nested: { deep: { list: [1, 'two', { three: 3 }], flag: false }, empty: {} },
          unicode: 'héllo wörld — 日本語 🎉 עברית Ωμέγα',
          arr: ['a', 'b', 'a'],
          emptyArr: [],
          num: 0.1,
          big: 1e300,
          neg: -42,
          nul: null,
          control: 'tab\tnewline\nquote" backslash\\ nul\u0000 end',
        };
        const text = 'Unicode text: naïve café 日本語 🎉 "quotes", \\backslashes\\ and a\nnewline';
        await store.upsert('memories', [{ id: 'rt-1/ünï code', text, payload, vector }]);
        const [got] = await store.get('memories', ['rt-1/ünï code'], { withVectors: true });
        assert.ok(got);
        assert.equal(got.id, 'rt-1/ünï code');
        assert.equal(got.text, text);
        assert.deepEqual(got.payload, payload);
        assert.ok(sameBits(got.vector, vector), `vector changed: ${String(got.vector)}`);
        assert.match(got.createdAt, ISO_RE);
        assert.match(got.updatedAt, ISO_RE);
        const [plain] = await store.get('memories', ['rt-1/ünï code']);
        assert.equal(plain?.vector, undefined);
        // the other readers hand back the same vector when asked
        const [searched] = await store.search('memories', vector, { limit: 1, withVectors: true });
        assert.ok(sameBits(searched?.vector, vector));
        const [scrolled] = await store.scroll('memories', { limit: 1, withVectors: true });
        assert.ok(sameBits(scrolled?.vector, vector));
        assert.deepEqual(scrolled?.payload, payload);
        const [found] = await store.keyword('memories', 'café', { limit: 1, withVectors: true });
        assert.ok(sameBits(found?.vector, vector));
      });

      it('upsert of an existing id replaces text, payload and vector', async () => {
        await store.ensureCollection('memories', { embedder: 'random', dim: 8 });
        const rand = prng(3);
        const oldVector = randomUnit(rand, 8);
        const newVector = randomUnit(rand, 8);
        const others = makeRecords(5, 8, 11);
        await store.upsert('memories', others);
        await store.upsert('memories', [{ id: 'x', text: 'original walrus text', payload: { v: 1, tag: 'old' }, vector: oldVector }]);
        const [before] = await store.get('memories', ['x']);
        assert.ok(before);
        await tick();
        await store.upsert('memories', [{ id: 'x', text: 'replacement narwhal text', payload: { v: 2 }, vector: newVector }]);
        assert.equal(await store.count('memories'), 6);
        const [after] = await store.get('memories', ['x'], { withVectors: true });
        assert.ok(after);
        assert.equal(after.text, 'replacement narwhal text');
        assert.deepEqual(after.payload, { v: 2 });
        assert.ok(sameBits(after.vector, newVector));
        assert.equal(after.createdAt, before.createdAt);
        assert.ok(after.updatedAt >= after.createdAt);
        assert.ok(after.updatedAt >= before.updatedAt);
        assert.deepEqual(await store.keyword('memories', 'walrus', { limit: 10 }), []);
        assert.deepEqual(ids(await store.keyword('memories', 'narwhal', { limit: 10 })), ['x']);
        assert.equal(await store.count('memories', { tag: 'old' }), 0);
        assert.equal(await store.count('memories', { v: 2 }), 1);
        const [nearest] = await store.search('memories', newVector, { limit: 1 });
        assert.equal(nearest?.id, 'x');
        assert.ok(Math.abs(nearest.score - 1) < 1e-4);
        const nearOld = await store.search('memories', oldVector, { limit: 6 });
        const x = nearOld.find((r) => r.id === 'x');
        assert.ok(x && Math.abs(x.score - cosine(oldVector, newVector)) < 1e-4, 'the old vector is gone');
      });

      it('get omits missing ids and keeps the requested order', async () => {
        await store.ensureCollection('memories', { embedder: 'random', dim: 4 });
        await store.upsert('memories', makeRecords(3, 4, 1, (i) => ({ id: ['a', 'b', 'c'][i]! })));
        assert.deepEqual(ids(await store.get('memories', ['c', 'nope', 'a', 'b'])), ['c', 'a', 'b']);
        assert.deepEqual(ids(await store.get('memories', ['b'])), ['b']);
        assert.deepEqual(await store.get('memories', ['nope', 'also-nope']), []);
        assert.deepEqual(await store.get('memories', []), []);
      });
    });

    // 4 -----------------------------------------------------------------------------------------------
    describe('delete', () => {
      const setup = async (): Promise<RecordInput[]> => {
        const records = makeRecords(10, 8, 21, (i) => ({
          id: `d${i}`,
          text: `delete test uniq${i} shared`,
          payload: { group: i % 2 ? 'odd' : 'even', i },
        }));
        await store.ensureCollection('memories', { embedder: 'random', dim: 8 });
        await store.upsert('memories', records);
        return records;
      };

      const assertGone = async (records: readonly RecordInput[], gone: readonly string[]): Promise<void> => {
        const left = records.filter((r) => !gone.includes(r.id)).map((r) => r.id).sort();
        assert.equal(await store.count('memories'), left.length);
        assert.deepEqual(ids(await store.scroll('memories', { limit: 100 })), left);
        assert.deepEqual(sortedIds(await store.keyword('memories', 'shared', { limit: 100 })), left);
        for (const id of gone) {
          const rec = records.find((r) => r.id === id)!;
          assert.deepEqual(await store.get('memories', [id]), [], `${id} still in get`);
          const hits = await store.search('memories', rec.vector, { limit: 10 });
          assert.ok(!ids(hits).includes(id), `${id} still in search`);
          assert.ok((hits[0]?.score ?? 0) < 0.9999, `${id}'s vector still found`);
          assert.deepEqual(await store.keyword('memories', `uniq${rec.payload.i as number}`, { limit: 10 }), [], `${id} still in keyword`);
        }
      };

      it('delete by ids returns the number deleted and removes them everywhere', async () => {
        const records = await setup();
        assert.equal(await store.delete('memories', { ids: ['d1', 'd3', 'unknown'] }), 2);
        assert.equal(await store.delete('memories', { ids: ['unknown'] }), 0);
        assert.equal(await store.delete('memories', { ids: [] }), 0);
        assert.equal(await store.delete('memories', { ids: ['d1'] }), 0);
        assert.equal(await store.delete('memories', { ids: ['d5', 'd5'] }), 1);
        // a repeated id counts once, however long the list
        const long = ['d7', ...Array.from({ length: 600 }, (_, i) => `unknown${i}`), 'd7'];
        assert.equal(await store.delete('memories', { ids: long }), 1);
        await assertGone(records, ['d1', 'd3', 'd5', 'd7']);
      });

      it('delete by filter returns the number deleted and removes them everywhere', async () => {
        const records = await setup();
        assert.equal(await store.delete('memories', { filter: { group: 'even' } }), 5);
        assert.equal(await store.delete('memories', { filter: { group: 'even' } }), 0);
        assert.equal(await store.delete('memories', { filter: { i: { $gte: 7 } } }), 2);
        assert.equal(await store.delete('memories', { filter: { missing: 'x' } }), 0);
        await assertGone(records, ['d0', 'd2', 'd4', 'd6', 'd8', 'd7', 'd9']);
      });

      it('a deleted id can be inserted again', async () => {
        const records = await setup();
        assert.equal(await store.delete('memories', { ids: ['d9', 'd4'] }), 2);
        await store.upsert('memories', records.filter((r) => r.id === 'd9'));
        assert.equal(await store.count('memories'), 9);
        const [hit] = await store.search('memories', records[9]!.vector, { limit: 1 });
        assert.equal(hit?.id, 'd9');
        assert.deepEqual(ids(await store.keyword('memories', 'uniq9', { limit: 5 })), ['d9']);
        assert.deepEqual(ids(await store.keyword('memories', 'uniq4', { limit: 5 })), []);
      });
    });

    // 5 -----------------------------------------------------------------------------------------------
    describe('atomic batches', () => {
      const DIM = 8;
      const setup = async (): Promise<{ existing: RecordInput[]; batch: RecordInput[] }> => {
        await store.ensureCollection('memories', { embedder: 'random', dim: DIM });
        // x0..x2 and x7 already exist; the batch would update them and insert the rest
        const existing = makeRecords(4, DIM, 31, (i) => {
          const id = ['x0', 'x1', 'x2', 'x7'][i]!;
          return { id, text: `original ancient ${id}`, payload: { version: 1, id } };
        });
        await store.upsert('memories', [...existing, ...makeRecords(3, DIM, 32, (i) => ({ id: `other${i}` }))]);
        const batch = makeRecords(10, DIM, 33, (i) => ({ id: `x${i}`, text: `rewritten modern x${i}`, payload: { version: 2 } }));
        return { existing, batch };
      };

      const assertUntouched = async (existing: readonly RecordInput[], batch: readonly RecordInput[]): Promise<void> => {
        assert.equal(await store.count('memories'), 7);
        const got = await store.get('memories', batch.map((r) => r.id), { withVectors: true });
        assert.deepEqual(ids(got), ['x0', 'x1', 'x2', 'x7']);
        for (const rec of existing) {
          const stored = got.find((r) => r.id === rec.id)!;
          assert.equal(stored.text, rec.text);
          assert.deepEqual(stored.payload, rec.payload);
          assert.ok(sameBits(stored.vector, rec.vector), `vector of ${rec.id} changed`);
        }
        assert.deepEqual(await store.keyword('memories', 'rewritten modern', { limit: 20 }), []);
        assert.equal(await store.count('memories', { version: 2 }), 0);
        const first = batch[0]!;
        const [nearest] = await store.search('memories', first.vector, { limit: 1 });
        assert.ok(nearest && nearest.score < 0.9999, 'a vector of the failed batch was written');
      };

      it('a payload that cannot be serialised mid-batch leaves nothing half-written', async () => {
        const { existing, batch } = await setup();
        const circular: Record<string, unknown> = { name: 'loop' };
        circular.self = circular;
        const broken = batch.map((r, i) => (i === 5 ? { ...r, payload: circular } : r));
        await assert.rejects(store.upsert('memories', broken));
        await assertUntouched(existing, batch);
        const bigint = batch.map((r, i) => (i === 5 ? { ...r, payload: { n: 10n } } : r));
        await assert.rejects(store.upsert('memories', bigint));
        await assertUntouched(existing, batch);
      });

      it('a vector of the wrong dimension mid-batch leaves nothing half-written', async () => {
        const { existing, batch } = await setup();
        for (const vector of [new Float32Array(DIM - 1), new Float32Array(DIM + 1)]) {
          const broken = batch.map((r, i) => (i === 5 ? { ...r, vector: vector.fill(0.5) } : r));
          await rejectsWith(store.upsert('memories', broken), 'validation_error');
          await assertUntouched(existing, batch);
        }
      });

      it('a non-finite vector mid-batch leaves nothing half-written', async () => {
        const { existing, batch } = await setup();
        for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
          const vector = new Float32Array(batch[5]!.vector);
          vector[3] = bad;
          const broken = batch.map((r, i) => (i === 5 ? { ...r, vector } : r));
          await rejectsWith(store.upsert('memories', broken), 'validation_error');
          await assertUntouched(existing, batch);
        }
        // and the same batch, repaired, goes through whole
        await store.upsert('memories', batch);
        assert.equal(await store.count('memories'), 13);
        assert.equal(await store.count('memories', { version: 2 }), 10);
      });
    });

    // 6 -----------------------------------------------------------------------------------------------
    describe('collections', () => {
      it('ensureCollection is idempotent and reports the count', async () => {
        const first = await store.ensureCollection('memories', { embedder: 'hash-v1', dim: 4 });
        assert.deepEqual({ ...first, pending: undefined }, { name: 'memories', embedder: 'hash-v1', dim: 4, count: 0, pending: undefined });
        const again = await store.ensureCollection('memories', { embedder: 'hash-v1', dim: 4 });
        assert.equal(again.count, 0);
        await store.upsert('memories', makeRecords(3, 4, 1));
        const third = await store.ensureCollection('memories', { embedder: 'hash-v1', dim: 4 });
        assert.equal(third.count, 3);
        assert.equal(await store.count('memories'), 3);
      });

      it('ensureCollection with another embedder or dimension is embedder_mismatch naming calm reembed', async () => {
        await store.ensureCollection('memories', { embedder: 'hash-v1', dim: 4 });
        await store.upsert('memories', makeRecords(2, 4, 1));
        await rejectsWith(store.ensureCollection('memories', { embedder: 'onnx-minilm', dim: 4 }), 'embedder_mismatch', 'calm reembed');
        await rejectsWith(store.ensureCollection('memories', { embedder: 'hash-v1', dim: 8 }), 'embedder_mismatch', 'calm reembed');
        await rejectsWith(store.ensureCollection('memories', { embedder: 'other', dim: 384 }), 'embedder_mismatch', 'calm reembed');
        const info = await store.info('memories');
        assert.equal(info?.embedder, 'hash-v1');
        assert.equal(info.dim, 4);
        assert.equal(info.count, 2);
      });

      it('info and listCollections report embedder, dim and count; dropCollection removes', async () => {
        await store.ensureCollection('memories', { embedder: 'hash-v1', dim: 4 });
        await store.ensureCollection('values', { embedder: 'onnx-x', dim: 6 });
        await store.upsert('memories', makeRecords(3, 4, 1));
        await store.upsert('values', makeRecords(2, 6, 2));
        const pick = ({ name, embedder, dim, count }: { name: string; embedder: string; dim: number; count: number }) => ({ name, embedder, dim, count });
        assert.deepEqual(pick((await store.info('memories'))!), { name: 'memories', embedder: 'hash-v1', dim: 4, count: 3 });
        assert.equal((await store.info('memories'))?.pending, undefined);
        const listed = (await store.listCollections()).filter((c) => c.name === 'memories' || c.name === 'values').map(pick);
        listed.sort((a, b) => a.name.localeCompare(b.name));
        assert.deepEqual(listed, [
          { name: 'memories', embedder: 'hash-v1', dim: 4, count: 3 },
          { name: 'values', embedder: 'onnx-x', dim: 6, count: 2 },
        ]);
        assert.equal(await store.info('ghap_full'), null);

        assert.equal(await store.dropCollection('values'), true);
        assert.equal(await store.info('values'), null);
        assert.ok(!(await store.listCollections()).some((c) => c.name === 'values'));
        assert.equal(await store.dropCollection('values'), false);
        assert.equal(await store.count('memories'), 3, 'dropping one collection leaves the others');

        // re-created with another spec, it starts empty
        const fresh = await store.ensureCollection('values', { embedder: 'hash-v1', dim: 3 });
        assert.equal(fresh.count, 0);
        assert.equal(fresh.dim, 3);
        assert.deepEqual(await store.keyword('values', 'record', { limit: 10 }), []);
        await store.upsert('values', makeRecords(1, 3, 5));
        assert.equal(await store.count('values'), 1);
      });

      it('operations on a missing collection throw not_found', async () => {
        const v = new Float32Array([1, 0, 0, 0]);
        const calls: [string, () => Promise<unknown>][] = [
          ['upsert', () => store.upsert('ghap_full', [{ id: 'a', text: 't', payload: {}, vector: v }])],
          ['search', () => store.search('ghap_full', v, { limit: 1 })],
          ['keyword', () => store.keyword('ghap_full', 'word', { limit: 1 })],
          ['scroll', () => store.scroll('ghap_full', { limit: 1 })],
          ['count', () => store.count('ghap_full')],
          ['get', () => store.get('ghap_full', ['a'])],
          ['delete ids', () => store.delete('ghap_full', { ids: ['a'] })],
          ['delete filter', () => store.delete('ghap_full', { filter: { a: 1 } })],
          ['beginReembed', () => store.beginReembed('ghap_full', { embedder: 'x', dim: 4 })],
          ['pendingReembed', () => store.pendingReembed('ghap_full', 10)],
          ['writeReembed', () => store.writeReembed('ghap_full', [{ id: 'a', vector: v }])],
          ['commitReembed', () => store.commitReembed('ghap_full')],
          ['checkConsistency', () => store.checkConsistency('ghap_full')],
          ['repair', () => store.repair('ghap_full')],
        ];
        for (const [label, call] of calls) {
          await assert.rejects(call(), (e: unknown) => e instanceof CalmError && e.type === 'not_found', label);
        }
        assert.equal(await store.info('ghap_full'), null);
        assert.equal(await store.dropCollection('ghap_full'), false);
      });

      it('invalid collection names are validation_error', async () => {
        const v = new Float32Array([1, 0, 0, 0]);
        const names = ['', 'Memories', 'has-dash', 'has space', '1abc', '_x', 'a'.repeat(49), 'x"; DROP TABLE records; --', 'ünï', 'a/b'];
        for (const bad of names) {
          await rejectsWith(store.ensureCollection(bad, { embedder: 'hash-v1', dim: 4 }), 'validation_error');
          await rejectsWith(store.info(bad), 'validation_error');
          await rejectsWith(store.dropCollection(bad), 'validation_error');
          await rejectsWith(store.upsert(bad, [{ id: 'a', text: 't', payload: {}, vector: v }]), 'validation_error');
          await rejectsWith(store.search(bad, v, { limit: 1 }), 'validation_error');
          await rejectsWith(store.count(bad), 'validation_error');
        }
        assert.equal((await store.ensureCollection('a'.repeat(48), { embedder: 'hash-v1', dim: 4 })).count, 0);
      });

      it('invalid dimensions and vector dimension mismatches are validation_error', async () => {
        for (const dim of [0, -1, 1.5]) {
          await rejectsWith(store.ensureCollection('memories', { embedder: 'hash-v1', dim }), 'validation_error');
        }
        assert.equal(await store.info('memories'), null);
        await store.ensureCollection('memories', { embedder: 'hash-v1', dim: 4 });
        const wrong = new Float32Array([0.5, 0.5, 0.5, 0.5, 0]);
        await rejectsWith(store.upsert('memories', [{ id: 'a', text: 't', payload: {}, vector: wrong }]), 'validation_error');
        await rejectsWith(store.upsert('memories', [{ id: 'a', text: 't', payload: {}, vector: new Float32Array(3) }]), 'validation_error');
        await rejectsWith(store.search('memories', wrong, { limit: 1 }), 'validation_error');
        await rejectsWith(store.search('memories', wrong, { limit: 1, filter: { a: 1 } }), 'validation_error');
        assert.equal(await store.count('memories'), 0);
      });
    });

    // 7 -----------------------------------------------------------------------------------------------
    describe('keyword', () => {
      const corpus = (): RecordInput[] => {
        const texts: [string, string, Record<string, unknown>][] = [
          ['k-three', 'ocelot tapir quokka', { kind: 'a' }],
          ['k-one', 'ocelot lemur gibbon', { kind: 'b' }],
          ['k-two', 'ocelot tapir dingo', { kind: 'a' }],
          ['k-upper', 'Marmoset OCELOT Capybara', { kind: 'b' }],
        ];
        const fillers = Array.from({ length: 12 }, (_, i) => [`k-fill${i}`, `plain filler sentence number ${i}`, { kind: 'c' }] as const);
        const rand = prng(77);
        return [...texts, ...fillers].map(([id, text, payload]) => ({ id, text, payload: { ...payload }, vector: randomUnit(rand, 4) }));
      };

      it('keyword finds records by their words, case-insensitively', async () => {
        await store.ensureCollection('memories', { embedder: 'random', dim: 4 });
        await store.upsert('memories', corpus());
        assert.deepEqual(sortedIds(await store.keyword('memories', 'ocelot', { limit: 10 })), ['k-one', 'k-three', 'k-two', 'k-upper']);
        assert.deepEqual(ids(await store.keyword('memories', 'CAPYBARA', { limit: 10 })), ['k-upper']);
        assert.deepEqual(ids(await store.keyword('memories', 'marmoset', { limit: 10 })), ['k-upper']);
        assert.deepEqual(ids(await store.keyword('memories', 'Quokka', { limit: 10 })), ['k-three']);
        assert.deepEqual(await store.keyword('memories', 'aardvark', { limit: 10 }), []);
        const hits = await store.keyword('memories', 'ocelot tapir', { limit: 10 });
        for (const h of hits) assert.ok(h.score >= 0 && h.score < 1, `score ${h.score} outside [0, 1)`);
        for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1]!.score >= hits[i]!.score, 'scores are not descending');
      });

      it('keyword ranks a record with more matching terms above one with fewer', async () => {
        await store.ensureCollection('memories', { embedder: 'random', dim: 4 });
        await store.upsert('memories', corpus());
        const hits = ids(await store.keyword('memories', 'ocelot tapir quokka', { limit: 10 }));
        assert.equal(hits[0], 'k-three');
        assert.equal(hits[1], 'k-two');
        assert.deepEqual(hits.slice(2).sort(), ['k-one', 'k-upper']);
        const [best] = await store.keyword('memories', 'dingo tapir', { limit: 10 });
        assert.equal(best?.id, 'k-two');
      });

      it('keyword respects filters and limit', async () => {
        await store.ensureCollection('memories', { embedder: 'random', dim: 4 });
        await store.upsert('memories', corpus());
        assert.deepEqual(sortedIds(await store.keyword('memories', 'ocelot', { limit: 10, filter: { kind: 'a' } })), ['k-three', 'k-two']);
        assert.deepEqual(ids(await store.keyword('memories', 'ocelot tapir quokka', { limit: 1, filter: { kind: 'a' } })), ['k-three']);
        assert.deepEqual(await store.keyword('memories', 'ocelot', { limit: 10, filter: { kind: 'c' } }), []);
        assert.equal((await store.keyword('memories', 'ocelot', { limit: 2 })).length, 2);
        assert.equal((await store.keyword('memories', 'filler', { limit: 5 })).length, 5);
        assert.equal((await store.keyword('memories', 'filler', { limit: 100 })).length, 12);
      });

      it('blank or punctuation-only keyword queries return nothing', async () => {
        await store.ensureCollection('memories', { embedder: 'random', dim: 4 });
        await store.upsert('memories', corpus());
        for (const q of ['', '   ', '\n\t', '!!! ... ---', '"', '()', '* * *']) {
          assert.deepEqual(await store.keyword('memories', q, { limit: 10 }), [], JSON.stringify(q));
        }
      });

      it('query-syntax characters in keyword queries do not throw', async () => {
        await store.ensureCollection('memories', { embedder: 'random', dim: 4 });
        await store.upsert('memories', corpus());
        const queries = ['"ocelot', 'ocelot"', '"ocelot tapir"', 'ocel*', 'ocelot AND', 'AND OR NOT', 'NEAR(ocelot', 'NEAR(ocelot tapir, 2)',
          '-ocelot', 'ocelot -tapir', 'text:ocelot', '^ocelot', '{ocelot}', "ocelot's", 'ocelot;DROP TABLE records', '+ocelot', '\\ocelot'];
        for (const q of queries) {
          const hits = await store.keyword('memories', q, { limit: 10 });
          assert.ok(Array.isArray(hits), q);
        }
        // the words around the syntax still count
        assert.ok(ids(await store.keyword('memories', '"ocelot', { limit: 10 })).includes('k-three'));
        assert.ok(ids(await store.keyword('memories', 'NEAR(quokka', { limit: 10 })).includes('k-three'));
        assert.ok(ids(await store.keyword('memories', '-quokka', { limit: 10 })).includes('k-three'));
      });

      it('keyword search covers every record, including the last of 3000', async () => {
        await store.ensureCollection('memories', { embedder: 'random', dim: 4 });
        const records = makeRecords(3000, 4, 88, (i) => ({
          text: i === 2999 ? 'common filler text with the rare word zyzzogeton' : `common filler text number ${i}`,
        }));
        await upsertInBatches(store, 'memories', records);
        assert.deepEqual(ids(await store.keyword('memories', 'zyzzogeton', { limit: 10 })), ['r02999']);
        assert.deepEqual(ids(await store.keyword('memories', 'zyzzogeton common', { limit: 1 })), ['r02999']);
        assert.equal((await store.keyword('memories', 'common', { limit: 3000 })).length, 3000);
      });
    });

    // 8 -----------------------------------------------------------------------------------------------
    describe('scroll', () => {
      const N = 25;
      const setup = async (): Promise<RecordInput[]> => {
        const rand = prng(61);
        const order = Array.from({ length: N }, (_, i) => i);
        for (let i = N - 1; i > 0; i--) {
          const j = Math.floor(rand() * (i + 1));
          [order[i], order[j]] = [order[j]!, order[i]!];
        }
        const records = makeRecords(N, 4, 62, (i) => {
          const p = order[i]!;
          return {
            id: `s${pad(i, 2)}`,
            payload: {
              rank: (p - 12) * 1.5 + (p % 3 === 0 ? 0.25 : 0),
              tie: Math.floor(p / 5),
              at: new Date(Date.UTC(2024, 0, 1) + p * 37 * 3_600_000).toISOString(),
              group: i % 3,
            },
          };
        });
        await store.ensureCollection('memories', { embedder: 'random', dim: 4 });
        await store.upsert('memories', records);
        return records;
      };

      const pages = async (options: { limit: number; orderBy?: { key: string; direction?: 'asc' | 'desc' }; filter?: Filter }): Promise<StoredRecord[]> => {
        const all: StoredRecord[] = [];
        for (let offset = 0; ; offset += options.limit) {
          const page = await store.scroll('memories', { ...options, offset });
          assert.ok(page.length <= options.limit);
          all.push(...page);
          if (page.length < options.limit) break;
        }
        return all;
      };

      it('scroll pagination visits every record exactly once', async () => {
        const records = await setup();
        const all = await pages({ limit: 7 });
        assert.deepEqual(ids(all), records.map((r) => r.id).sort(), 'default order is by id');
        assert.deepEqual(await store.scroll('memories', { limit: 7, offset: 25 }), []);
        assert.equal((await store.scroll('memories', { limit: 7, offset: 21 })).length, 4);
        assert.deepEqual(ids(await pages({ limit: 1 })), ids(all));
        assert.deepEqual(ids(await store.scroll('memories', { limit: 100 })), ids(all));
      });

      it('scroll orders by a numeric payload key, ascending and descending', async () => {
        const records = await setup();
        const byRank = [...records].sort((a, b) => (a.payload.rank as number) - (b.payload.rank as number)).map((r) => r.id);
        assert.deepEqual(ids(await store.scroll('memories', { limit: 100, orderBy: { key: 'rank' } })), byRank);
        assert.deepEqual(ids(await store.scroll('memories', { limit: 100, orderBy: { key: 'rank', direction: 'asc' } })), byRank);
        assert.deepEqual(ids(await store.scroll('memories', { limit: 100, orderBy: { key: 'rank', direction: 'desc' } })), [...byRank].reverse());
        assert.deepEqual(ids(await pages({ limit: 4, orderBy: { key: 'rank', direction: 'desc' } })), [...byRank].reverse());
        // with ties, pages still visit every record once, in key order
        for (const direction of ['asc', 'desc'] as const) {
          const tied = await pages({ limit: 3, orderBy: { key: 'tie', direction } });
          assert.deepEqual(sortedIds(tied), records.map((r) => r.id).sort());
          const keys = tied.map((r) => r.payload.tie as number);
          for (let i = 1; i < keys.length; i++) assert.ok(direction === 'asc' ? keys[i - 1]! <= keys[i]! : keys[i - 1]! >= keys[i]!);
        }
      });

      it('scroll orders by an ISO timestamp key descending', async () => {
        const records = await setup();
        const newestFirst = [...records].sort((a, b) => Date.parse(b.payload.at as string) - Date.parse(a.payload.at as string)).map((r) => r.id);
        assert.deepEqual(ids(await store.scroll('memories', { limit: 100, orderBy: { key: 'at', direction: 'desc' } })), newestFirst);
        assert.deepEqual(ids(await store.scroll('memories', { limit: 5, orderBy: { key: 'at', direction: 'desc' } })), newestFirst.slice(0, 5));
      });

      it('scroll applies the filter, with ordering and pagination', async () => {
        const records = await setup();
        const group1 = records.filter((r) => r.payload.group === 1);
        assert.deepEqual(ids(await pages({ limit: 3, filter: { group: 1 } })), group1.map((r) => r.id).sort());
        const byRank = [...group1].sort((a, b) => (a.payload.rank as number) - (b.payload.rank as number)).map((r) => r.id);
        assert.deepEqual(ids(await pages({ limit: 2, filter: { group: 1 }, orderBy: { key: 'rank' } })), byRank);
        assert.deepEqual(await store.scroll('memories', { limit: 10, filter: { group: 7 } }), []);
      });

      /** Every page continues after the last record of the one before (keyset paging). */
      const keysetPages = async (
        options: { limit: number; orderBy?: { key: string; direction?: 'asc' | 'desc' }; filter?: Filter },
        between?: (page: number) => Promise<void>,
      ): Promise<StoredRecord[]> => {
        const all: StoredRecord[] = [];
        for (let page = 0; ; page++) {
          const last = all[all.length - 1];
          const key = options.orderBy && last ? (last.payload[options.orderBy.key] as string | number | undefined) ?? null : undefined;
          const got = await store.scroll('memories', { ...options, after: last ? { key, id: last.id } : undefined });
          assert.ok(got.length <= options.limit);
          all.push(...got);
          if (got.length < options.limit) break;
          await between?.(page);
        }
        return all;
      };

      it('scroll continues after a position: the same records as one page, with ties, missing keys and filters', async () => {
        const records = await setup();
        // two records without the sort key: they sort first ascending and last descending
        await store.upsert('memories', [
          { id: 'nokey-a', text: 'no key a', payload: { group: 1 }, vector: records[0]!.vector },
          { id: 'nokey-b', text: 'no key b', payload: { group: 1 }, vector: records[1]!.vector },
        ]);
        for (const orderBy of [undefined, { key: 'tie' }, { key: 'tie', direction: 'desc' as const }, { key: 'at', direction: 'desc' as const }, { key: 'rank' }]) {
          const whole = ids(await store.scroll('memories', { limit: 100, orderBy }));
          for (const limit of [1, 3, 7]) {
            assert.deepEqual(ids(await keysetPages({ limit, orderBy })), whole, `${JSON.stringify(orderBy)} in pages of ${limit}`);
          }
          const filtered = ids(await store.scroll('memories', { limit: 100, orderBy, filter: { group: 1 } }));
          assert.deepEqual(ids(await keysetPages({ limit: 2, orderBy, filter: { group: 1 } })), filtered, `${JSON.stringify(orderBy)} filtered`);
        }
      });

      it('keyset pages neither skip nor repeat a record while records are added in front of the cursor', async () => {
        const records = await setup();
        const before = new Set(records.map((r) => r.id));
        let added = 0;
        const seen = await keysetPages({ limit: 4, orderBy: { key: 'at', direction: 'desc' } }, async () => {
          // newer than everything: they land before the position already passed
          added += 1;
          await store.upsert('memories', [{ id: `new${added}`, text: 'new', payload: { at: new Date(Date.UTC(2030, 0, added)).toISOString() }, vector: records[0]!.vector }]);
        });
        assert.equal(new Set(ids(seen)).size, seen.length, 'no record twice');
        assert.deepEqual(ids(seen).filter((id) => before.has(id)).sort(), [...before].sort(), 'every record that was there');
        assert.ok(added > 0);
      });

      it('scroll refuses an offset together with a position', async () => {
        await setup();
        await rejectsWith(store.scroll('memories', { limit: 5, offset: 2, after: { id: 's01' } }), 'validation_error');
      });

      it('scroll rejects a bad orderBy key and a negative offset', async () => {
        await setup();
        await rejectsWith(store.scroll('memories', { limit: 5, orderBy: { key: 'bad-key' } }), 'validation_error');
        await rejectsWith(store.scroll('memories', { limit: 5, orderBy: { key: "x') --" } }), 'validation_error');
        await rejectsWith(store.scroll('memories', { limit: 5, offset: -1 }), 'validation_error');
      });
    });

    // 9 -----------------------------------------------------------------------------------------------
    describe('re-embedding', () => {
      const OLD = { embedder: 'first', dim: 4 };
      const NEW = { embedder: 'other', dim: 8 };
      const setup = async (): Promise<RecordInput[]> => {
        const records = makeRecords(25, OLD.dim, 71, (i) => ({ text: `reembed record ${i}`, payload: { i } }));
        await store.ensureCollection('memories', OLD);
        await store.upsert('memories', records);
        return records;
      };
      /** The "new embedder": a fixed random 8-d vector per id, remembered so searches can be checked. */
      const newEmbedder = () => {
        const rand = prng(72);
        const vectors = new Map<string, Float32Array>();
        const vectorFor = (id: string): Float32Array => {
          let v = vectors.get(id);
          if (!v) vectors.set(id, (v = randomUnit(rand, NEW.dim)));
          return v;
        };
        const writeBatch = async (s: RecordStore, batch: readonly StoredRecord[]): Promise<void> =>
          s.writeReembed('memories', batch.map((r) => ({ id: r.id, vector: vectorFor(r.id) })));
        return { rand, vectors, vectorFor, writeBatch };
      };

      it('re-embedding moves a collection to another embedder and swaps at commit', async () => {
        const { rand, vectors: newVectors, vectorFor, writeBatch } = newEmbedder();
        const records = await setup();
        assert.deepEqual(await store.beginReembed('memories', NEW), { done: 0, total: 25 });
        let info = await store.info('memories');
        assert.equal(info?.embedder, OLD.embedder);
        assert.equal(info.dim, OLD.dim);
        assert.deepEqual(info.pending, { ...NEW, done: 0 });

        const seen: string[] = [];
        const first = await store.pendingReembed('memories', 10);
        assert.equal(first.length, 10);
        seen.push(...ids(first));
        await writeBatch(store, first);
        assert.deepEqual((await store.info('memories'))?.pending, { ...NEW, done: 10 });
        await rejectsWith(store.writeReembed('memories', [{ id: first[0]!.id, vector: new Float32Array(OLD.dim) }]), 'validation_error');
        const nan = new Float32Array(NEW.dim).fill(0.5);
        nan[2] = Number.NaN;
        await rejectsWith(store.writeReembed('memories', [{ id: first[0]!.id, vector: nan }]), 'validation_error');
        assert.deepEqual((await store.info('memories'))?.pending, { ...NEW, done: 10 });

        // incomplete: commit refuses, and the live index is untouched
        await assert.rejects(store.commitReembed('memories'), (e: unknown) => e instanceof CalmError);
        assert.equal((await store.info('memories'))?.embedder, OLD.embedder);
        const [live] = await store.search('memories', records[3]!.vector, { limit: 1 });
        assert.equal(live?.id, records[3]!.id);
        await rejectsWith(store.search('memories', vectorFor('r00000'), { limit: 1 }), 'validation_error');

        for (;;) {
          const batch = await store.pendingReembed('memories', 10);
          assert.ok(batch.length <= 10);
          if (batch.length === 0) break;
          for (const r of batch) assert.ok(!seen.includes(r.id), `${r.id} handed out twice`);
          seen.push(...ids(batch));
          await writeBatch(store, batch);
        }
        assert.deepEqual(seen.sort(), records.map((r) => r.id).sort());
        assert.deepEqual((await store.info('memories'))?.pending, { ...NEW, done: 25 });

        // records written meanwhile need their vector (re)computed: a changed one and a new one
        await store.upsert('memories', [
          { id: 'r00004', text: 'reembed record four, rewritten', payload: { i: 4 }, vector: records[4]!.vector },
          { id: 'late', text: 'reembed record that came late', payload: { i: 99 }, vector: randomUnit(rand, OLD.dim) },
        ]);
        // a vector computed from the text a record had before it was rewritten is refused
        await store.writeReembed('memories', [{ id: 'r00004', vector: randomUnit(rand, NEW.dim), text: 'reembed record 4' }]);
        const again = await store.pendingReembed('memories', 10);
        assert.deepEqual(sortedIds(again), ['late', 'r00004']);
        assert.equal(again.find((r) => r.id === 'r00004')?.text, 'reembed record four, rewritten');
        newVectors.delete('r00004');
        await writeBatch(store, again);
        assert.deepEqual(await store.pendingReembed('memories', 10), []);

        info = await store.commitReembed('memories');
        assert.equal(info.embedder, NEW.embedder);
        assert.equal(info.dim, NEW.dim);
        assert.equal(info.count, 26);
        assert.equal(info.pending, undefined);
        assert.equal((await store.info('memories'))?.pending, undefined);

        for (const id of ['r00000', 'r00004', 'r00017', 'late']) {
          const [hit] = await store.search('memories', vectorFor(id), { limit: 1 });
          assert.equal(hit?.id, id);
          assert.ok(Math.abs(hit.score - 1) < 1e-4);
        }
        const query = randomUnit(rand, NEW.dim);
        const pool = [...newVectors].map(([id, vector]) => ({ id, text: '', payload: {}, vector }));
        assertRanking(await store.search('memories', query, { limit: 5 }), query, pool, 5, 'after commit');
        await rejectsWith(store.search('memories', records[0]!.vector, { limit: 1 }), 'validation_error');
        await rejectsWith(store.ensureCollection('memories', OLD), 'embedder_mismatch', 'calm reembed');
        assert.equal((await store.ensureCollection('memories', NEW)).count, 26);
        await rejectsWith(store.upsert('memories', [{ id: 'n', text: 't', payload: {}, vector: new Float32Array(OLD.dim) }]), 'validation_error');
        await store.upsert('memories', [{ id: 'n', text: 'brand new', payload: {}, vector: randomUnit(rand, NEW.dim) }]);
        assert.deepEqual(ids(await store.keyword('memories', 'rewritten', { limit: 5 })), ['r00004']);
        const report = await store.checkConsistency('memories');
        assert.deepEqual(report, { missingVectors: [], orphanVectors: 0, keywordIndexMismatch: 0, nearDuplicateIndexMismatch: 0 });
      });

      it('re-embedding resumes in a restarted process', async (t) => {
        if (!opened.reopen) {
          t.skip('this backend cannot open a second store on the same data');
          return;
        }
        const { vectorFor, writeBatch } = newEmbedder();
        const records = await setup();
        await store.beginReembed('memories', NEW);
        const half = await store.pendingReembed('memories', 12);
        assert.equal(half.length, 12);
        await writeBatch(store, half);

        const restarted = await opened.reopen();
        assert.deepEqual(await restarted.beginReembed('memories', NEW), { done: 12, total: 25 });
        assert.deepEqual((await restarted.info('memories'))?.pending, { ...NEW, done: 12 });
        const rest = await restarted.pendingReembed('memories', 100);
        const expected = records.map((r) => r.id).filter((id) => !ids(half).includes(id));
        assert.deepEqual(sortedIds(rest), expected);
        await writeBatch(restarted, rest);
        assert.deepEqual(await restarted.pendingReembed('memories', 100), []);
        const info = await restarted.commitReembed('memories');
        assert.equal(info.embedder, NEW.embedder);
        assert.equal(info.count, 25);
        const [hit] = await store.search('memories', vectorFor(records[20]!.id), { limit: 1 });
        assert.equal(hit?.id, records[20]!.id, 'the first store sees the committed swap');
      });
    });

    // 10 ----------------------------------------------------------------------------------------------
    describe('consistency', () => {
      it('checkConsistency on a healthy collection reports nothing missing', async () => {
        await store.ensureCollection('memories', { embedder: 'random', dim: 4 });
        const clean = { missingVectors: [], orphanVectors: 0, keywordIndexMismatch: 0, nearDuplicateIndexMismatch: 0 };
        assert.deepEqual(await store.checkConsistency('memories'), clean);
        const records = makeRecords(40, 4, 91);
        await store.upsert('memories', records);
        await store.upsert('memories', makeRecords(10, 4, 92, (i) => ({ text: `updated ${i}` })));
        await store.delete('memories', { ids: ['r00003', 'r00030'] });
        await store.delete('memories', { filter: { i: { $gte: 35 } } });
        assert.deepEqual(await store.checkConsistency('memories'), clean);
        const repaired = await store.repair('memories');
        assert.equal(repaired.orphanVectorsRemoved, 0);
        assert.deepEqual(await store.checkConsistency('memories'), clean);
        assert.equal(await store.count('memories'), 33);
        assert.equal((await store.keyword('memories', 'updated', { limit: 100 })).length, 9);
      });
    });

    for (const title of Object.keys(skip)) {
      assert.ok(titles.has(title), `skip names an unknown contract test: '${title}'`);
    }
  });
}
