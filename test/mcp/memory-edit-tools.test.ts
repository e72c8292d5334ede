/** update_memory (and, below, duplicates and project scope) through a real MCP client. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { App } from '../../src/app.js';
import { call, errorOf, ok, openMcpSession, type McpSession } from '../helpers/mcp.js';

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
