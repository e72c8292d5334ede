/**
 * @module MCP round-trip cost: `retrieve_memories` and `store_memory` through a real `calm mcp` stdio
 * server process, against the same service calls made directly in this process (the baseline).
 *
 *   node --import tsx bench/mcp.ts            1,000 and 10,000 memories
 *   node --import tsx bench/mcp.ts --quick    1,000 only
 *
 * CALM's own targets were store < 500 ms and retrieve < 300 ms at p95.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { hashEmbed } from '../src/embedding/hash.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const QUERIES = 200;
const STORES = 200;
const WORDS = ('database migration deploy staging login test flaky cache index query review branch merge release ' +
  'config token secret docker build lint type error timeout retry queue worker schema backup restore vector').split(' ');

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function timed(n: number, fn: (i: number) => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn(i);
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p95: percentile(samples, 95) };
}

const sentence = (i: number): string =>
  Array.from({ length: 8 + (i % 7) }, (_, j) => WORDS[(i * 7 + j * 13 + (i >> 3)) % WORDS.length]).join(' ');

async function run(n: number): Promise<string[]> {
  const root = mkdtempSync(join(tmpdir(), 'calm-bench-mcp-'));
  const env = { ...process.env, HOME: join(root, 'home'), CALM_HOME: join(root, 'calm'), CALM_EMBEDDER: 'hash', CALM_MODEL_DOWNLOAD: 'false' };
  const app = createApp(loadConfig(env));
  const rows: string[] = [];
  try {
    // seed through the record store in bulk, with the payload store_memory writes
    await app.records.ensureCollection('memories', { embedder: 'hash-v1', dim: 384 });
    for (let start = 0; start < n; start += 1000) {
      await app.records.upsert(
        'memories',
        Array.from({ length: Math.min(1000, n - start) }, (_, k) => {
          const i = start + k;
          const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
          const content = sentence(i);
          const payload = { id, content, category: 'fact', importance: 0.5, tags: [], created_at: new Date(1_700_000_000_000 + i).toISOString() };
          return { id, text: content, payload, vector: hashEmbed(content) };
        }),
      );
    }
    const query = (i: number): string => sentence(i * 31 + 5).split(' ').slice(0, 4).join(' ');

    const directRetrieve = await timed(QUERIES, (i) => app.memory.retrieve({ query: query(i) }));
    const directHybrid = await timed(QUERIES, (i) => app.memory.retrieve({ query: query(i), search_mode: 'hybrid' }));
    const directStore = await timed(STORES, (i) => app.memory.store({ content: `direct ${sentence(i)}`, category: 'event' }));

    const transport = new StdioClientTransport({ command: process.execPath, args: [join(ROOT, 'dist', 'cli', 'bin.js'), 'mcp'], env, stderr: 'ignore' });
    const client = new Client({ name: 'calm-bench', version: '1.0.0' });
    await client.connect(transport);
    await client.callTool({ name: 'ping', arguments: {} }); // the server is up and warm
    const mcpRetrieve = await timed(QUERIES, (i) => client.callTool({ name: 'retrieve_memories', arguments: { query: query(i) } }));
    const mcpHybrid = await timed(QUERIES, (i) => client.callTool({ name: 'retrieve_memories', arguments: { query: query(i), search_mode: 'hybrid' } }));
    const mcpStore = await timed(STORES, (i) => client.callTool({ name: 'store_memory', arguments: { content: `mcp ${sentence(i)}`, category: 'event' } }));
    await client.close();

    const line = (what: string, d: { p50: number; p95: number }, m: { p50: number; p95: number }, target: number): string =>
      `${n.toLocaleString('en-US').padEnd(7)} │ ${what.padEnd(26)} │ ${d.p50.toFixed(2).padStart(7)} / ${d.p95.toFixed(2).padStart(7)} ms │ ` +
      `${m.p50.toFixed(2).padStart(7)} / ${m.p95.toFixed(2).padStart(7)} ms │ ${(m.p50 / d.p50).toFixed(2).padStart(6)}× / ${(m.p95 / d.p95).toFixed(2).padStart(6)}× │ ` +
      `${m.p95 < target ? 'meets' : 'misses'} CALM's ${target} ms p95`;
    rows.push(line('retrieve_memories semantic', directRetrieve, mcpRetrieve, 300));
    rows.push(line('retrieve_memories hybrid', directHybrid, mcpHybrid, 300));
    rows.push(line('store_memory', directStore, mcpStore, 500));
  } finally {
    await app.close();
    rmSync(root, { recursive: true, force: true });
  }
  return rows;
}

const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
if (build.status !== 0) process.exit(1);
const sizes = process.argv.includes('--quick') ? [1000] : [1000, 10_000];
console.log('MCP stdio round trip vs direct service call (hash embedder; p50 / p95 over 200 calls each)\n');
console.log(`N       │ call                       │ direct p50 / p95       │ via MCP stdio p50 / p95 │ MCP ÷ direct      │ target`);
for (const n of sizes) for (const row of await run(n)) console.log(row);
