/**
 * Acceptance: many writers on one CALM_HOME. One daemon (real `calm server start`) serving 8 HTTP MCP
 * clients and 2 `calm mcp` stdio processes, 10 clients storing 200 memories each at the same time.
 * Every call succeeds (no SQLITE_BUSY), and the store holds each memory exactly once.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { CLI, runCli, tempHome, type TempHome } from '../helpers/home.js';
import { ok, textOf } from '../helpers/mcp.js';
import { freePort } from '../helpers/net.js';

const HTTP_CLIENTS = 8;
const STDIO_CLIENTS = 2;
const PER_CLIENT = 200;
const IN_FLIGHT = 10;

/** Runs `count` jobs, at most `limit` at a time. */
async function pool(count: number, limit: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await job(next++);
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker));
}

describe('concurrency: one daemon, 8 HTTP clients and 2 stdio servers on one CALM_HOME', () => {
  let t: TempHome;
  let env: NodeJS.ProcessEnv;
  let url: URL;
  const clients: { name: string; client: Client }[] = [];
  const stdioLogs: string[] = [];

  before(async () => {
    t = tempHome();
    env = t.env({ CALM_SERVER_PORT: String(await freePort()) });
    const init = await runCli(['init'], env);
    assert.equal(init.code, 0, init.stderr);
    const start = await runCli(['server', 'start'], env);
    assert.equal(start.code, 0, start.stderr);
    url = new URL(`http://127.0.0.1:${env.CALM_SERVER_PORT}/mcp`);
  });

  after(async () => {
    // always: clients first (stdio servers exit when their stdin ends), then the daemon, then the files
    await Promise.allSettled(clients.map(({ client }) => client.close()));
    await runCli(['server', 'stop'], env).catch(() => undefined);
    t.cleanup();
  });

  test('10 clients × 200 concurrent store_memory calls: all succeed, 2000 memories, each exactly once', async () => {
    for (let i = 0; i < HTTP_CLIENTS; i++) {
      const client = new Client({ name: `http-${i}`, version: '0.0.0' });
      await client.connect(new StreamableHTTPClientTransport(url));
      clients.push({ name: `client-${i}`, client });
    }
    for (let i = HTTP_CLIENTS; i < HTTP_CLIENTS + STDIO_CLIENTS; i++) {
      const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp'], env: env as Record<string, string>, stderr: 'pipe' });
      transport.stderr?.on('data', (d: Buffer) => stdioLogs.push(d.toString()));
      const client = new Client({ name: `stdio-${i}`, version: '0.0.0' });
      await client.connect(transport);
      clients.push({ name: `client-${i}`, client });
    }

    const failures: string[] = [];
    const ids = new Set<string>();
    const started = Date.now();
    await Promise.all(
      clients.map(({ name, client }) =>
        pool(PER_CLIENT, IN_FLIGHT, async (j) => {
          // texts that differ only by a number are near-duplicates: allow them, this test is about concurrency
          const content = `${name} memory ${j}`;
          try {
            const r = (await client.callTool({ name: 'store_memory', arguments: { content, category: 'fact', tags: [name], allow_duplicate: true } })) as CallToolResult;
            if (r.isError) failures.push(`${content}: ${textOf(r)}`);
            else ids.add(ok<{ id: string }>(r).id);
          } catch (e) {
            failures.push(`${content}: ${(e as Error).message}`);
          }
        }),
      ),
    );
    const elapsed = Date.now() - started;
    const total = clients.length * PER_CLIENT;
    assert.deepEqual(failures.slice(0, 5), [], `${failures.length} of ${total} calls failed`);
    assert.equal(ids.size, total);
    assert.ok(elapsed < 45_000, `storing took ${elapsed} ms`);

    // through MCP, from a stdio server and from the daemon: the same total, and every id pages out once
    const viaStdio = clients[HTTP_CLIENTS]!.client;
    const viaHttp = clients[0]!.client;
    assert.equal(ok<{ total: number }>(await viaStdio.callTool({ name: 'list_memories', arguments: {} })).total, total);
    const listed = new Set<string>();
    for (let offset = 0; offset < total; offset += 200) {
      const page = ok<{ results: { id: string }[]; total: number }>(
        await viaHttp.callTool({ name: 'list_memories', arguments: { limit: 200, offset } }),
      );
      assert.equal(page.total, total);
      for (const m of page.results) listed.add(m.id);
    }
    assert.deepEqual([...listed].sort(), [...ids].sort());
    const perClient = ok<{ total: number }>(await viaHttp.callTool({ name: 'list_memories', arguments: { tags: ['client-9'] } }));
    assert.equal(perClient.total, PER_CLIENT);

    // straight from the record store: each expected content exactly once, vectors and keyword index complete
    const app = t.app();
    try {
      const records = await app.records.scroll('memories', { limit: total + 100 });
      assert.equal(records.length, total);
      assert.equal(await app.records.count('memories'), total);
      const seen = new Map<string, number>();
      for (const r of records) seen.set(r.text, (seen.get(r.text) ?? 0) + 1);
      const wrong: string[] = [];
      for (const { name } of clients) {
        for (let j = 0; j < PER_CLIENT; j++) {
          // texts that differ only by a number are near-duplicates: allow them, this test is about concurrency
          const content = `${name} memory ${j}`;
          if (seen.get(content) !== 1) wrong.push(`${content} ×${seen.get(content) ?? 0}`);
        }
      }
      assert.deepEqual(wrong, []);
      assert.deepEqual(await app.records.checkConsistency('memories'), { missingVectors: [], orphanVectors: 0, keywordIndexMismatch: 0, nearDuplicateIndexMismatch: 0 });
    } finally {
      await app.close();
    }
    assert.doesNotMatch(stdioLogs.join(''), /ERROR|SQLITE_BUSY/);
    assert.doesNotMatch(readFileSync(join(t.calmHome, 'server.log'), 'utf8'), /ERROR|SQLITE_BUSY/);
  });
});
