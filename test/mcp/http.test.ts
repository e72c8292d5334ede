/** The daemon's HTTP side in-process: /health, MCP Streamable HTTP through the SDK client, and the guards. */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { App } from '../../src/app.js';
import { startHttpServer } from '../../src/mcp/http.js';
import { VERSION } from '../../src/version.js';
import { tempHome, type TempHome } from '../helpers/home.js';
import { call, ok } from '../helpers/mcp.js';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** node:http rather than fetch: the tests need to send a Host header of their choosing. */
function raw(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0', id: 1, method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
});

describe('HTTP server (in-process)', () => {
  let t: TempHome;
  let app: App;
  let server: Awaited<ReturnType<typeof startHttpServer>>;
  let base: string;
  let port: number;
  const logs: string[] = [];

  before(async () => {
    t = tempHome();
    app = t.app();
    server = await startHttpServer(app, { host: '127.0.0.1', port: 0, log: (m) => logs.push(m) });
    const url = new URL(server.url);
    base = url.origin;
    port = Number(url.port);
  });
  after(async () => {
    await server.close();
    await app.close();
    t.cleanup();
  });

  test('the URL is the MCP endpoint on the bound host and the real port', () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    assert.ok(port > 0);
  });

  test('GET /health answers with the server name and version', async () => {
    const r = await raw(`${base}/health`);
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /application\/json/);
    assert.deepEqual(JSON.parse(r.body), { status: 'healthy', server: 'calm', version: VERSION });
  });

  test('an SDK client lists the tools and runs store → retrieve (3 modes) → list → delete', async () => {
    const client = new Client({ name: 'http-test', version: '0.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
    try {
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      for (const name of ['ping', 'store_memory', 'retrieve_memories', 'list_memories', 'delete_memory']) assert.ok(names.includes(name), name);
      assert.equal(ok(await call(client, 'ping')).status, 'healthy');

      const content = 'The release train leaves every second Tuesday from the platform team';
      const stored = ok<{ id: string; status: string }>(await call(client, 'store_memory', { content, category: 'fact', tags: ['release'] }));
      assert.equal(stored.status, 'stored');
      for (const search_mode of ['semantic', 'keyword', 'hybrid']) {
        const found = ok<{ results: { id: string; content: string }[] }>(
          await call(client, 'retrieve_memories', { query: 'release train Tuesday', search_mode }),
        );
        assert.equal(found.results[0]?.id, stored.id, search_mode);
        assert.equal(found.results[0]?.content, content, search_mode);
      }
      const listed = ok<{ results: { id: string }[]; total: number }>(await call(client, 'list_memories', {}));
      assert.equal(listed.total, 1);
      assert.deepEqual(listed.results.map((m) => m.id), [stored.id]);
      assert.deepEqual(ok(await call(client, 'delete_memory', { memory_id: stored.id })), { deleted: true });
      assert.deepEqual(ok(await call(client, 'delete_memory', { memory_id: stored.id })), { deleted: false });
      assert.equal(ok<{ total: number }>(await call(client, 'list_memories', {})).total, 0);
    } finally {
      await client.close();
    }
  });

  test('/mcp/ with a trailing slash is the same endpoint; GET and DELETE without a session are 405', async () => {
    const r = await raw(`${base}/mcp/`, { method: 'POST', headers: MCP_HEADERS, body: INITIALIZE });
    assert.equal(r.status, 200, r.body);
    assert.match(r.body, /"serverInfo":\{"name":"calm"/);
    for (const method of ['GET', 'DELETE']) {
      const r405 = await raw(`${base}/mcp`, { method, headers: { accept: 'text/event-stream' } });
      assert.equal(r405.status, 405, method);
      assert.equal((JSON.parse(r405.body) as { jsonrpc: string }).jsonrpc, '2.0');
    }
  });

  test('a Host header naming another host or port is refused (DNS rebinding)', async () => {
    for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1:${port + 1}`, `192.168.1.10:${port}`]) {
      const r = await raw(`${base}/mcp`, { method: 'POST', headers: { ...MCP_HEADERS, host }, body: INITIALIZE });
      assert.equal(r.status, 403, host);
      assert.match(r.body, /Invalid Host/);
    }
    assert.equal((await raw(`${base}/health`, { headers: { host: `evil.example:${port}` } })).status, 403);
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) {
      assert.equal((await raw(`${base}/health`, { headers: { host } })).status, 200, host);
    }
  });

  test('a foreign Origin is refused; a local one is let through', async () => {
    for (const origin of ['https://evil.example', 'http://localhost.evil.example:3000', 'null']) {
      const r = await raw(`${base}/mcp`, { method: 'POST', headers: { ...MCP_HEADERS, origin }, body: INITIALIZE });
      assert.equal(r.status, 403, origin);
      assert.match(r.body, /Invalid Origin/);
    }
    const local = await raw(`${base}/mcp`, { method: 'POST', headers: { ...MCP_HEADERS, origin: 'http://localhost:5173' }, body: INITIALIZE });
    assert.equal(local.status, 200, local.body);
  });

  test('unknown paths are 404, invalid JSON is a 400 parse error, an oversized body is 413; no stack traces', async () => {
    const missing = await raw(`${base}/nope`);
    assert.equal(missing.status, 404);
    assert.equal((JSON.parse(missing.body) as { error: { type: string } }).error.type, 'not_found');
    assert.equal((await raw(`${base}/mcpx`, { method: 'POST', headers: MCP_HEADERS, body: INITIALIZE })).status, 404);

    const bad = await raw(`${base}/mcp`, { method: 'POST', headers: MCP_HEADERS, body: '{"jsonrpc": "2.0", "id": 1,' });
    assert.equal(bad.status, 400);
    const err = JSON.parse(bad.body) as { jsonrpc: string; error: { code: number }; id: null };
    assert.equal(err.jsonrpc, '2.0');
    assert.equal(err.error.code, -32700);
    assert.equal(err.id, null);

    const big = await raw(`${base}/mcp`, { method: 'POST', headers: MCP_HEADERS, body: `"${'x'.repeat(4 * 1024 * 1024 + 10)}"` });
    assert.equal(big.status, 413);
    for (const r of [missing, bad, big]) assert.doesNotMatch(r.body, /\n\s+at |\.ts:\d+/);
    assert.deepEqual(logs, []);
  });
});
