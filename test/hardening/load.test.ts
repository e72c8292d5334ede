/**
 * Crashes and load on one CALM_HOME, all real processes:
 * 1. a daemon (`calm server start`) with 2 HTTP MCP clients, 2 `calm mcp` stdio servers, `calm memory
 *    store` processes and hook invocations, writing memories and GHAP entries for a bounded time while
 *    `calm backup create` runs: every acknowledged write is stored exactly once, no error (SQLITE_BUSY
 *    or other) reaches any client, and the backup verifies;
 * 2. `kill -9` of the daemon during a burst of writes: every write acknowledged before the kill is
 *    there after a restart, and `calm doctor` is clean;
 * 3. the HTTP daemon under 200 concurrent connections (keep-alive and slowloris-style partial
 *    requests), 50 MB bodies (refused with 413 before they are sent, not buffered) and malformed JSON:
 *    /health keeps answering and the daemon's RSS stays bounded.
 * CALM_LOAD_MS (default 12 s) sets the duration of 1. Figures are printed, not asserted on speed.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request, Agent } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { makeRepo } from '../helpers/git.js';
import { CLI, json, runCli, tempHome, type TempHome } from '../helpers/home.js';
import { textOf } from '../helpers/mcp.js';
import { freePort } from '../helpers/net.js';

const LOAD_MS = Number(process.env.CALM_LOAD_MS) > 0 ? Number(process.env.CALM_LOAD_MS) : 12_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resident memory of a process in MB, from /proc. */
function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

function pidOf(t: TempHome): number {
  return Number(readFileSync(join(t.calmHome, 'server.pid'), 'utf8').trim());
}

interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

/** One request on its own connection (no pool), with a deadline. */
function httpCall(port: number, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, agent: false, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${path}: no answer within 30 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

async function health(port: number): Promise<number> {
  const started = performance.now();
  const r = await httpCall(port, 'GET', '/health');
  assert.equal(r.status, 200, r.body);
  return performance.now() - started;
}

const percentile = (xs: readonly number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

describe('hardening: crashes and load on one CALM_HOME (real daemon, stdio servers, CLI, hooks)', () => {
  let t: TempHome;
  let env: NodeJS.ProcessEnv;
  let port: number;
  let repo: string;
  const clients: Client[] = [];
  const stdioLogs: string[] = [];
  const figures: string[] = [];

  const startDaemon = async (): Promise<void> => {
    const r = await runCli(['server', 'start'], env);
    assert.equal(r.code, 0, r.stderr);
  };

  before(async () => {
    t = tempHome();
    port = await freePort();
    env = t.env({ CALM_SERVER_PORT: String(port) });
    repo = makeRepo(join(t.root, 'repo'), { 'README.md': '# load\n' });
    assert.equal((await runCli(['init'], env)).code, 0);
    await startDaemon();
  });

  after(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await runCli(['server', 'stop'], env).catch(() => undefined);
    t.cleanup();
    console.log(`# load figures:\n# ${figures.join('\n# ')}`);
  });

  const httpClient = async (name: string): Promise<Client> => {
    const client = new Client({ name, version: '0.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
    clients.push(client);
    return client;
  };
  const stdioClient = async (name: string): Promise<Client> => {
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp'], env: env as Record<string, string>, cwd: repo, stderr: 'pipe' });
    transport.stderr?.on('data', (d: Buffer) => stdioLogs.push(d.toString()));
    const client = new Client({ name, version: '0.0.0' });
    await client.connect(transport);
    clients.push(client);
    return client;
  };

  /** Stored contents, counted, straight from the record store. */
  async function storedContents(): Promise<Map<string, number>> {
    const app = t.app();
    try {
      const seen = new Map<string, number>();
      for (const r of await app.records.scroll('memories', { limit: 1_000_000 })) seen.set(r.text, (seen.get(r.text) ?? 0) + 1);
      return seen;
    } finally {
      await app.close();
    }
  }

  test(`every writer at once for ${LOAD_MS / 1000} s while a backup runs: each acknowledged write once, no error, the backup verifies`, async () => {
    const mcp = [await httpClient('http-0'), await httpClient('http-1'), await stdioClient('stdio-0'), await stdioClient('stdio-1')];
    const acked = new Set<string>();
    const ghapIds: string[] = [];
    const failures: string[] = [];
    let hooks = 0;
    const deadline = Date.now() + LOAD_MS;
    const store = async (client: Client, content: string): Promise<void> => {
      try {
        const r = (await client.callTool({ name: 'store_memory', arguments: { content, category: 'fact', allow_duplicate: true } })) as CallToolResult;
        if (r.isError) failures.push(`${content}: ${textOf(r)}`);
        else acked.add(content);
      } catch (e) {
        failures.push(`${content}: ${(e as Error).message}`);
      }
    };
    const mcpWriter = async (client: Client, name: string, inFlight: number): Promise<void> => {
      let n = 0;
      await Promise.all(Array.from({ length: inFlight }, async () => {
        while (Date.now() < deadline) await store(client, `${name} load memory ${n++}`);
      }));
    };
    const ghapWriter = async (client: Client): Promise<void> => {
      for (let n = 0; Date.now() < deadline; n++) {
        const started = (await client.callTool({ name: 'start_ghap', arguments: {
          domain: 'debugging', strategy: 'systematic-elimination', goal: `load goal ${n}`, hypothesis: 'h', action: 'a', prediction: 'p',
        } })) as CallToolResult;
        if (started.isError) {
          failures.push(`start_ghap ${n}: ${textOf(started)}`);
          return;
        }
        const resolved = (await client.callTool({ name: 'resolve_ghap', arguments: { status: 'confirmed', result: `resolved ${n}` } })) as CallToolResult;
        if (resolved.isError) failures.push(`resolve_ghap ${n}: ${textOf(resolved)}`);
        else ghapIds.push((JSON.parse(textOf(resolved)) as { id: string }).id);
      }
    };
    const cliWriter = async (name: string): Promise<void> => {
      for (let n = 0; Date.now() < deadline; n++) {
        const content = `${name} load memory ${n}`;
        const r = await runCli(['memory', 'store', content, '--category', 'fact', '--allow-duplicate', '--json'], env, { cwd: repo });
        if (r.code === 0) acked.add(content);
        else failures.push(`${content}: exit ${r.code} ${r.stderr}`);
      }
    };
    const hookRunner = async (): Promise<void> => {
      const payload = { session_id: 'load', transcript_path: '/tmp/x.jsonl', cwd: repo, permission_mode: 'default', hook_event_name: 'UserPromptSubmit', prompt: 'load memory' };
      while (Date.now() < deadline) {
        const r = await runCli(['hook', 'user-prompt-submit'], env, { input: JSON.stringify(payload), cwd: repo });
        hooks++;
        if (r.code !== 0 || r.stderr !== '') failures.push(`hook: exit ${r.code} ${r.stderr}`);
      }
    };
    let backupName = '';
    const backup = async (): Promise<void> => {
      await sleep(Math.min(3_000, LOAD_MS / 4));
      const r = await runCli(['backup', 'create', 'under-load', '--json'], env);
      if (r.code !== 0) failures.push(`backup create: exit ${r.code} ${r.stderr}`);
      else backupName = json<{ name: string }>(r).name;
    };
    await Promise.all([
      mcpWriter(mcp[0]!, 'http-0', 4), mcpWriter(mcp[1]!, 'http-1', 4), mcpWriter(mcp[2]!, 'stdio-0', 4), mcpWriter(mcp[3]!, 'stdio-1', 2),
      ghapWriter(mcp[3]!), cliWriter('cli-0'), cliWriter('cli-1'), hookRunner(), backup(),
    ]);
    assert.deepEqual(failures.slice(0, 5), [], `${failures.length} writes failed`);

    const seen = await storedContents();
    const lost = [...acked].filter((c) => !seen.has(c));
    const duplicated = [...seen].filter(([, n]) => n > 1).map(([c, n]) => `${c} ×${n}`);
    assert.deepEqual(lost.slice(0, 5), [], `${lost.length} acknowledged writes lost`);
    assert.deepEqual(duplicated.slice(0, 5), [], `${duplicated.length} duplicated`);
    assert.equal(seen.size, acked.size, 'stored memories nobody acknowledged');
    const app = t.app();
    try {
      const rows = app.db.prepare(`SELECT id, COUNT(*) AS n FROM ghap_entries WHERE status = 'confirmed' GROUP BY id`).all() as { id: string; n: number }[];
      const byId = new Map(rows.map((r) => [r.id, r.n]));
      assert.deepEqual(ghapIds.filter((id) => byId.get(id) !== 1), [], 'resolved GHAP entries missing');
    } finally {
      await app.close();
    }
    await Promise.all(clients.splice(0).map((c) => c.close()));
    const verify = await runCli(['backup', 'verify', backupName, '--json'], env);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    const logs = stdioLogs.join('') + readFileSync(join(t.calmHome, 'server.log'), 'utf8');
    assert.doesNotMatch(logs, /SQLITE_BUSY|database is locked/);
    figures.push(`mixed load ${LOAD_MS / 1000} s: ${acked.size} memories acknowledged (MCP over HTTP and stdio, CLI), ${ghapIds.length} GHAP entries resolved, ` +
      `${hooks} hook runs, backup '${backupName}' verified; lost 0, duplicated 0, failures (SQLITE_BUSY or other) 0`);
  });

  test('kill -9 of the daemon during a burst of writes: every acknowledged write survives, doctor is clean', { timeout: 120_000 }, async () => {
    const client = new Client({ name: 'burst', version: '0.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`)));
    const pid = pidOf(t);
    const acked = new Set<string>();
    let refused = 0;
    let n = 0;
    let killed = false;
    const writer = async (): Promise<void> => {
      while (!killed) {
        const content = `burst memory ${n++}`;
        try {
          // a call cut by the kill is not acknowledged: do not wait out the SDK's 60 s for it
          const r = (await client.callTool({ name: 'store_memory', arguments: { content, category: 'fact', allow_duplicate: true } }, undefined, { timeout: 10_000 })) as CallToolResult;
          if (!r.isError) acked.add(content);
        } catch {
          refused++; // the daemon is gone: not acknowledged
        }
      }
    };
    const writers = Array.from({ length: 8 }, writer);
    while (acked.size < 150) await sleep(20);
    process.kill(pid, 'SIGKILL');
    killed = true;
    await Promise.all(writers);
    await client.close().catch(() => undefined);
    await startDaemon();
    assert.notEqual(pidOf(t), pid);
    const seen = await storedContents();
    const lost = [...acked].filter((c) => !seen.has(c));
    assert.deepEqual(lost, [], `${lost.length} of ${acked.size} acknowledged writes lost`);
    assert.deepEqual([...seen].filter(([c, k]) => c.startsWith('burst') && k > 1), []);
    const doctor = await runCli(['doctor', '--json'], env);
    assert.equal(doctor.code, 0, doctor.stdout + doctor.stderr);
    figures.push(`kill -9 during a burst: ${acked.size} writes acknowledged before the kill, lost 0, ${refused} calls refused by the dead daemon, doctor clean after restart`);
  });

  test('200 connections (keep-alive and slowloris), 50 MB bodies, malformed JSON: /health answers, RSS stays bounded', { timeout: 120_000 }, async () => {
    const pid = pidOf(t);
    const rssBefore = rssMb(pid);
    let rssPeak = rssBefore;
    const latencies: number[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        latencies.push(await health(port));
        rssPeak = Math.max(rssPeak, rssMb(pid));
        await sleep(100);
      }
    })();

    // 100 slowloris sockets: half a request line and one header, then nothing
    const sockets: Socket[] = [];
    for (let i = 0; i < 100; i++) {
      const s = connect(port, '127.0.0.1');
      s.on('error', () => undefined);
      s.write(`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: ${i}`);
      sockets.push(s);
    }
    // 100 keep-alive connections, each asking /health and malformed JSON in turn
    const agent = new Agent({ keepAlive: true, maxSockets: 100 });
    const keepAlive = Array.from({ length: 100 }, (_v, i) => new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/mcp', agent, headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => {
          try {
            assert.equal(res.statusCode, 400, body);
            assert.equal((JSON.parse(body) as { error: { code: number } }).error.code, -32700);
            resolve();
          } catch (e) {
            reject(e as Error);
          }
        });
      });
      req.on('error', reject);
      req.end(i % 2 ? '{"jsonrpc":"2.0","id":1,"method":' : '\u0000\uFFFF not json');
    }));
    await Promise.all(keepAlive);
    agent.destroy();

    // 50 MB bodies, declared and chunked: refused with 413 long before the last byte would be sent
    const fifty = Buffer.alloc(50 * 1024 * 1024, 0x61);
    const bigBody = (chunked: boolean): Promise<{ status: number; sent: number }> => new Promise((resolve, reject) => {
      let sent = 0;
      const headers: Record<string, string> = { host: `127.0.0.1:${port}`, 'content-type': 'application/json' };
      if (!chunked) headers['content-length'] = String(fifty.length);
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/mcp', agent: false, headers }, (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, sent }));
      });
      let answered = false;
      req.on('response', () => (answered = true));
      // the server closes after its 413: a write after that fails, which is fine once the answer is in
      req.on('error', (e: NodeJS.ErrnoException) => (answered ? undefined : e.code === 'EPIPE' || e.code === 'ECONNRESET' ? resolve({ status: 0, sent }) : reject(e)));
      const step = 256 * 1024;
      const pump = (): void => {
        while (sent < fifty.length) {
          const ok = req.write(fifty.subarray(sent, sent + step));
          sent += step;
          if (!ok) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });
    const bigResults = await Promise.all([bigBody(false), bigBody(true), bigBody(false), bigBody(true)]);
    for (const r of bigResults) assert.equal(r.status, 413);

    // the slowloris sockets are still held open by their clients: /health must not care
    latencies.push(await health(port));
    watching = false;
    await watcher;
    for (const s of sockets) s.destroy();
    const rssAfter = rssMb(pid);
    rssPeak = Math.max(rssPeak, rssAfter);
    assert.ok(rssPeak < 400, `daemon RSS peaked at ${rssPeak.toFixed(0)} MB`);
    figures.push(`HTTP abuse: 100 slowloris + 100 keep-alive malformed-JSON connections, 4 × 50 MB bodies (413; ${bigResults.map((r) => `${(r.sent / 1024 / 1024).toFixed(0)} MB`).join(', ')} written by the client before the answer); ` +
      `/health ${latencies.length} checks, p50 ${percentile(latencies, 50).toFixed(1)} ms, p95 ${percentile(latencies, 95).toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms; ` +
      `daemon RSS ${rssBefore.toFixed(0)} MB before, peak ${rssPeak.toFixed(0)} MB, ${rssAfter.toFixed(0)} MB after`);
  });
});
