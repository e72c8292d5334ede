/**
 * The Qdrant RecordStore: the shared contract, unchanged, against the in-repo fake Qdrant server, and
 * against a real server when CALM_TEST_QDRANT_URL (alias QDRANT_URL) is set, with
 * CALM_TEST_QDRANT_API_KEY (alias QDRANT_API_KEY) if it needs one; skipped, saying so, otherwise. A real
 * server must not hold collections the contract uses (memories, values, ghap_full, …): the suite refuses
 * to start rather than touch them. Then a few checks beneath the interface on the fake (ids, payload
 * layout, the shadow collection, upsertWith's put-back, an unreachable server).
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { QdrantClient } from '@qdrant/js-client-rest';
import { CalmError } from '../../../src/errors.js';
import { pointId, uuidv5 } from '../../../src/store/records/qdrant/ids.js';
import { QdrantRecordStore } from '../../../src/store/records/qdrant/index.js';
import { type FakeQdrant, startFakeQdrant } from '../../fakes/qdrant-server.js';
import { assertThrowaway, dropCollections, REAL_QDRANT_API_KEY, REAL_QDRANT_SKIP, REAL_QDRANT_URL } from '../../helpers/real-qdrant.js';
import { type OpenedStore, prng, randomUnit, recordStoreContract } from './contract.js';

/** Every collection the contract (and this file) may create; a real server is cleaned of exactly these. */
const TOUCHED = ['memories', 'values', 'ghap_full', 'a'.repeat(48)].flatMap((n) => [n, `${n}__reembed`]);

let fake: FakeQdrant;
let url: string;

before(async () => {
  fake = await startFakeQdrant();
  url = fake.url;
});
after(async () => {
  await fake?.stop();
});

async function wipe(): Promise<void> {
  fake.collections.clear();
  fake.snapshots.clear();
}

const connect = (): QdrantRecordStore => new QdrantRecordStore({ url });

async function openFresh(): Promise<OpenedStore> {
  await wipe();
  return { store: connect(), reopen: async () => connect(), cleanup: wipe };
}

recordStoreContract('qdrant (fake server)', openFresh);

describe(`against a real Qdrant${REAL_QDRANT_URL ? ` (${REAL_QDRANT_URL})` : ''}`, { skip: REAL_QDRANT_SKIP }, () => {
  const real = (): QdrantRecordStore => new QdrantRecordStore({ url: REAL_QDRANT_URL!, ...(REAL_QDRANT_API_KEY ? { apiKey: REAL_QDRANT_API_KEY } : {}) });
  const clean = (): Promise<void> => dropCollections(TOUCHED);
  before(() => assertThrowaway(TOUCHED));
  after(clean);
  recordStoreContract(`qdrant (${REAL_QDRANT_URL ?? 'real server'})`, async () => {
    await clean();
    return { store: real(), reopen: async () => real(), cleanup: clean };
  });
});

describe('qdrant store internals (fake server)', () => {
  let store: QdrantRecordStore;
  const DIM = 4;
  const rec = (id: string, text = `text of ${id}`, payload: Record<string, unknown> = { id }) => ({ id, text, payload, vector: randomUnit(prng(id.length + 7), DIM) });

  beforeEach(async () => {
    await wipe();
    store = connect();
    await store.ensureCollection('memories', { embedder: 'random', dim: DIM });
  });
  afterEach(wipe);

  test('ids: uuid5 with CALM namespace (NAMESPACE_DNS), UUIDs kept as they are', () => {
    // Python: uuid.uuid5(uuid.NAMESPACE_DNS, 'python.org')
    assert.equal(uuidv5('python.org'), '886313e1-3b8a-5372-9b90-0c9aee199e5d');
    assert.equal(pointId('python.org'), '886313e1-3b8a-5372-9b90-0c9aee199e5d');
    assert.equal(pointId('0A1B2C3D-0000-4000-8000-000000000001'), '0a1b2c3d-0000-4000-8000-000000000001');
    // CALM's code unit ids are 32 hex digits, which Python's uuid.UUID() parses
    assert.equal(pointId('0123456789abcdef0123456789abcdef'), '01234567-89ab-cdef-0123-456789abcdef');
  });

  test("points carry CALM's payload plus hidden keys, which readers never see", async () => {
    await store.upsert('memories', [rec('mem-1', 'hello hidden world', { content: 'hello hidden world', category: 'fact' })]);
    const point = fake!.collections.get('memories')!.points.get(`u:${pointId('mem-1')}`)!;
    assert.equal(point.payload._original_id, 'mem-1');
    assert.equal(point.payload._text, 'hello hidden world');
    assert.equal(typeof point.payload._vector, 'string');
    assert.equal(point.payload.category, 'fact');
    const [got] = await store.get('memories', ['mem-1']);
    assert.deepEqual(got?.payload, { content: 'hello hidden world', category: 'fact' });
    await assert.rejects(store.upsert('memories', [rec('x', 't', { _text: 'sneaky' })]), (e: unknown) => e instanceof CalmError && e.type === 'validation_error');
  });

  test('collections record embedder and dimension in Qdrant metadata, with payload indexes and cosine distance', async () => {
    const c = fake!.collections.get('memories')!;
    assert.deepEqual(c.metadata, { calm: { format: 1, embedder: 'random', dim: DIM } });
    assert.equal(c.distance, 'Cosine');
    assert.equal(c.payloadSchema._text?.data_type, 'text');
    assert.equal(c.payloadSchema.category?.data_type, 'keyword');
    assert.equal(c.payloadSchema.importance?.data_type, 'float');
  });

  test('a collection calm did not create (CALM left it) is refused, never written or dropped', async () => {
    const client = new QdrantClient({ url, checkCompatibility: false });
    await client.createCollection('values', { vectors: { size: DIM, distance: 'Cosine' } });
    await assert.rejects(store.ensureCollection('values', { embedder: 'random', dim: DIM }), /did not create.*import-calm/);
    assert.equal(await store.info('values'), null);
    assert.equal(await store.dropCollection('values'), false);
    assert.ok(fake!.collections.has('values'));
    assert.ok(!(await store.listCollections()).some((c) => c.name === 'values'));
  });

  test('keyword search reads only records holding a query word (full-text index), not the collection', async () => {
    await store.upsert('memories', Array.from({ length: 50 }, (_, i) => rec(`k${i}`, i === 7 ? 'the needle word' : `filler ${i}`)));
    fake!.requests.length = 0;
    const hits = await store.keyword('memories', 'needle', { limit: 5 });
    assert.deepEqual(hits.map((h) => h.id), ['k7']);
    const scrolls = fake!.requests.filter((r) => r.path.endsWith('/points/scroll'));
    assert.equal(scrolls.length, 1);
    assert.deepEqual((scrolls[0]!.body as { filter: unknown }).filter, { must: [{ should: [{ key: '_text', match: { text: 'needle' } }] }] });
  });

  test('upsertWith: alongside throwing puts the previous points back and removes the new ones', async () => {
    await store.ensureCollection('ghap_full', { embedder: 'random', dim: DIM });
    await store.upsert('memories', [rec('old', 'original text')]);
    const [before] = await store.get('memories', ['old'], { withVectors: true });
    await assert.rejects(
      store.upsertWith([{ collection: 'memories', records: [rec('old', 'rewritten'), rec('new')] }, { collection: 'ghap_full', records: [rec('g')] }], () => {
        throw new Error('conflict');
      }),
      /conflict/,
    );
    const [after] = await store.get('memories', ['old'], { withVectors: true });
    assert.equal(after?.text, 'original text');
    assert.deepEqual(after?.vector, before?.vector);
    assert.equal(after?.createdAt, before?.createdAt);
    assert.equal(await store.count('memories'), 1);
    assert.equal(await store.count('ghap_full'), 0);
    await assert.rejects(store.upsertWith([{ collection: 'memories', records: [rec('p')] }], async () => 1), /promise/);
    assert.equal(await store.count('memories'), 1);
    assert.equal(await store.upsertWith([{ collection: 'memories', records: [rec('q')] }], () => 'ok'), 'ok');
    assert.equal(await store.count('memories'), 2);
  });

  test('re-embedding builds a shadow collection, hidden from listings, copied over at commit', async () => {
    await store.upsert('memories', [rec('a'), rec('b')]);
    await store.beginReembed('memories', { embedder: 'wide', dim: 6 });
    assert.ok(fake!.collections.has('memories__reembed'));
    assert.deepEqual((await store.listCollections()).map((c) => c.name), ['memories']);
    const batch = await store.pendingReembed('memories', 10);
    await store.writeReembed('memories', batch.map((r) => ({ id: r.id, vector: randomUnit(prng(3), 6) })));
    await store.commitReembed('memories');
    assert.ok(!fake!.collections.has('memories__reembed'));
    assert.equal(fake!.collections.get('memories')!.size, 6);
    assert.deepEqual(fake!.collections.get('memories')!.metadata, { calm: { format: 1, embedder: 'wide', dim: 6 } });
  });

  test('a commit interrupted after the old collection was dropped is finished by the next reader', async () => {
    await store.upsert('memories', [rec('a'), rec('b'), rec('c')]);
    await store.beginReembed('memories', { embedder: 'wide', dim: 6 });
    const batch = await store.pendingReembed('memories', 10);
    await store.writeReembed('memories', batch.map((r) => ({ id: r.id, vector: randomUnit(prng(4), 6) })));
    // the crash: the first two steps of commitReembed ran, then the process died
    fake!.faults.push((r) => (r.method === 'PUT' && r.path === '/collections/memories' ? { status: 500, error: 'Service internal error: crash' } : undefined));
    await assert.rejects(store.commitReembed('memories'));
    fake!.faults.length = 0;
    assert.ok(!fake!.collections.has('memories'), 'the old collection is gone');
    const restarted = connect();
    const info = await restarted.info('memories');
    assert.deepEqual({ ...info, pending: info?.pending }, { name: 'memories', embedder: 'wide', dim: 6, count: 3, pending: undefined });
    assert.ok(!fake!.collections.has('memories__reembed'));
    assert.equal((await restarted.get('memories', ['a', 'b', 'c'])).length, 3);
  });

  test('an unreachable server is not_available, naming the URL', async () => {
    const down = new QdrantRecordStore({ url: 'http://127.0.0.1:9' });
    await assert.rejects(down.count('memories'), (e: unknown) => e instanceof CalmError && e.type === 'not_available' && e.message.includes('127.0.0.1:9'));
  });

  test('an API key is sent when configured; a wrong one is a config_error', async () => {
    const locked = await startFakeQdrant({ apiKey: 'sekret' });
    try {
      const ok = new QdrantRecordStore({ url: locked.url, apiKey: 'sekret' });
      await ok.ensureCollection('memories', { embedder: 'random', dim: DIM });
      const wrong = new QdrantRecordStore({ url: locked.url, apiKey: 'nope' });
      await assert.rejects(wrong.info('memories'), (e: unknown) => e instanceof CalmError && e.type === 'config_error' && /CALM_QDRANT_API_KEY/.test(e.message));
    } finally {
      await locked.stop();
    }
  });
});
