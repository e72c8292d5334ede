/**
 * `list_memories` keyset paging through a real MCP client: a cursor continues after the previous page,
 * so pages neither repeat nor skip a memory while others are stored between them; equal timestamps keep
 * a stable order; filters still apply; `total` and CALM's keys stay.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { App } from '../../src/app.js';
import { hashEmbed } from '../../src/embedding/hash.js';
import { call, errorOf, ok, openMcpSession, type McpSession } from '../helpers/mcp.js';

interface Page {
  results: { id: string; category: string; created_at: string }[];
  count: number;
  total: number;
  next_cursor?: string;
}

const CATEGORIES = ['fact', 'event', 'decision'];
const SEEDED = 23;

describe('list_memories keyset paging over MCP', () => {
  let session: McpSession;
  let app: App;
  let client: Client;
  /** Seeded ids, newest first; ties (two memories per timestamp) by id descending. */
  let expected: { id: string; category: string }[];
  before(async () => {
    session = await openMcpSession();
    ({ app, client } = session);
    // one real store creates the collection with the configured embedder; then memories with chosen timestamps
    const first = ok<{ id: string }>(await call(client, 'store_memory', { content: 'seed of the collection', category: 'context' }));
    await app.memory.delete(first.id);
    const seeded = Array.from({ length: SEEDED }, (_, i) => {
      const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
      const created_at = new Date(Date.UTC(2025, 0, 1, 0, Math.floor(i / 2))).toISOString(); // pairs share a timestamp
      const content = `seeded memory number ${i} about topic ${i % 5}`;
      const payload = { id, content, category: CATEGORIES[i % 3], importance: 0.5, tags: [`t${i % 2}`], created_at, created_ts: Date.parse(created_at) / 1000 };
      return { id, text: content, payload, vector: hashEmbed(content) };
    });
    await app.records.upsert('memories', seeded);
    expected = seeded
      .map((r) => ({ id: r.id, category: r.payload.category!, at: r.payload.created_at }))
      .sort((a, b) => (a.at === b.at ? (a.id < b.id ? 1 : -1) : a.at < b.at ? 1 : -1));
  });
  after(() => session.close());

  const list = async (args: Record<string, unknown>): Promise<Page> => ok<Page>(await call(client, 'list_memories', args));

  /** Follows next_cursor to the end; `between` runs after each page. */
  const walk = async (args: Record<string, unknown>, between?: (page: number) => Promise<void>): Promise<{ pages: Page[]; ids: string[] }> => {
    const pages: Page[] = [];
    let cursor: string | undefined;
    do {
      const page = await list({ ...args, ...(cursor ? { cursor } : {}) });
      pages.push(page);
      cursor = page.next_cursor;
      if (cursor) await between?.(pages.length);
    } while (cursor);
    return { pages, ids: pages.flatMap((p) => p.results.map((r) => r.id)) };
  };

  test('pages of 5 cover every memory once, newest first with ties by id, and only the last page has no next_cursor', async () => {
    const { pages, ids } = await walk({ limit: 5 });
    assert.deepEqual(ids, expected.map((e) => e.id));
    assert.equal(pages.length, Math.ceil(SEEDED / 5));
    for (const [i, page] of pages.entries()) {
      assert.equal(page.count, page.results.length);
      assert.equal(page.total, SEEDED);
      assert.equal('next_cursor' in page, i < pages.length - 1, `page ${i}`);
      const keys = Object.keys(page).filter((k) => k !== 'next_cursor').sort();
      assert.deepEqual(keys, ['count', 'results', 'total'], "CALM's keys");
    }
    // the same order as offset paging (CALM's way, still supported)
    const byOffset: string[] = [];
    for (let offset = 0; offset < SEEDED; offset += 5) byOffset.push(...(await list({ limit: 5, offset })).results.map((r) => r.id));
    assert.deepEqual(byOffset, ids);
  });

  test('memories stored between pages neither shift nor repeat the pages still to come', async () => {
    const stored: string[] = [];
    const { ids } = await walk({ limit: 4 }, async (page) => {
      const r = ok<{ id: string }>(await call(client, 'store_memory', { content: `stored between pages ${page} while listing`, category: 'event', allow_duplicate: true }));
      stored.push(r.id);
    });
    assert.equal(new Set(ids).size, ids.length, 'no memory twice');
    // the new ones are newer than the cursor, so they belong to pages already read
    assert.deepEqual(ids, expected.map((e) => e.id));
    assert.ok(stored.length >= 5);
    const firstPage = await list({ limit: stored.length });
    assert.deepEqual(firstPage.results.map((r) => r.id), [...stored].reverse(), 'they come first on a fresh listing');
    for (const id of stored) await app.memory.delete(id);
  });

  test('filters apply on every page, and the total counted on the first page is carried', async () => {
    const { pages, ids } = await walk({ limit: 3, category: 'event' });
    const events = expected.filter((e) => e.category === 'event').map((e) => e.id);
    assert.deepEqual(ids, events);
    for (const page of pages) {
      assert.equal(page.total, events.length);
      for (const r of page.results) assert.equal(r.category, 'event');
    }
    const tagged = await walk({ limit: 2, tags: ['t1'], category: 'fact' });
    assert.deepEqual(tagged.ids, expected.filter((e) => e.category === 'fact' && Number(e.id.slice(-12)) % 2 === 1).map((e) => e.id));
  });

  test('a cursor is refused with other filters, with an offset, or when it is not one calm made', async () => {
    const page = await list({ limit: 2, category: 'fact' });
    assert.ok(page.next_cursor);
    const refused = [
      { cursor: page.next_cursor, category: 'event' },
      { cursor: page.next_cursor },
      { cursor: page.next_cursor, category: 'fact', offset: 2 },
      { cursor: 'not-a-cursor' },
      { cursor: Buffer.from('null').toString('base64url') },
      { cursor: '' },
    ];
    for (const args of refused) {
      const err = errorOf(await call(client, 'list_memories', args));
      assert.equal(err.type, 'validation_error', JSON.stringify(args));
      assert.match(err.message, /cursor/i);
    }
  });
});
