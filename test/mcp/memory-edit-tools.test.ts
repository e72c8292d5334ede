/** update_memory (and, below, duplicates and project scope) through a real MCP client. */
import assert from 'node:assert/strict';
import { cosineSimilarity } from '../../src/embedding/embedder.js';
import { HashEmbedder } from '../../src/embedding/hash.js';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { type App, createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { tempHome, type TempHome } from '../helpers/home.js';
import { call, connectInMemory, errorOf, ok, openMcpSession, type McpSession } from '../helpers/mcp.js';

interface Found { results: { id: string; content: string; score: number }[] }

describe('update_memory over MCP', () => {
  let session: McpSession;
  let app: App;
  let client: Client;
  before(async () => {
    session = await openMcpSession();
    ({ app, client } = session);
  });
  after(() => session.close());

  test('corrects content: re-embedded, keyword index follows, the old version is kept in history', async () => {
    const { id } = ok<{ id: string }>(await call(client, 'store_memory', {
      content: 'The deploy script lives in scripts/ship.sh', category: 'fact', tags: ['deploy'],
    }));
    const updated = ok<{ status: string; changed: string[]; importance: number }>(await call(client, 'update_memory', {
      memory_id: id, content: 'The deploy script moved to tools/release.sh', importance: 0.8,
    }));
    assert.equal(updated.status, 'updated');
    assert.deepEqual(updated.changed, ['content', 'importance']);
    assert.equal(updated.importance, 0.8);

    const byNewWord = ok<Found>(await call(client, 'retrieve_memories', { query: 'release.sh', search_mode: 'keyword' }));
    assert.deepEqual(byNewWord.results.map((r) => r.id), [id]);
    const byOldWord = ok<Found>(await call(client, 'retrieve_memories', { query: 'ship', search_mode: 'keyword' }));
    assert.equal(byOldWord.results.length, 0, 'the keyword index no longer has the old text');
    const semantic = ok<Found>(await call(client, 'retrieve_memories', { query: 'The deploy script moved to tools/release.sh' }));
    assert.equal(semantic.results[0]?.id, id);
    assert.ok(semantic.results[0]!.score > 0.99, 'the vector was recomputed from the new content');

    const shown = await app.memory.get(id);
    assert.equal(shown.content, 'The deploy script moved to tools/release.sh');
    assert.deepEqual(shown.tags, ['deploy']);
    assert.equal(shown.history.length, 1);
    assert.equal(shown.history[0]!.content, 'The deploy script lives in scripts/ship.sh');
    assert.equal(shown.history[0]!.importance, 0.5);
    assert.equal(shown.updated_at, shown.history[0]!.replaced_at);
  });

  test('metadata-only edits keep the vector; a patch that changes nothing writes nothing', async () => {
    const { id } = ok<{ id: string }>(await call(client, 'store_memory', { content: 'Use pnpm in the web folder', category: 'preference' }));
    const [before] = await app.records.get('memories', [id], { withVectors: true });
    const updated = ok<{ changed: string[]; category: string }>(await call(client, 'update_memory', { memory_id: id, category: 'workflow', tags: ['web'] }));
    assert.deepEqual(updated.changed, ['category', 'tags']);
    assert.equal(updated.category, 'workflow');
    const [after] = await app.records.get('memories', [id], { withVectors: true });
    assert.deepEqual([...after!.vector!], [...before!.vector!]);
    const same = ok<{ status: string; changed: string[] }>(await call(client, 'update_memory', { memory_id: id, category: 'workflow' }));
    assert.equal(same.status, 'unchanged');
    assert.equal((await app.memory.get(id)).history.length, 1);
  });

  test('bad input is refused with CALM-style messages and changes nothing', async () => {
    const { id } = ok<{ id: string }>(await call(client, 'store_memory', { content: 'Tabs, not spaces, in Makefiles', category: 'fact' }));
    assert.match(errorOf(await call(client, 'update_memory', { memory_id: id })).message, /Nothing to update/);
    assert.match(errorOf(await call(client, 'update_memory', { memory_id: id, importance: 2 })).message, /Importance 2 out of range/);
    assert.match(errorOf(await call(client, 'update_memory', { memory_id: id, tags: ['no spaces'] })).message, /Invalid tag/);
    assert.equal(errorOf(await call(client, 'update_memory', { memory_id: '6f1c2b9e-0000-4000-8000-000000000000', content: 'x' })).type, 'not_found');
    assert.equal(errorOf(await call(client, 'update_memory', { memory_id: 'nope', content: 'x' })).type, 'validation_error');
    assert.equal((await app.memory.get(id)).history.length, 0);
  });
});

describe('since/until over MCP', () => {
  let session: McpSession;
  let app: App;
  let client: Client;
  const ids: Record<string, string> = {};
  before(async () => {
    session = await openMcpSession();
    ({ app, client } = session);
    // three memories created on different days: stored normally, then dated back as an import would
    for (const [day, content] of [['2025-01-10', 'Rotate the signing key'], ['2025-02-14', 'Rotate the API token'], ['2025-03-20', 'Rotate the TLS certificate']] as const) {
      const { id } = ok<{ id: string }>(await call(client, 'store_memory', { content, category: 'workflow' }));
      const [record] = await app.records.get('memories', [id], { withVectors: true });
      const created_at = `${day}T12:00:00.000Z`;
      await app.records.upsert('memories', [{ ...record!, vector: record!.vector!, payload: { ...record!.payload, created_at, created_ts: Date.parse(created_at) / 1000 } }]);
      ids[day] = id;
    }
  });
  after(() => session.close());

  const listed = async (args: Record<string, unknown>): Promise<string[]> =>
    ok<{ results: { id: string }[] }>(await call(client, 'list_memories', args)).results.map((r) => r.id);
  const found = async (args: Record<string, unknown>): Promise<string[]> =>
    ok<Found>(await call(client, 'retrieve_memories', { query: 'rotate', search_mode: 'hybrid', ...args })).results.map((r) => r.id).sort();

  test('list and retrieve keep only memories inside the bounds; a bare until date covers that day', async () => {
    assert.deepEqual(await listed({ since: '2025-02-01' }), [ids['2025-03-20'], ids['2025-02-14']]);
    assert.deepEqual(await listed({ until: '2025-02-14' }), [ids['2025-02-14'], ids['2025-01-10']]);
    assert.deepEqual(await listed({ until: '2025-02-14T11:59:59Z' }), [ids['2025-01-10']]);
    assert.deepEqual(await listed({ since: '2025-02-14T13:00:00+02:00', until: '2025-02-14' }), [ids['2025-02-14']]);
    assert.equal(ok<{ total: number }>(await call(client, 'list_memories', { since: '2025-02-01' })).total, 2);
    assert.deepEqual(await found({ since: '2025-02-01', until: '2025-02-28' }), [ids['2025-02-14']]);
    assert.deepEqual(await found({ since: '2025-01-01' }), Object.values(ids).sort());
  });

  test('bad dates and reversed bounds are validation errors', async () => {
    const bad = errorOf(await call(client, 'list_memories', { since: 'last week' }));
    assert.equal(bad.type, 'validation_error');
    assert.match(bad.message, /Invalid date format for 'since': 'last week'/);
    assert.match(errorOf(await call(client, 'retrieve_memories', { query: 'x', until: '2025-02-30' })).message, /for 'until'/);
    assert.match(errorOf(await call(client, 'list_memories', { since: '2025-03-01', until: '2025-02-01' })).message, /is after 'until'/);
  });
});

describe('migration 6: memories stored before since/until get created_ts', () => {
  test('an old payload without created_ts is backfilled on open and then filters by date', async () => {
    const session = await openMcpSession();
    try {
      const { id } = ok<{ id: string }>(await call(session.client, 'store_memory', { content: 'Old memory', category: 'fact' }));
      const db = session.app.db;
      // as a calm before this version wrote it: no created_ts, and schema 6 not applied
      db.prepare(`UPDATE records SET payload = json_remove(json_set(payload, '$.created_at', '2024-05-06T07:08:09.500Z'), '$.created_ts') WHERE id = ?`).run(id);
      db.prepare('DELETE FROM schema_version WHERE version = 6').run();
      const { MIGRATIONS } = await import('../../src/store/migrations.js');
      MIGRATIONS.find((m) => m.version === 6)!.up(db);
      const payload = JSON.parse(db.prepare('SELECT payload FROM records WHERE id = ?').pluck().get(id) as string) as { created_ts: number };
      assert.equal(payload.created_ts, Date.parse('2024-05-06T07:08:09.500Z') / 1000);
      const page = ok<{ results: { id: string }[] }>(await call(session.client, 'list_memories', { since: '2024-05-06', until: '2024-05-06' }));
      assert.deepEqual(page.results.map((r) => r.id), [id]);
    } finally {
      await session.close();
    }
  });
});

describe('duplicates and project scope over MCP', () => {
  let t: TempHome;
  let app: App;
  let client: Client;
  let closeClient: () => Promise<void>;
  let project: string | undefined = '/work/shop';
  before(async () => {
    t = tempHome();
    app = createApp(loadConfig(t.env()), { currentProject: async () => project });
    ({ client, close: closeClient } = await connectInMemory(app));
  });
  after(async () => {
    await closeClient();
    await app.close();
    t.cleanup();
  });

  const store = async (args: Record<string, unknown>) =>
    ok<{ id: string; status: string; duplicate_of?: string; similarity?: number }>(await call(client, 'store_memory', { category: 'fact', ...args }));
  const search = async (args: Record<string, unknown>): Promise<string[]> =>
    ok<Found>(await call(client, 'retrieve_memories', { search_mode: 'keyword', ...args })).results.map((r) => r.id);

  test('a near-duplicate in the same project returns the existing memory; allow_duplicate stores a copy', async () => {
    project = '/work/shop';
    const first = await store({ content: 'The checkout service retries card payments three times.' });
    assert.equal(first.status, 'stored');
    assert.equal(first.duplicate_of, undefined, 'the normal confirmation keeps CALM keys only');
    const again = await store({ content: 'the checkout service retries card payments three times' });
    assert.equal(again.status, 'duplicate');
    assert.equal(again.id, first.id);
    assert.equal(again.duplicate_of, first.id);
    assert.ok(again.similarity! >= 0.9);
    const copy = await store({ content: 'the checkout service retries card payments three times', allow_duplicate: true });
    assert.equal(copy.status, 'stored');
    assert.notEqual(copy.id, first.id);
    const different = await store({ content: 'The checkout service logs every declined card payment.' });
    assert.equal(different.status, 'stored', 'a related but different fact is not a duplicate');

    project = '/work/blog';
    const otherProject = await store({ content: 'The checkout service retries card payments three times.' });
    assert.equal(otherProject.status, 'stored', 'another project keeps its own copy');
  });

  test('texts that differ only by a number or an identifier are different facts, however similar', async () => {
    project = '/work/shop';
    const [a, b] = await new HashEmbedder().embed(['The staging Postgres database listens on port 5432 and accepts connections only from the VPN subnet.', 'The staging Postgres database listens on port 5433 and accepts connections only from the VPN subnet.']);
    assert.ok(cosineSimilarity(a!, b!) >= 0.9, 'the hash embedder alone would merge them');
    const first = await store({ content: 'The staging Postgres database listens on port 5432 and accepts connections only from the VPN subnet.' });
    const second = await store({ content: 'The staging Postgres database listens on port 5433 and accepts connections only from the VPN subnet.' });
    assert.equal(second.status, 'stored');
    assert.notEqual(second.id, first.id);
    const spec = await store({ content: 'The flaky test in the web app is checkout.spec.ts and it fails when the clock crosses midnight.' });
    const otherSpec = await store({ content: 'The flaky test in the web app is checkout.spec.js and it fails when the clock crosses midnight.' });
    assert.equal(otherSpec.status, 'stored');
    assert.notEqual(otherSpec.id, spec.id);
    const recased = await store({ content: 'the staging postgres database listens on port 5432 and accepts connections only from the VPN subnet' });
    assert.equal(recased.status, 'duplicate', 'same number, other casing and punctuation: still a duplicate');
    assert.equal(recased.duplicate_of, first.id);
  });

  test('search ranks this project and global memories first; scope "project" keeps only them; old records count as global', async () => {
    project = '/work/alpha';
    const alpha = await store({ content: 'Alpha deploys with the zebra pipeline on Fridays' });
    project = '/work/beta';
    const beta = await store({ content: 'Beta deploys with the zebra pipeline, zebra zebra, every Friday' });
    const global = await store({ content: 'Every zebra pipeline needs a manual approval step', global: true });
    // a record written before projects existed: no project in its payload
    const legacy = (await app.memory.store({ content: 'Legacy zebra pipeline notes from the wiki', category: 'fact', global: true })).id;

    project = '/work/alpha';
    const all = await search({ query: 'zebra pipeline' });
    assert.deepEqual(new Set(all.slice(0, 3)), new Set([alpha.id, global.id, legacy]), 'alpha and global first');
    assert.equal(all[3], beta.id, "beta's memory still found, after them");
    const own = await search({ query: 'zebra pipeline', scope: 'project' });
    assert.deepEqual(new Set(own), new Set([alpha.id, global.id, legacy]));
    assert.equal((await app.memory.get(alpha.id)).project, '/work/alpha');
    assert.equal((await app.memory.get(global.id)).project, undefined);

    project = '/work/beta';
    assert.equal((await search({ query: 'zebra pipeline', search_mode: 'semantic' }))[0], beta.id);
    const bad = await call(client, 'retrieve_memories', { query: 'x', scope: 'mine' });
    assert.equal(bad.isError, true, 'the SDK rejects a scope outside the enum');
    await assert.rejects(app.memory.retrieve({ query: 'x', scope: 'mine' }), /Invalid scope 'mine'/);
  });
});
