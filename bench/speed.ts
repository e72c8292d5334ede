/**
 * @module calm's own paths against the engine underneath, same data, same run (issue 15 "Speed").
 *
 *   node --import tsx bench/speed.ts                 10,000 memories and 10,000 code units
 *   node --import tsx bench/speed.ts --scale 100k    100,000 of each (or CALM_BENCH_SCALE=100k)
 *
 * Floors: the raw engine — hand-written better-sqlite3 statements on a second connection to the same
 * database file (the page query, the row + vector + keyword inserts in one transaction, the vec0 KNN) —
 * and, for tool calls, an MCP `ping` through a real SDK client over stdio plus that raw statement. Also
 * evaluated: a binary-quantised prefilter (sqlite-vec bit vectors, top k×8 by Hamming, then exact cosine
 * on those), reported with its recall@10 against the exact KNN.
 */
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
import { encodeCursor } from '../src/services/page-cursor.js';
import { openDatabase } from '../src/store/db.js';
import { median, peakRssMb, record } from './report.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const scaleArg = process.argv[process.argv.indexOf('--scale') + 1];
const SCALE = process.argv.includes('--scale') ? scaleArg : process.env.CALM_BENCH_SCALE;
const N = SCALE === '100k' ? 100_000 : 10_000;
const RUNS = 200;
const WORDS = ('database migration deploy staging login test flaky cache index query review branch merge release config token ' +
  'secret docker build lint type error timeout retry queue worker schema backup restore vector parser session branch hook ' +
  'daemon socket payload cursor page order count insert update delete search rank score filter tag category import export').split(' ');
const CATEGORIES = ['preference', 'fact', 'event', 'workflow', 'context', 'error', 'decision'];
const sentence = (i: number): string =>
  Array.from({ length: 8 + (i % 7) }, (_, j) => WORDS[(i * 7 + j * 13 + (i >> 3) + (i >> 9) * 5) % WORDS.length]).join(' ') + ` n${i % 997}`;
const memoryId = (i: number): string => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

const root = mkdtempSync(join(tmpdir(), 'calm-bench-speed-'));
const env: NodeJS.ProcessEnv = { ...process.env, HOME: join(root, 'home'), CALM_HOME: join(root, 'calm'), CALM_EMBEDDER: 'hash', CALM_MODEL_DOWNLOAD: 'false' };
for (const k of Object.keys(env)) if (k.startsWith('CALM_') && !['CALM_HOME', 'CALM_EMBEDDER', 'CALM_MODEL_DOWNLOAD', 'CALM_BENCH_REPORT'].includes(k)) delete env[k];
// no project: one KNN per search (in a project, retrieve also searches the project's own memories)
const app = createApp(loadConfig(env), { currentProject: () => Promise.resolve(undefined) });
const started = performance.now();
const log = (msg: string): void => console.error(`[speed N=${N.toLocaleString('en-US')}] ${msg} (${((performance.now() - started) / 1000).toFixed(0)} s)`);

try {
  // ---- data: memories as store_memory writes them, code units as the indexer does -----------------
  log('seeding');
  await app.records.ensureCollection('memories', { embedder: 'hash-v1', dim: 384 });
  await app.records.ensureCollection('code_units', { embedder: 'hash-v1', dim: 384 });
  await app.records.ensureCollection('values', { embedder: 'hash-v1', dim: 384 });
  const base = Date.parse('2025-01-01T00:00:00Z');
  for (let start = 0; start < N; start += 1000) {
    const batch = Array.from({ length: Math.min(1000, N - start) }, (_, k) => {
      const i = start + k;
      const content = sentence(i);
      // every 4th pair shares a timestamp: the tie-break by id is part of what is measured
      const created = new Date(base + Math.floor(i / 2) * 1000).toISOString();
      const payload = { id: memoryId(i), content, category: CATEGORIES[i % 7], importance: 0.5, tags: [`t${i % 20}`], created_at: created, created_ts: Date.parse(created) / 1000 };
      return { id: memoryId(i), text: content, payload, vector: hashEmbed(content) };
    });
    await app.records.upsert('memories', batch);
    const units = batch.map((m, k) => {
      const i = start + k;
      const file = `src/mod${Math.floor(i / 6)}.ts`;
      const payload = { project: 'bench', file_path: file, name: `fn${i}`, qualified_name: `mod${Math.floor(i / 6)}.fn${i}`, unit_type: 'function', language: 'typescript', start_line: 1 + (i % 6) * 10, end_line: 9 + (i % 6) * 10, signature: `function fn${i}()`, docstring: m.text, complexity: 1 };
      return { id: `bench:${file}:fn${i}`, text: `function fn${i}() ${m.text}`, payload, vector: hashEmbed(`function fn${i}() ${m.text}`) };
    });
    await app.records.upsert('code_units', units);
  }
  const VALUES = 2000;
  await app.records.upsert('values', Array.from({ length: VALUES }, (_, i) => ({
    id: `value-${i}`, text: sentence(i + 7), vector: hashEmbed(sentence(i + 7)),
    payload: { axis: ['full', 'strategy', 'surprise', 'root_cause'][i % 4], text: sentence(i + 7), cluster_id: `c${i % 40}`, created_at: new Date(base + i * 60_000).toISOString() },
  })));
  const db = openDatabase(join(env.CALM_HOME!, 'metadata.db'));
  const ghapInsert = db.prepare(`INSERT INTO ghap_entries (id, domain, strategy, goal, hypothesis, action, prediction, status, created_at, resolved_at)
    VALUES (?, 'debugging', 'systematic-elimination', 'g', 'h', 'a', 'p', ?, ?, ?)`);
  db.transaction(() => {
    for (let i = 0; i < 5000; i++) {
      const at = new Date(base + i * 60_000).toISOString();
      ghapInsert.run(`ghap_${String(i).padStart(6, '0')}`, ['confirmed', 'falsified', 'abandoned'][i % 3], at, at);
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  const raw = db; // the raw engine: a second connection to the same file
  const memTables = raw.prepare("SELECT vec_table, fts_table FROM record_collections WHERE name = 'memories'").get() as { vec_table: string; fts_table: string };
  const codeVec = (raw.prepare("SELECT vec_table FROM record_collections WHERE name = 'code_units'").get() as { vec_table: string }).vec_table;

  // ---- list / paging paths against the raw page query ------------------------------------------------
  log('paging');
  const order = "ORDER BY json_extract(payload, '$.created_at') DESC, id DESC";
  const rawFirst = raw.prepare(`SELECT rid, id, text, payload, created_at, updated_at FROM records WHERE collection = 'memories' ${order} LIMIT 51`);
  const rawAfter = raw.prepare(`SELECT rid, id, text, payload, created_at, updated_at FROM records WHERE collection = 'memories'
      AND json_extract(payload, '$.created_at') <= ? AND (json_extract(payload, '$.created_at') < ? OR id < ?) ${order} LIMIT 51`);
  const parseAll = (rows: unknown[]): number => rows.reduce<number>((n, r) => n + Object.keys(JSON.parse((r as { payload: string }).payload) as object).length, 0);
  const [middle] = await app.records.scroll('memories', { limit: 1, offset: Math.floor(N / 2), orderBy: { key: 'created_at', direction: 'desc' } });
  const midKey = middle!.payload.created_at as string;
  const deepCursor = encodeCursor(middle!, 'created_at', '{}');
  const rawFirstMs = await median(RUNS, () => parseAll(rawFirst.all()));
  const rawDeepMs = await median(RUNS, () => parseAll(rawAfter.all(midKey, midKey, middle!.id)));
  const svcFirstMs = await median(RUNS, () => app.memory.list({}));
  const svcDeepMs = await median(RUNS, () => app.memory.list({ cursor: deepCursor }));
  const floorName = 'raw SQL page + JSON.parse';
  record(
    { group: 'store', name: 'memory.list, first page (50)', n: N, value: svcFirstMs, floor: rawFirstMs, floorName, unit: 'ms', target: 1.5 },
    { group: 'store', name: 'memory.list, cursor page in the middle', n: N, value: svcDeepMs, floor: rawDeepMs, floorName, unit: 'ms', target: 1.5 },
  );
  const svcOffsetMs = await median(50, () => app.memory.list({ offset: Math.floor(N / 2) }));
  record({ group: 'store', name: 'memory.list, offset N/2 (CALM-style, no target)', n: N, value: svcOffsetMs, floor: rawDeepMs, floorName: 'raw keyset page at the same place', unit: 'ms' });

  const rawCategory = raw.prepare(`SELECT rid, id, text, payload FROM records WHERE collection = 'memories' AND json_extract(payload, '$.category') = 'error' ${order} LIMIT 51`);
  const rawCategoryCount = raw.prepare(`SELECT COUNT(*) FROM records WHERE collection = 'memories' AND json_extract(payload, '$.category') = 'error'`).pluck();
  const firstError = await app.memory.list({ category: 'error' });
  const rawCatFirst = await median(RUNS, () => parseAll(rawCategory.all()) + (rawCategoryCount.get() as number));
  const svcCatFirst = await median(RUNS, () => app.memory.list({ category: 'error' }));
  const svcCatNext = await median(RUNS, () => app.memory.list({ category: 'error', cursor: firstError.next_cursor }));
  const rawCatPage = await median(RUNS, () => parseAll(rawCategory.all()));
  record(
    { group: 'store', name: 'memory.list category, first page (+ total)', n: N, value: svcCatFirst, floor: rawCatFirst, floorName: 'raw page + raw COUNT', unit: 'ms', target: 1.5 },
    { group: 'store', name: 'memory.list category, next page (cursor)', n: N, value: svcCatNext, floor: rawCatPage, floorName, unit: 'ms', target: 1.5 },
  );

  const rawValues = raw.prepare(`SELECT rid, id, text, payload FROM records WHERE collection = 'values' AND json_extract(payload, '$.axis') = 'strategy' ${order} LIMIT 20`);
  record({
    group: 'store', name: 'values.list axis (20)', n: VALUES, value: await median(RUNS, () => app.values.list({ axis: 'strategy' })),
    floor: await median(RUNS, () => parseAll(rawValues.all())), floorName, unit: 'ms', target: 1.5,
  });
  const rawGhap = raw.prepare(`SELECT * FROM ghap_entries WHERE status <> 'active' ORDER BY resolved_at DESC, id DESC LIMIT 20`);
  record({
    group: 'store', name: 'ghap.list (20)', n: 5000, value: await median(RUNS, () => app.ghap.list({})),
    floor: await median(RUNS, () => rawGhap.all()), floorName: 'raw SQL', unit: 'ms', target: 1.5,
  });
  const rawUnits = raw.prepare(`SELECT rid, id, text, payload FROM records WHERE collection = 'code_units'
      AND json_extract(payload, '$.project') = ? AND json_extract(payload, '$.file_path') = ? ORDER BY id`);
  const file = (i: number): string => `src/mod${(i * 37) % Math.floor(N / 6)}.ts`;
  record({
    group: 'store', name: 'code units of one file (indexer lookup)', n: N,
    value: await median(50, (i) => app.records.scroll('code_units', { limit: 1_000_000, filter: { project: 'bench', file_path: file(i) } })),
    floor: await median(50, (i) => parseAll(rawUnits.all('bench', file(i)))), floorName, unit: 'ms', target: 1.5,
  });

  // ---- store_memory against the raw insert -------------------------------------------------------------
  log('store');
  const insRow = raw.prepare(`INSERT INTO records (collection, id, text, payload, created_at, updated_at) VALUES ('memories', ?, ?, ?, ?, ?)`);
  const insVec = raw.prepare(`INSERT INTO "${memTables.vec_table}" (rowid, embedding) VALUES (?, ?)`);
  const insFts = raw.prepare(`INSERT INTO "${memTables.fts_table}" (rowid, text) VALUES (?, ?)`);
  const fresh = (i: number): string => `fresh ${i} ${sentence(i * 101 + 3)} ${i * 7919}`;
  const rawVectors = Array.from({ length: RUNS + 20 }, (_, i) => hashEmbed(`raw ${fresh(i)}`));
  const rawInsertMs = await median(RUNS, (i) => {
    raw.transaction(() => {
      const now = new Date().toISOString();
      const text = `raw ${fresh(i)}`;
      const rid = BigInt(insRow.run(`raw-${i}`, text, JSON.stringify({ content: text, category: 'fact', importance: 0.5, tags: [], created_at: now }), now, now).lastInsertRowid);
      insVec.run(rid, Buffer.from(rawVectors[i]!.buffer));
      insFts.run(rid, text);
    }).immediate();
  });
  const svcStoreMs = await median(RUNS, (i) => app.memory.store({ content: fresh(i), category: 'fact' }));
  record({ group: 'store', name: 'memory.store (hash embedder, dedupe on)', n: N, value: svcStoreMs, floor: rawInsertMs, floorName: 'raw row + vector + FTS insert, one transaction', unit: 'ms', target: 2 });

  // ---- search against the raw KNN, and the quantised prefilter ---------------------------------------
  log('search');
  const query = (i: number): string => sentence(i * 31 + 5).split(' ').slice(0, 5).join(' ');
  const qVectors = Array.from({ length: RUNS + 20 }, (_, i) => Buffer.from(hashEmbed(query(i)).buffer));
  const rawKnn = raw.prepare(`SELECT rowid, distance FROM "${memTables.vec_table}" WHERE embedding MATCH ? AND k = 10`);
  const rawCodeKnn = raw.prepare(`SELECT rowid, distance FROM "${codeVec}" WHERE embedding MATCH ? AND k = 10`);
  const rawKnnMs = await median(RUNS, (i) => rawKnn.all(qVectors[i]!));
  record({ group: 'store', name: 'memory.retrieve semantic (top 10)', n: N, value: await median(RUNS, (i) => app.memory.retrieve({ query: query(i) })), floor: rawKnnMs, floorName: 'raw vec0 KNN k=10', unit: 'ms', target: 2 });
  const rawCodeMs = await median(RUNS, (i) => rawCodeKnn.all(qVectors[i]!));
  record({ group: 'store', name: 'code.search semantic (top 10)', n: N, value: await median(RUNS, (i) => app.code.search({ query: query(i) })), floor: rawCodeMs, floorName: 'raw vec0 KNN k=10', unit: 'ms', target: 2 });

  // binary quantisation: 384 bits per vector, Hamming top 80, exact cosine on those 80
  raw.exec('CREATE VIRTUAL TABLE bench_bits USING vec0(embedding bit[384])');
  raw.exec(`INSERT INTO bench_bits (rowid, embedding) SELECT rowid, vec_quantize_binary(embedding) FROM "${memTables.vec_table}"`);
  const prefilter = raw.prepare(`WITH c AS (SELECT rowid FROM bench_bits WHERE embedding MATCH vec_quantize_binary(?) AND k = 80)
      SELECT v.rowid, vec_distance_cosine(v.embedding, ?) AS distance FROM c JOIN "${memTables.vec_table}" v ON v.rowid = c.rowid ORDER BY distance LIMIT 10`);
  let agree = 0;
  for (let i = 0; i < 100; i++) {
    const exact = new Set((rawKnn.all(qVectors[i]!) as { rowid: number }[]).map((r) => r.rowid));
    agree += (prefilter.all(qVectors[i]!, qVectors[i]!) as { rowid: number }[]).filter((r) => exact.has(r.rowid)).length;
  }
  const recall = agree / 1000;
  const bitMs = await median(RUNS, (i) => prefilter.all(qVectors[i]!, qVectors[i]!));
  record({
    group: 'store', name: `bit prefilter k×8 + exact rescoring (recall@10 ${recall.toFixed(3)})`, n: N, value: bitMs, floor: rawKnnMs, floorName: 'raw vec0 KNN k=10', unit: 'ms',
    note: recall >= 0.98 && bitMs < rawKnnMs ? 'faster at recall ≥ 0.98' : 'not adopted: needs recall@10 ≥ 0.98 and to be faster',
  });
  raw.exec('DROP TABLE bench_bits');

  // ---- the same through a real MCP client over stdio ------------------------------------------------------
  log('mcp');
  const transport = new StdioClientTransport({ command: process.execPath, args: [join(ROOT, 'dist', 'cli', 'bin.js'), 'mcp'], env: env as Record<string, string>, cwd: root, stderr: 'ignore' });
  const client = new Client({ name: 'calm-bench', version: '1.0.0' });
  await client.connect(transport);
  const call = (name: string, args: Record<string, unknown>): Promise<unknown> => client.callTool({ name, arguments: args });
  await call('list_memories', {});
  const pingMs = await median(RUNS, () => call('ping', {}), 20);
  const mcpFloor = 'MCP ping + raw';
  const firstPage = JSON.parse(((await call('list_memories', {})) as { content: { text: string }[] }).content[0]!.text) as { next_cursor: string };
  record(
    { group: 'mcp', name: 'list_memories, first page (50)', n: N, value: await median(RUNS, () => call('list_memories', {})), floor: pingMs + rawFirstMs, floorName: mcpFloor, unit: 'ms', target: 1.5 },
    { group: 'mcp', name: 'list_memories, next page (cursor)', n: N, value: await median(RUNS, () => call('list_memories', { cursor: firstPage.next_cursor })), floor: pingMs + rawFirstMs, floorName: mcpFloor, unit: 'ms', target: 1.5 },
    { group: 'mcp', name: 'store_memory', n: N, value: await median(RUNS, (i) => call('store_memory', { content: `via mcp ${fresh(i + 5000)}`, category: 'event' })), floor: pingMs + rawInsertMs, floorName: mcpFloor, unit: 'ms', target: 2 },
    { group: 'mcp', name: 'retrieve_memories semantic', n: N, value: await median(RUNS, (i) => call('retrieve_memories', { query: query(i) })), floor: pingMs + rawKnnMs, floorName: mcpFloor, unit: 'ms', target: 2 },
    { group: 'mcp', name: 'search_code semantic', n: N, value: await median(RUNS, (i) => call('search_code', { query: query(i) })), floor: pingMs + rawCodeMs, floorName: mcpFloor, unit: 'ms', target: 2 },
  );
  const serverRss = peakRssMb(transport.pid ?? undefined);
  await client.close();
  raw.close();
  const benchRss = peakRssMb()!;
  record({ group: 'memory', name: 'peak RSS, bench process (data + service + raw)', n: N, value: benchRss, floor: benchRss, floorName: 'itself', unit: 'MB' });
  if (serverRss !== undefined) record({ group: 'memory', name: 'peak RSS, calm mcp server', n: N, value: serverRss, floor: benchRss, floorName: 'bench process', unit: 'MB' });
  log(`done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
} finally {
  await app.close();
  rmSync(root, { recursive: true, force: true });
}
