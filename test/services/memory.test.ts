import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { App } from '../../src/app.js';
import type { Embedder } from '../../src/embedding/embedder.js';
import { HashEmbedder } from '../../src/embedding/hash.js';
import { CollectionGuard } from '../../src/services/collection-guard.js';
import { MemoryService } from '../../src/services/memory.js';
import { reciprocalRankFusion, SearchEngine } from '../../src/services/search.js';
import type { ScoredRecord } from '../../src/store/records/record-store.js';
import { tempHome, type TempHome } from '../helpers/home.js';

class CountingEmbedder extends HashEmbedder {
  calls = 0;
  override async embed(texts: readonly string[]): Promise<Float32Array[]> {
    this.calls += 1;
    return super.embed(texts);
  }
}

const rec = (id: string): ScoredRecord => ({ id, text: id, payload: {}, createdAt: '', updatedAt: '', score: 0 });

describe('memory service and search engine', () => {
  let t: TempHome;
  let app: App;
  let embedder: CountingEmbedder;
  let memory: MemoryService;
  beforeEach(() => {
    t = tempHome();
    app = t.app();
    embedder = new CountingEmbedder();
    const get = async (): Promise<Embedder> => embedder;
    const guard = new CollectionGuard(app.records, get);
    memory = new MemoryService(app.records, get, guard, new SearchEngine(app.records, get, guard), 10_000);
  });
  afterEach(async () => {
    await app.close();
    t.cleanup();
  });

  test('list is newest first across pages, not just inside one page', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      ids.push((await memory.store({ content: `memory ${i}`, category: i % 2 ? 'fact' : 'event' })).id);
      await new Promise((r) => setTimeout(r, 2)); // distinct created_at milliseconds
    }
    const seen: string[] = [];
    for (let offset = 0; offset < 25; offset += 10) {
      const page = await memory.list({ limit: 10, offset });
      assert.equal(page.total, 25);
      seen.push(...page.results.map((r) => r.id));
    }
    assert.deepEqual(seen, [...ids].reverse());
    const facts = await memory.list({ category: 'fact', limit: 200 });
    assert.equal(facts.total, 12);
    assert.ok(facts.results.every((r) => r.category === 'fact'));
  });

  test('content_preview: the start of each content, truncated only when cut, never half an emoji; without it metadata only', async () => {
    const short = await memory.store({ content: 'short note', category: 'fact' });
    await new Promise((r) => setTimeout(r, 2));
    // 🚀 is two UTF-16 units at 9–10: a cut at 10 would leave half of it
    const long = await memory.store({ content: `${'x'.repeat(9)}🚀 and the rest`, category: 'fact' });
    const page = await memory.list({ content_preview: 10 });
    assert.deepEqual(page.results.map((m) => [m.id, m.content, m.truncated]), [[long.id, 'x'.repeat(9), true], [short.id, 'short note', undefined]]);
    assert.deepEqual((await memory.list({ content_preview: 11 })).results[0]!.content, `${'x'.repeat(9)}🚀`);
    assert.ok((await memory.list()).results.every((m) => !('content' in m) && !('truncated' in m)));
  });

  test('validation happens before any storage or embedding work', async () => {
    await assert.rejects(memory.store({ content: 'x', category: 'fact', importance: 7 }), /Importance 7 out of range/);
    assert.equal(embedder.calls, 0);
    assert.equal(await app.records.info('memories'), null, 'not even the collection was created');
  });

  test('a blank query returns nothing without calling the embedder', async () => {
    await memory.store({ content: 'something', category: 'fact' });
    const before = embedder.calls;
    for (const search_mode of ['semantic', 'keyword', 'hybrid']) {
      assert.deepEqual(await memory.retrieve({ query: ' \n\t', search_mode }), { results: [], count: 0 });
    }
    assert.equal(embedder.calls, before);
  });

  test('keyword search reaches every memory, not only the first thousand', async () => {
    const vectors = await embedder.embed(['filler']);
    await app.records.ensureCollection('memories', { embedder: embedder.id, dim: embedder.dim });
    await app.records.upsert(
      'memories',
      Array.from({ length: 1500 }, (_, i) => ({
        id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
        text: `filler memory ${i}`,
        payload: { content: `filler memory ${i}`, category: 'fact', importance: 0.5, tags: [], created_at: new Date(i).toISOString() },
        vector: vectors[0]!,
      })),
    );
    await memory.store({ content: 'the zanzibar deployment key rotates monthly', category: 'fact' });
    const found = await memory.retrieve({ query: 'zanzibar', search_mode: 'keyword' });
    assert.equal(found.count, 1);
    assert.match(found.results[0]!.content, /zanzibar/);
  });

  test('delete reports whether something was deleted; get of a missing memory is not_found', async () => {
    const { id } = await memory.store({ content: 'to delete', category: 'event' });
    assert.equal((await memory.get(id)).content, 'to delete');
    assert.deepEqual(await memory.delete(id), { deleted: true });
    assert.deepEqual(await memory.delete(id), { deleted: false });
    await assert.rejects(memory.get(id), (e: unknown) => (e as { type?: string }).type === 'not_found');
  });

  test('reciprocal rank fusion: agreement wins, score 1.0 means first in both', () => {
    const fused = reciprocalRankFusion([[rec('a'), rec('b'), rec('c')], [rec('b'), rec('d'), rec('a')]], 10);
    assert.deepEqual(fused.map((r) => r.id), ['b', 'a', 'd', 'c']);
    const top = reciprocalRankFusion([[rec('x')], [rec('x')]], 1);
    assert.equal(top[0]?.score, 1);
    assert.ok(fused.every((r, i) => i === 0 || r.score <= fused[i - 1]!.score));
  });
});
