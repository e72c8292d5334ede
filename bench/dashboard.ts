/**
 * @module The dashboard's memory list at 100k memories, over the daemon's real HTTP server, as ratios
 * against `GET /health` on the same server (the floor of any request: HTTP, routing, JSON).
 * Run: `node --import tsx bench/dashboard.ts` (`--quick`: 10k). Memories go straight into the record
 * store with hash vectors, so the setup is fast.
 *
 * Measured (median of 15 requests each): the first page of 50 without a total (rows carry a 300-character
 * content preview, as the page shows them), the same with `total=1` (a count of every match), a page deep
 * in the list by offset N/2 and the same page by cursor (keyset: what the page sends while scrolling on),
 * a filtered first page (one category of seven) and a deep one by offset and by cursor, and a keyword search.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { startHttpServer } from '../src/mcp/http.js';
import { seedSyntheticMemories } from './seed-memories.js';

const N = process.argv.includes('--quick') ? 10_000 : 100_000;
const RUNS = 15;
const root = mkdtempSync(join(tmpdir(), 'calm-bench-dashboard-'));
const env: NodeJS.ProcessEnv = { ...process.env, HOME: join(root, 'home'), CALM_HOME: join(root, 'calm'), CALM_MODEL_DOWNLOAD: 'false' };
for (const k of Object.keys(env)) if (k.startsWith('CALM_') && !['CALM_HOME', 'CALM_MODEL_DOWNLOAD'].includes(k)) delete env[k];

async function median(url: string): Promise<number> {
  const times: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    const start = performance.now();
    const res = await fetch(url);
    if (res.status !== 200) throw new Error(`${url}: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(RUNS / 2)]!;
}

const app = createApp(loadConfig(env));
try {
  process.stdout.write(`Inserting ${N.toLocaleString('en-US')} memories... `);
  const t0 = performance.now();
  await seedSyntheticMemories(app, N);
  console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s\n`);

  const server = await startHttpServer(app, { host: '127.0.0.1', port: 0, log: () => undefined });
  const base = server.url.replace(/\/mcp$/, '');
  try {
    const floor = await median(`${base}/health`);
    // the cursor the page holds when it reaches row N/2: the next_cursor of the row before it
    const cursorAt = async (row: number, filter = ''): Promise<string> => {
      const res = await fetch(`${base}/api/memories?limit=1&offset=${row - 1}${filter}`);
      return encodeURIComponent(((await res.json()) as { next_cursor: string }).next_cursor);
    };
    // halfway through one category of seven
    const DEEP_FACT = Math.floor(N / 14);
    const rows: [string, string][] = [
      ['first page (limit 50)', '/api/memories?limit=50'],
      ['first page with total=1', '/api/memories?limit=50&total=1'],
      [`page at offset ${(N / 2).toLocaleString('en-US')}`, `/api/memories?limit=50&offset=${N / 2}`],
      [`same page by cursor`, `/api/memories?limit=50&cursor=${await cursorAt(N / 2)}`],
      ['first page, category=fact', '/api/memories?limit=50&category=fact'],
      [`category=fact, offset ${DEEP_FACT.toLocaleString('en-US')}`, `/api/memories?limit=50&category=fact&offset=${DEEP_FACT}`],
      ['same page by cursor', `/api/memories?limit=50&category=fact&cursor=${await cursorAt(DEEP_FACT, '&category=fact')}`],
      ['keyword search (limit 20)', '/api/memories/search?mode=keyword&limit=20&query=service%20retries%20hosts'],
    ];
    console.log(`  ${'GET /health (baseline)'.padEnd(40)} ${floor.toFixed(1).padStart(8)} ms    1.0×`);
    for (const [label, path] of rows) {
      const ms = await median(`${base}${path}`);
      console.log(`  ${label.padEnd(40)} ${ms.toFixed(1).padStart(8)} ms ${(ms / floor).toFixed(1).padStart(6)}×`);
    }
  } finally {
    await server.close();
  }
} finally {
  await app.close();
  rmSync(root, { recursive: true, force: true });
}
