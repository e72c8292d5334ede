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
import { paired, peakRssMb, record, turnAbout } from './report.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const scaleArg = process.argv[process.argv.indexOf('--scale') + 1];
const SCALE = process.argv.includes('--scale') ? scaleArg : process.env.CALM_BENCH_SCALE;
const N = SCALE === '100k' ? 100_000 : 10_000;
const RUNS = N > 10_000 ? 60 : 200;
/** Calls that run a brute-force KNN cost ~10× more per call at 100k: fewer of them. */
const KNN_RUNS = N > 10_000 ? 25 : 100;
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
  const [svcFirstMs, rawFirstMs] = await paired(RUNS, () => app.memory.list({}), () => parseAll(rawFirst.all()));
  const [svcDeepMs, rawDeepMs] = await paired(RUNS, () => app.memory.list({ cursor: deepCursor }), () => parseAll(rawAfter.all(midKey, midKey, middle!.id)));
  const floorName = 'raw SQL page + JSON.parse';
  record(
    { group: 'store', name: 'memory.list, first page (50)', n: N, value: svcFirstMs, floor: rawFirstMs, floorName, unit: 'ms', target: 1.5 },
    { group: 'store', name: 'memory.list, cursor page in the middle', n: N, value: svcDeepMs, floor: rawDeepMs, floorName, unit: 'ms', target: 1.5 },
  );
  const [svcOffsetMs, rawOffsetFloorMs] = await paired(50, () => app.memory.list({ offset: Math.floor(N / 2) }), () => parseAll(rawAfter.all(midKey, midKey, middle!.id)));
  record({ group: 'store', name: 'memory.list, offset N/2 (CALM-style, no target)', n: N, value: svcOffsetMs, floor: rawOffsetFloorMs, floorName: 'raw keyset page at the same place', unit: 'ms' });

  const rawCategory = raw.prepare(`SELECT rid, id, text, payload FROM records WHERE collection = 'memories' AND json_extract(payload, '$.category') = 'error' ${order} LIMIT 51`);
  const rawCategoryCount = raw.prepare(`SELECT COUNT(*) FROM records WHERE collection = 'memories' AND json_extract(payload, '$.category') = 'error'`).pluck();
  const firstError = await app.memory.list({ category: 'error' });
  const [svcCatFirst, rawCatFirst] = await paired(RUNS / 4, () => app.memory.list({ category: 'error' }), () => parseAll(rawCategory.all()) + (rawCategoryCount.get() as number));
  const [svcCatNext, rawCatPage] = await paired(RUNS, () => app.memory.list({ category: 'error', cursor: firstError.next_cursor }), () => parseAll(rawCategory.all()));
  record(
    { group: 'store', name: 'memory.list category, first page (+ total)', n: N, value: svcCatFirst, floor: rawCatFirst, floorName: 'raw page + raw COUNT', unit: 'ms', target: 1.5 },
    { group: 'store', name: 'memory.list category, next page (cursor)', n: N, value: svcCatNext, floor: rawCatPage, floorName, unit: 'ms', target: 1.5 },
  );

  const rawValues = raw.prepare(`SELECT rid, id, text, payload FROM records WHERE collection = 'values' AND json_extract(payload, '$.axis') = 'strategy' ${order} LIMIT 20`);
  const [svcValues, rawValuesMs] = await paired(RUNS, () => app.values.list({ axis: 'strategy' }), () => parseAll(rawValues.all()));
  record({ group: 'store', name: 'values.list axis (20)', n: VALUES, value: svcValues, floor: rawValuesMs, floorName, unit: 'ms', target: 1.5 });
  const rawGhap = raw.prepare(`SELECT * FROM ghap_entries WHERE status <> 'active' ORDER BY resolved_at DESC, id DESC LIMIT 20`);
  const [svcGhap, rawGhapMs] = await paired(RUNS, () => app.ghap.list({}), () => rawGhap.all());
  record({ group: 'store', name: 'ghap.list (20)', n: 5000, value: svcGhap, floor: rawGhapMs, floorName: 'raw SQL', unit: 'ms', target: 1.5 });
  const rawUnits = raw.prepare(`SELECT rid, id, text, payload FROM records WHERE collection = 'code_units'
      AND json_extract(payload, '$.project') = ? AND json_extract(payload, '$.file_path') = ? ORDER BY id`);
  const file = (i: number): string => `src/mod${(i * 37) % Math.floor(N / 6)}.ts`;
  const [svcUnits, rawUnitsMs] = await paired(
    N > 10_000 ? 10 : 30,
    (i) => app.records.scroll('code_units', { limit: 1_000_000, filter: { project: 'bench', file_path: file(i) } }),
    (i) => parseAll(rawUnits.all('bench', file(i))),
  );
  record({ group: 'store', name: 'code units of one file (indexer lookup)', n: N, value: svcUnits, floor: rawUnitsMs, floorName, unit: 'ms', target: 1.5 });

  // ---- store_memory against the raw insert -------------------------------------------------------------
  log('store');
  const insRow = raw.prepare(`INSERT INTO records (collection, id, text, payload, created_at, updated_at) VALUES ('memories', ?, ?, ?, ?, ?)`);
  const insVec = raw.prepare(`INSERT INTO "${memTables.vec_table}" (rowid, embedding) VALUES (?, ?)`);
  const insFts = raw.prepare(`INSERT INTO "${memTables.fts_table}" (rowid, text) VALUES (?, ?)`);
  const fresh = (i: number): string => `fresh ${i} ${sentence(i * 101 + 3)} ${i * 7919}`;
  const rawVectors = Array.from({ length: RUNS + 3 * KNN_RUNS + 60 }, (_, i) => hashEmbed(`raw ${fresh(i)}`));
  const rawInsert = (i: number): void => {
    raw.transaction(() => {
      const now = new Date().toISOString();
      const text = `raw ${fresh(i)}`;
      const rid = BigInt(insRow.run(`raw-${i}`, text, JSON.stringify({ content: text, category: 'fact', importance: 0.5, tags: [], created_at: now }), now, now).lastInsertRowid);
      insVec.run(rid, Buffer.from(rawVectors[i]!.buffer));
      insFts.run(rid, text);
    }).immediate();
  };
  const rawKnn = raw.prepare(`SELECT rowid, distance FROM "${memTables.vec_table}" WHERE embedding MATCH ? AND k = 10`);
  // the duplicate check is an index lookup (no KNN): both stores and the raw insert they are held to are
  // timed turn about in one loop, rotating who goes first, so they share the floor of the same moment
  const [svcStoreMs, svcStoreNoDedupeMs, rawInsertMs] = await turnAbout(RUNS, [
    (i) => app.memory.store({ content: fresh(i), category: 'fact' }),
    (i) => app.memory.store({ content: `again ${fresh(i)}`, category: 'fact', allow_duplicate: true }),
    rawInsert,
  ], 5, true) as [number, number, number];
  record(
    { group: 'store', name: 'memory.store (hash embedder, dedupe on)', n: N, value: svcStoreMs, floor: rawInsertMs, floorName: 'raw row + vector + FTS insert, one transaction', unit: 'ms', target: 2 },
    { group: 'store', name: 'memory.store (allow_duplicate: no duplicate lookup)', n: N, value: svcStoreNoDedupeMs, floor: rawInsertMs, floorName: 'raw row + vector + FTS insert, one transaction', unit: 'ms', target: 2 },
  );

  // ---- search against the raw KNN, and the quantised prefilter ---------------------------------------
  log('search');
  const query = (i: number): string => sentence(i * 31 + 5).split(' ').slice(0, 5).join(' ');
  const qVectors = Array.from({ length: RUNS + 20 }, (_, i) => Buffer.from(hashEmbed(query(i)).buffer));
  const rawCodeKnn = raw.prepare(`SELECT rowid, distance FROM "${codeVec}" WHERE embedding MATCH ? AND k = 10`);
  const [svcKnnMs, rawKnnMs] = await paired(KNN_RUNS, (i) => app.memory.retrieve({ query: query(i) }), (i) => rawKnn.all(qVectors[i]!));
  record({ group: 'store', name: 'memory.retrieve semantic (top 10)', n: N, value: svcKnnMs, floor: rawKnnMs, floorName: 'raw vec0 KNN k=10', unit: 'ms', target: 2 });
  const [svcCodeMs, rawCodeMs] = await paired(KNN_RUNS, (i) => app.code.search({ query: query(i) }), (i) => rawCodeKnn.all(qVectors[i]!));
  record({ group: 'store', name: 'code.search semantic (top 10)', n: N, value: svcCodeMs, floor: rawCodeMs, floorName: 'raw vec0 KNN k=10', unit: 'ms', target: 2 });

  // quantised prefilters: candidates from bit (Hamming) or int8 vectors, then exact cosine on those
  raw.exec('CREATE VIRTUAL TABLE bench_bits USING vec0(embedding bit[384])');
  raw.exec(`INSERT INTO bench_bits (rowid, embedding) SELECT rowid, vec_quantize_binary(embedding) FROM "${memTables.vec_table}"`);
  raw.exec('CREATE VIRTUAL TABLE bench_int8 USING vec0(embedding int8[384] distance_metric=cosine)');
  raw.exec(`INSERT INTO bench_int8 (rowid, embedding) SELECT rowid, vec_quantize_int8(embedding, 'unit') FROM "${memTables.vec_table}"`);
  const prefilters = [
    ['bit', 'bench_bits', 'vec_quantize_binary(?)'],
    ['int8', 'bench_int8', "vec_quantize_int8(?, 'unit')"],
  ] as const;
  for (const [kind, table, quantise] of prefilters) {
    for (const factor of [8, 40]) {
      const prefilter = raw.prepare(`WITH c AS (SELECT rowid FROM ${table} WHERE embedding MATCH ${quantise} AND k = ${10 * factor})
          SELECT v.rowid, vec_distance_cosine(v.embedding, ?) AS distance FROM c JOIN "${memTables.vec_table}" v ON v.rowid = c.rowid ORDER BY distance LIMIT 10`);
      let agree = 0;
      for (let i = 0; i < 50; i++) {
        const exact = new Set((rawKnn.all(qVectors[i]!) as { rowid: number }[]).map((r) => r.rowid));
        agree += (prefilter.all(qVectors[i]!, qVectors[i]!) as { rowid: number }[]).filter((r) => exact.has(r.rowid)).length;
      }
      const recall = agree / 500;
      const [took, exactMs] = await paired(KNN_RUNS, (i) => prefilter.all(qVectors[i]!, qVectors[i]!), (i) => rawKnn.all(qVectors[i]!));
      record({
        group: 'store', name: `${kind} prefilter k×${factor} + exact rescoring, recall@10 ${recall.toFixed(3)}`, n: N, value: took, floor: exactMs, floorName: 'raw vec0 KNN k=10', unit: 'ms',
        note: recall >= 0.98 && took < exactMs ? 'faster at recall ≥ 0.98' : `not adopted: ${recall < 0.98 ? 'recall < 0.98' : 'not faster'}`,
      });
    }
  }
  raw.exec('DROP TABLE bench_int8');
  raw.exec('DROP TABLE bench_bits');

  // ---- the same through a real MCP client over stdio ------------------------------------------------------
  log('mcp');
  const transport = new StdioClientTransport({ command: process.execPath, args: [join(ROOT, 'dist', 'cli', 'bin.js'), 'mcp'], env: env as Record<string, string>, cwd: root, stderr: 'ignore' });
  const client = new Client({ name: 'calm-bench', version: '1.0.0' });
  await client.connect(transport);
  const call = (name: string, args: Record<string, unknown>): Promise<unknown> => client.callTool({ name, arguments: args });
  await call('list_memories', {});
  const mcpFloor = 'MCP ping + the raw statement';
  const firstPage = JSON.parse(((await call('list_memories', {})) as { content: { text: string }[] }).content[0]!.text) as { next_cursor: string };
  const ping = (): Promise<unknown> => call('ping', {});
  const viaMcp = async (name: string, runs: number, tool: (i: number) => Promise<unknown>, floor: (i: number) => unknown, floorName: string, target: number, note?: string): Promise<void> => {
    // a longer warm-up: the server's first calls of a tool compile its code path
    const [value, floorMs] = await paired(runs, tool, async (i) => {
      await ping();
      floor(i);
    }, 20);
    record({ group: 'mcp', name, n: N, value, floor: floorMs, floorName, unit: 'ms', target, note });
  };
  await viaMcp('list_memories, first page (50)', RUNS, () => call('list_memories', {}), () => parseAll(rawFirst.all()), mcpFloor, 1.5);
  await viaMcp('list_memories, next page (cursor)', RUNS, () => call('list_memories', { cursor: firstPage.next_cursor }), () => parseAll(rawFirst.all()), mcpFloor, 1.5);
  // the duplicate check is an index lookup, no KNN: the floor is the insert alone
  await viaMcp('store_memory (dedupe on)', KNN_RUNS, (i) => call('store_memory', { content: `via mcp ${fresh(i + 5000)}`, category: 'event' }), (i) => {
    rawInsert(RUNS + 2 * KNN_RUNS + 30 + i);
  }, 'MCP ping + raw insert', 2);
  await viaMcp('retrieve_memories semantic', KNN_RUNS, (i) => call('retrieve_memories', { query: query(i) }), (i) => rawKnn.all(qVectors[i]!), mcpFloor, 2,
    'the server runs in a project (its cwd): one wide KNN, and a second, scoped one only when too few of the project\'s memories are among the best');
  await viaMcp('search_code semantic', KNN_RUNS, (i) => call('search_code', { query: query(i) }), (i) => rawCodeKnn.all(qVectors[i]!), mcpFloor, 2);
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
