/**
 * Git tools over the HTTP daemon find the caller's repository through MCP roots: the daemon runs in
 * this repository's checkout (its cwd), and must never answer about it for a client working elsewhere.
 */
import assert from 'node:assert/strict';
import { mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { App } from '../../src/app.js';
import { startHttpServer } from '../../src/mcp/http.js';
import { makeRepo } from '../helpers/git.js';
import { tempHome, type TempHome } from '../helpers/home.js';
import { call, errorOf, ok } from '../helpers/mcp.js';

describe('HTTP git tools and MCP roots', () => {
  let t: TempHome;
  let app: App;
  let server: Awaited<ReturnType<typeof startHttpServer>>;
  let repoA: string;
  let repoB: string;
  let plain: string;
  const clients: Client[] = [];

  before(async () => {
    t = tempHome();
    app = t.app();
    repoA = realpathSync(makeRepo(join(t.root, 'repo-a'), { 'a.txt': 'a\n', 'sub/keep.txt': 'k\n' }));
    repoB = realpathSync(makeRepo(join(t.root, 'repo-b'), { 'b.txt': 'b\n' }));
    plain = join(t.root, 'not-a-repo');
    mkdirSync(plain);
    server = await startHttpServer(app, { host: '127.0.0.1', port: 0, log: () => undefined });
  });
  after(async () => {
    for (const c of clients) await c.close();
    await server.close();
    await app.close();
    t.cleanup();
  });

  async function connect(roots?: string[]): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
    const client = new Client({ name: 'roots-test', version: '0' }, roots ? { capabilities: { roots: { listChanged: true } } } : {});
    if (roots) client.setRequestHandler(ListRootsRequestSchema, async () => ({ roots: roots.map((uri) => ({ uri, name: uri })) }));
    const transport = new StreamableHTTPClientTransport(new URL(server.url));
    await client.connect(transport);
    clients.push(client);
    return { client, transport };
  }

  test('a client with roots: the first file:// root inside a git repository is the default repository', async () => {
    const { client } = await connect([pathToFileURL(plain).href, pathToFileURL(join(repoA, 'sub')).href, pathToFileURL(repoB).href]);
    const indexed = ok<{ status: string; repo_path: string; commits_indexed: number }>(await call(client, 'index_commits', {}));
    assert.equal(indexed.repo_path, repoA);
    assert.equal(indexed.commits_indexed, 1);
    const history = ok<{ count: number; path: string }>(await call(client, 'get_file_history', { path: 'a.txt' }));
    assert.deepEqual([history.count, history.path], [1, 'a.txt']);
    // repo_path still wins over the roots
    const churn = ok<{ hotspots: { path: string }[] }>(await call(client, 'get_churn_hotspots', { min_changes: 1, repo_path: repoB }));
    assert.deepEqual(churn.hotspots.map((h) => h.path), ['b.txt']);
  });

  test('a client without roots gets a clear error naming repo_path, never the daemon\'s own directory', async () => {
    const { client } = await connect();
    const err = errorOf(await call(client, 'get_churn_hotspots', { min_changes: 1 }));
    assert.equal(err.type, 'validation_error');
    assert.match(err.message, /pass repo_path/);
    assert.match(err.message, /declares no roots capability/);
    const churn = ok<{ hotspots: { path: string }[] }>(await call(client, 'get_churn_hotspots', { min_changes: 1, repo_path: repoA }));
    assert.deepEqual(churn.hotspots.map((h) => h.path).sort(), ['a.txt', 'sub/keep.txt']);
  });

  test('roots outside any git repository: the error lists them', async () => {
    const { client } = await connect([pathToFileURL(plain).href]);
    const err = errorOf(await call(client, 'get_code_authors', { path: 'a.txt' }));
    assert.match(err.message, /pass repo_path/);
    assert.ok(err.message.includes(pathToFileURL(plain).href), err.message);
  });

  test('a session ends with DELETE; its id is then unknown (404)', async () => {
    const { client, transport } = await connect([pathToFileURL(repoB).href]);
    const id = transport.sessionId;
    assert.ok(id, 'the daemon gave the client a session');
    assert.equal(ok<{ repo_path: string }>(await call(client, 'index_commits', {})).repo_path, repoB);
    await transport.terminateSession();
    const r = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': id },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
    });
    assert.equal(r.status, 404);
  });
});
