/** The memory tools through a real MCP client: CALM's names, parameters, messages, response keys and sizes. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { App } from '../../src/app.js';
import { call, errorOf, ok, openMcpSession, textOf, type McpSession } from '../helpers/mcp.js';

describe('memory tools over MCP', () => {
  let session: McpSession;
  let app: App;
  let client: Client;
  before(async () => {
    session = await openMcpSession();
    ({ app, client } = session);
  });
  after(() => session.close());

  const count = async (): Promise<number> => ok<{ total: number }>(await call(client, 'list_memories', {})).total;

  test('the public tool surface is pinned: names, parameters, annotations', async () => {
    const { tools } = await client.listTools();
    const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
    const params = (name: string): string[] => Object.keys((byName[name]?.inputSchema.properties ?? {}) as object).sort();
    assert.deepEqual(params('store_memory'), ['allow_duplicate', 'category', 'content', 'global', 'importance', 'tags']);
    assert.deepEqual(byName.store_memory?.inputSchema.required, ['content', 'category']);
    assert.deepEqual(params('retrieve_memories'), ['category', 'limit', 'min_importance', 'query', 'scope', 'search_mode', 'since', 'until']);
    assert.deepEqual(params('list_memories'), ['category', 'cursor', 'limit', 'offset', 'since', 'tags', 'until']);
    assert.deepEqual(params('update_memory'), ['category', 'content', 'importance', 'memory_id', 'tags']);
    assert.deepEqual(params('delete_memory'), ['memory_id']);
    assert.deepEqual(params('ping'), []);
    for (const tool of tools) {
      assert.equal(typeof tool.annotations?.readOnlyHint, 'boolean', `${tool.name} readOnlyHint`);
      assert.equal(typeof tool.annotations?.destructiveHint, 'boolean', `${tool.name} destructiveHint`);
      assert.equal(typeof tool.annotations?.idempotentHint, 'boolean', `${tool.name} idempotentHint`);
    }
    assert.equal(byName.delete_memory?.annotations?.destructiveHint, true);
    const categoryEnum = (byName.store_memory?.inputSchema.properties as Record<string, { enum?: string[] }>).category?.enum;
    assert.deepEqual(categoryEnum, ['preference', 'fact', 'event', 'workflow', 'context', 'error', 'decision']);
  });

  test('ping answers like GET /health', async () => {
    const body = ok(await call(client, 'ping'));
    assert.equal(body.status, 'healthy');
    assert.equal(body.server, 'calm');
    assert.match(String(body.version), /^\d+\.\d+\.\d+/);
  });

  test('store → retrieve in every mode → list → delete', async () => {
    const stored = await call(client, 'store_memory', {
      content: 'The staging database is reset every Sunday at 02:00 UTC',
      category: 'fact',
      importance: 0.9,
      tags: ['staging', 'db'],
    });
    const confirmation = ok<{ id: string; status: string; category: string; importance: number; created_at: string }>(stored);
    assert.deepEqual(Object.keys(confirmation).sort(), ['category', 'created_at', 'id', 'importance', 'status']);
    assert.equal(confirmation.status, 'stored');
    assert.ok(textOf(stored).length < 500, 'store confirmation stays under 500 bytes');
    assert.doesNotMatch(textOf(stored), /Sunday|staging/, 'never echoes content or tags');
    await call(client, 'store_memory', { content: 'Prefer small pull requests with one concern each', category: 'preference' });

    for (const search_mode of ['semantic', 'keyword', 'hybrid']) {
      const found = ok<{ results: { id: string; content: string; tags: string[]; score: number }[]; count: number }>(
        await call(client, 'retrieve_memories', { query: 'when is the staging database reset', search_mode }),
      );
      assert.equal(found.results[0]?.id, confirmation.id, search_mode);
      assert.equal(found.count, found.results.length);
      assert.deepEqual(found.results[0]?.tags, ['staging', 'db']);
      assert.equal(typeof found.results[0]?.score, 'number');
    }
    const filtered = ok<{ results: { id: string }[] }>(
      await call(client, 'retrieve_memories', { query: 'database', category: 'preference', search_mode: 'keyword' }),
    );
    assert.deepEqual(filtered.results, []);
    const important = ok<{ results: { id: string }[] }>(await call(client, 'retrieve_memories', { query: 'pull requests database', min_importance: 0.8 }));
    assert.deepEqual(important.results.map((r) => r.id), [confirmation.id]);

    const listed = await call(client, 'list_memories', { tags: ['db', 'unrelated'] });
    const page = ok<{ results: Record<string, unknown>[]; count: number; total: number }>(listed);
    assert.equal(page.total, 1);
    // CALM's keys, plus the project the memory was stored from (this test runs inside calm's repository)
    assert.deepEqual(Object.keys(page.results[0]!).sort(), ['category', 'created_at', 'id', 'importance', 'project', 'tags']);
    assert.doesNotMatch(textOf(listed), /Sunday/, 'list entries carry no content');

    const deleted = await call(client, 'delete_memory', { memory_id: confirmation.id });
    assert.deepEqual(ok(deleted), { deleted: true });
    assert.ok(textOf(deleted).length < 300);
    assert.deepEqual(ok(await call(client, 'delete_memory', { memory_id: confirmation.id })), { deleted: false });
    assert.equal(await count(), 1);
    await app.records.delete('memories', { filter: { category: 'preference' } });
  });

  test('a blank query returns no results', async () => {
    assert.deepEqual(ok(await call(client, 'retrieve_memories', { query: '   ' })), { results: [], count: 0 });
  });

  // CALM's own messages for every check the service owns; type and enum violations are the SDK's.
  const invalidCalls: [string, Record<string, unknown>, RegExp | 'schema'][] = [
    ['store_memory', { content: 'x'.repeat(10_001), category: 'fact' }, /^Content too long \(10001 chars\)\. Maximum allowed is 10000 characters\.$/],
    ['store_memory', { content: 'x', category: 'fact', importance: 1.5 }, /^Importance 1\.5 out of range\. Must be between 0\.0 and 1\.0\.$/],
    ['store_memory', { content: 'x', category: 'fact', importance: -0.1 }, /^Importance -0\.1 out of range/],
    ['store_memory', { content: 'x', category: 'fact', tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, /^Too many tags \(21\)\. Maximum is 20\.$/],
    ['store_memory', { content: 'x', category: 'fact', tags: ['a'.repeat(51)] }, /^Tag 'a{20}\.\.\.' too long \(51 chars\)\. Maximum is 50 characters\.$/],
    ['store_memory', { content: 'x', category: 'fact', tags: ['has space'] }, /^Invalid tag 'has space'\. Tags must contain only alphanumeric characters, hyphens, underscores, and dots\.$/],
    ['store_memory', { content: 'x', category: 'bogus' }, 'schema'],
    ['store_memory', { category: 'fact' }, 'schema'],
    ['store_memory', { content: 'x', category: 'fact', tags: [3] }, 'schema'],
    ['store_memory', { content: 'x', category: 'fact', importance: 'high' }, 'schema'],
    ['retrieve_memories', { query: 'x', limit: 0 }, /^Limit 0 out of range\. Must be between 1 and 100\.$/],
    ['retrieve_memories', { query: 'x', limit: 101 }, /^Limit 101 out of range/],
    ['retrieve_memories', { query: 'x', min_importance: 2 }, /^min_importance 2 out of range\. Must be between 0\.0 and 1\.0\.$/],
    ['retrieve_memories', { query: 'q'.repeat(10_001) }, /^Query too long \(10001 chars\)\. Maximum allowed is 10000 characters\.$/],
    ['retrieve_memories', { query: 'x', search_mode: 'fuzzy' }, 'schema'],
    ['retrieve_memories', { query: 'x', category: 'bogus' }, 'schema'],
    ['retrieve_memories', { query: 'x', limit: 2.5 }, 'schema'],
    ['list_memories', { limit: 0 }, /^Limit 0 out of range\. Must be between 1 and 200\.$/],
    ['list_memories', { limit: 201 }, /^Limit 201 out of range/],
    ['list_memories', { offset: -1 }, /^Offset -1 must be >= 0\.$/],
    ['list_memories', { tags: ['bad tag'] }, /^Invalid tag 'bad tag'/],
    ['list_memories', { category: 'bogus' }, 'schema'],
    ['delete_memory', { memory_id: 'not-a-uuid' }, /^Invalid UUID format for memory_id: not-a-uuid$/],
    ['delete_memory', {}, 'schema'],
  ];

  test('every invalid parameter of every memory tool is refused, and nothing is stored', async () => {
    const before = await count();
    for (const [tool, args, expected] of invalidCalls) {
      const result = await call(client, tool, args);
      const label = `${tool} ${JSON.stringify(args).slice(0, 80)}`;
      assert.equal(result.isError, true, label);
      if (expected === 'schema') {
        assert.match(textOf(result), /Input validation error/, label);
      } else {
        const error = errorOf(result);
        assert.equal(error.type, 'validation_error', label);
        assert.match(error.message, expected, label);
        assert.ok(textOf(result).length < 500, `${label}: error stays under 500 bytes`);
      }
    }
    assert.equal(await count(), before);
  });
});
