/**
 * The daemon's bearer token: through a real SDK client over HTTP (in-process server), through the
 * real daemon process and the real hooks, and the generated token file's mode.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { App } from '../../src/app.js';
import { startHttpServer } from '../../src/mcp/http.js';
import { bearerMatches, ensureAuthToken, resolveAuthToken } from '../../src/services/auth-token.js';
import { runCli, tempHome, type TempHome } from '../helpers/home.js';
import { call, ok } from '../helpers/mcp.js';
import { freePort } from '../helpers/net.js';

const TOKEN = 'test-token-0123456789abcdef';

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // SSE or plain text
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

async function sdkClient(url: string, token?: string): Promise<Client> {
  const client = new Client({ name: 'auth-test', version: '0.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(url), token ? { requestInit: { headers: { Authorization: `Bearer ${token}` } } } : {});
  await client.connect(transport);
  return client;
}

describe('bearerMatches', () => {
  test('accepts exactly the token, case-insensitive scheme; refuses everything else', () => {
    assert.equal(bearerMatches(`Bearer ${TOKEN}`, TOKEN), true);
    assert.equal(bearerMatches(`bearer ${TOKEN}`, TOKEN), true);
    assert.equal(bearerMatches(`Bearer ${TOKEN}x`, TOKEN), false);
    assert.equal(bearerMatches(`Bearer ${TOKEN.slice(1)}`, TOKEN), false);
    assert.equal(bearerMatches(TOKEN, TOKEN), false);
    assert.equal(bearerMatches(`Basic ${TOKEN}`, TOKEN), false);
    assert.equal(bearerMatches(undefined, TOKEN), false);
    assert.equal(bearerMatches('Bearer ', TOKEN), false);
  });
});

describe('HTTP server with a token (in-process, real SDK client)', () => {
  let t: TempHome;
  let app: App;
  let server: Awaited<ReturnType<typeof startHttpServer>>;
  let base: string;

  before(async () => {
    t = tempHome();
    app = t.app();
    server = await startHttpServer(app, { host: '127.0.0.1', port: 0, log: () => undefined, authToken: TOKEN });
    base = new URL(server.url).origin;
  });
  after(async () => {
    await server.close();
    await app.close();
    t.cleanup();
  });

  test('an SDK client with the token stores and lists memories', async () => {
    const client = await sdkClient(server.url, TOKEN);
    try {
      const stored = ok<{ id: string }>(await call(client, 'store_memory', { content: 'Auth works through the SDK', category: 'fact' }));
      const listed = ok<{ results: { id: string }[] }>(await call(client, 'list_memories', {}));
      assert.ok(listed.results.some((m) => m.id === stored.id));
    } finally {
      await client.close();
    }
  });

  test('an SDK client without the token, or with a wrong one, cannot connect', async () => {
    await assert.rejects(sdkClient(server.url), /401|Unauthorized|bearer/i);
    await assert.rejects(sdkClient(server.url, 'wrong-token'), /401|Unauthorized|bearer/i);
  });

  test('401 with a JSON error on /mcp, /hooks/query and any other route; /health stays open and says nothing more', async () => {
    for (const path of ['/mcp', '/hooks/query', '/api/memories', '/']) {
      const r = await post(`${base}${path}`, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
      assert.equal(r.status, 401, path);
      assert.equal((r.body as { error: { type: string } }).error.type, 'unauthorized', path);
      assert.match(r.headers.get('www-authenticate') ?? '', /^Bearer/);
    }
    const wrong = await post(`${base}/mcp`, {}, { authorization: 'Bearer nope' });
    assert.equal(wrong.status, 401);
    assert.match((wrong.body as { error: { message: string } }).error.message, /Invalid bearer token/);
    const health = await fetch(`${base}/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(Object.keys((await health.json()) as object).sort(), ['server', 'status', 'version']);
  });

  test('the hooks endpoint answers with the token', async () => {
    const r = await post(`${base}/hooks/query`, { kind: 'prompt', prompt: 'does auth work through the SDK?' }, { authorization: `Bearer ${TOKEN}` });
    assert.equal(r.status, 200);
    assert.equal((r.body as { home: string }).home, t.calmHome);
  });
});

describe('the real daemon with server.auth on, and the hooks', () => {
  let t: TempHome;
  let env: NodeJS.ProcessEnv;
  let port: number;

  before(async () => {
    t = tempHome();
    port = await freePort();
    env = t.env({ CALM_SERVER_PORT: String(port), CALM_SERVER_AUTH: 'true' });
    const init = await runCli(['init'], env);
    assert.equal(init.code, 0, init.stderr);
    const app = t.app();
    try {
      await app.memory.store({ content: 'Run database migrations with npm run db:migrate before starting the API', category: 'workflow', importance: 0.8 });
    } finally {
      await app.close();
    }
  });
  after(async () => {
    await runCli(['server', 'stop'], env);
    t.cleanup();
  });

  test('calm init generates an owner-only token file', () => {
    const file = join(t.calmHome, 'auth_token');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const token = readFileSync(file, 'utf8').trim();
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    // stable: a second call does not rotate it
    const config = { serverAuth: true, authToken: '', paths: { home: t.calmHome } };
    assert.equal(ensureAuthToken(config), token);
    assert.equal(resolveAuthToken(config), token);
  });

  test('the daemon refuses requests without the token; the hooks send it and get the daemon\'s answer', async () => {
    const started = await runCli(['server', 'start'], { ...env, CALM_LOG_LEVEL: 'debug' });
    assert.equal(started.code, 0, started.stderr);
    const token = readFileSync(join(t.calmHome, 'auth_token'), 'utf8').trim();
    const refused = await post(`http://127.0.0.1:${port}/mcp`, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
    assert.equal(refused.status, 401);
    const client = await sdkClient(`http://127.0.0.1:${port}/mcp`, token);
    try {
      assert.equal(ok(await call(client, 'ping')).status, 'healthy');
    } finally {
      await client.close();
    }
    const hook = await runCli(['hook', 'user-prompt-submit'], env, {
      input: JSON.stringify({ session_id: 's', cwd: t.root, hook_event_name: 'UserPromptSubmit', prompt: 'How do I run the database migrations before starting the API?' }),
    });
    assert.equal(hook.code, 0, hook.stderr);
    assert.match(hook.stdout, /db:migrate/);
    const log = readFileSync(join(t.calmHome, 'server.log'), 'utf8');
    assert.match(log, /POST \/hooks\/query 200/);
    assert.match(log, /POST \/mcp 401/);
    assert.match(log, /bearer token required/);
  });

  test('CALM_AUTH_TOKEN overrides the file', async () => {
    await runCli(['server', 'stop'], env);
    const envToken = { ...env, CALM_AUTH_TOKEN: TOKEN };
    const started = await runCli(['server', 'start'], envToken);
    assert.equal(started.code, 0, started.stderr);
    const fileToken = readFileSync(join(t.calmHome, 'auth_token'), 'utf8').trim();
    await assert.rejects(sdkClient(`http://127.0.0.1:${port}/mcp`, fileToken), /401|Unauthorized/i);
    const client = await sdkClient(`http://127.0.0.1:${port}/mcp`, TOKEN);
    await client.close();
    await runCli(['server', 'stop'], envToken);
  });
});
