/** `calm mcp` as a client spawns it: the real binary over stdio, driven by the SDK client. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CLI, runCli, tempHome, type TempHome } from '../helpers/home.js';
import { call, errorOf, ok, textOf } from '../helpers/mcp.js';

describe('MCP over stdio (calm mcp)', () => {
  let t: TempHome;
  let client: Client;
  let stderr = '';
  before(async () => {
    t = tempHome();
    assert.equal((await runCli(['init'], t.env())).code, 0);
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp'], env: t.env() as Record<string, string>, stderr: 'pipe' });
    transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    client = new Client({ name: 'calm-stdio-test', version: '0.0.0' });
    await client.connect(transport);
  });
  after(async () => {
    await client.close();
    t.cleanup();
  });

  test('store → retrieve in each mode → list → delete', async () => {
    const { id } = ok<{ id: string }>(
      await call(client, 'store_memory', { content: 'Release notes are drafted from merged pull request titles', category: 'workflow', tags: ['release'] }),
    );
    await call(client, 'store_memory', { content: 'The cache is warmed by a cron job at 06:00', category: 'fact' });
    for (const search_mode of ['semantic', 'keyword', 'hybrid']) {
      const found = ok<{ results: { id: string }[] }>(await call(client, 'retrieve_memories', { query: 'release notes from pull requests', search_mode }));
      assert.equal(found.results[0]?.id, id, search_mode);
    }
    const page = ok<{ results: { id: string }[]; total: number }>(await call(client, 'list_memories', { tags: ['release'] }));
    assert.deepEqual([page.total, page.results[0]?.id], [1, id]);
    assert.deepEqual(ok(await call(client, 'delete_memory', { memory_id: id })), { deleted: true });
    assert.equal(ok<{ total: number }>(await call(client, 'list_memories')).total, 1);
  });

  test('invalid input gets CALM messages over stdio too', async () => {
    assert.match(errorOf(await call(client, 'retrieve_memories', { query: 'x', limit: 1000 })).message, /^Limit 1000 out of range/);
    assert.match(textOf(await call(client, 'store_memory', { content: 'x', category: 'nonsense' })), /Input validation error/);
  });

  test('logs stay off stdout (the client would have failed to parse them)', () => {
    assert.doesNotMatch(stderr, /ERROR/);
  });
});
