/**
 * @module Benchmarks for the embedded RecordStore, each against a plain-JavaScript baseline from the same run.
 *
 *   node --import tsx bench/store.ts            N = 10,000 and N = 100,000
 *   node --import tsx bench/store.ts --quick    N = 10,000 only
 *
 * Data: seeded random 384-d unit vectors (the default embedder's size), a payload `{bucket: i % 10, i}`
 * and a short text of words drawn from a Zipf-like vocabulary. Everything lives in a temp dir (with a
 * temp HOME and CALM_HOME) removed at the end.
 *
 * Baselines: insert = pushing the Float32Arrays into an array; KNN = dot products over every vector with
 * a partial sort for the top 10 (the vectors are unit length, so the dot product is the cosine);
 * filtered KNN = the same scan, skipping records whose payload fails the filter; keyword = a scan of
 * every text for any query word (no ranking, so it is a floor rather than an equivalent).
 */
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { prng, randomUnit } from '../test/helpers/random.js';

const DIM = 384;
const BATCH = 1000;
const K = 10;

interface Plan {
  readonly n: number;
  readonly knnQueries: number;
  readonly filteredQueries: number;
  readonly keywordQueries: number;
}

const PLANS: readonly Plan[] = [
  { n: 10_000, knnQueries: 200, filteredQueries: 200, keywordQueries: 200 },
  { n: 100_000, knnQueries: 100, filteredQueries: 100, keywordQueries: 100 },
];

// ---- data ---------------------------------------------------------------------------------------

/** `count` seeded unit vectors (Gaussian components, so directions are uniform). */
function unitVectors(count: number, seed: number): Float32Array[] {
  const rand = prng(seed);
  return Array.from({ length: count }, () => randomUnit(rand, DIM));
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'shi', 'vo', 'pe', 'zu', 'gan', 'tor', 'bel', 'qui', 'dra', 'fen'];

function vocabulary(size: number, rand: () => number): string[] {
  const words = new Set<string>();
  while (words.size < size) {
    const parts = 2 + Math.floor(rand() * 3);
    let w = '';
    for (let p = 0; p < parts; p++) w += SYLLABLES[Math.floor(rand() * SYLLABLES.length)]!;
    words.add(w);
  }
  return [...words];
}

/** Texts of 8–15 words; word r is drawn with weight 1/(r+1), roughly Zipf like natural text. */
function texts(count: number, seed: number): { texts: string[]; vocab: string[] } {
  const rand = prng(seed);
  const vocab = vocabulary(5000, rand);
  const cumulative: number[] = [];
  let total = 0;
  for (let r = 0; r < vocab.length; r++) cumulative.push((total += 1 / (r + 1)));
  const draw = (): string => {
    const x = rand() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return vocab[lo]!;
  };
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const len = 8 + Math.floor(rand() * 8);
    const words: string[] = [];
    for (let w = 0; w < len; w++) words.push(draw());
    out.push(words.join(' '));
  }
  return { texts: out, vocab };
}

// ---- baselines ------------------------------------------------------------------------------------

/** Top-k by dot product over every vector passing `keep`, with a small sorted buffer as partial sort. */
function bruteTopK(query: Float32Array, vectors: readonly Float32Array[], k: number, keep?: (i: number) => boolean): number[] {
  const bestIdx: number[] = [];
  const bestScore: number[] = [];
  for (let i = 0; i < vectors.length; i++) {
    if (keep && !keep(i)) continue;
    const v = vectors[i]!;
    let dot = 0;
    for (let j = 0; j < DIM; j++) dot += query[j]! * v[j]!;
    if (bestScore.length === k && dot <= bestScore[k - 1]!) continue;
    let pos = bestScore.length;
    while (pos > 0 && bestScore[pos - 1]! < dot) pos--;
    bestScore.splice(pos, 0, dot);
    bestIdx.splice(pos, 0, i);
    if (bestScore.length > k) {
      bestScore.pop();
      bestIdx.pop();
    }
  }
  return bestIdx;
}

/** Every text is scanned (a ranked search must see all matches too); hits are not ranked. */
function naiveKeyword(query: string, docs: readonly string[], limit: number): number[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const hits: number[] = [];
  for (let i = 0; i < docs.length; i++) {
    const tokens = docs[i]!.split(' ');
    if (words.some((w) => tokens.includes(w))) hits.push(i);
  }
  return hits.slice(0, limit);
}

// ---- measuring -------------------------------------------------------------------------------------

interface Latency {
  p50: number;
  p95: number;
}

function percentiles(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
  return { p50: at(0.5), p95: at(0.95) };
}

async function timeEach<T>(inputs: readonly T[], run: (input: T) => unknown, warmup = 3): Promise<Latency> {
  for (const input of inputs.slice(0, warmup)) await run(input);
  const samples: number[] = [];
  for (const input of inputs) {
    const start = performance.now();
    await run(input);
    samples.push(performance.now() - start);
  }
  return percentiles(samples);
}

interface Row {
  readonly n: number;
  readonly metric: string;
  readonly calm: string;
  readonly baseline: string;
  readonly ratio: string;
}

const ms = (x: number): string => (x < 1 ? `${x.toFixed(3)} ms` : x < 100 ? `${x.toFixed(2)} ms` : `${x.toFixed(0)} ms`);
const perSec = (x: number): string => `${Math.round(x).toLocaleString('en-US')} rec/s`;
const times = (x: number): string =>
  x >= 100 ? `${x.toFixed(0)}×` : x >= 10 ? `${x.toFixed(1)}×` : x >= 0.01 ? `${x.toFixed(2)}×` : `${x.toPrecision(2)}×`;

function latencyRows(n: number, metric: string, calm: Latency, base: Latency): Row[] {
  return [
    { n, metric: `${metric} p50`, calm: ms(calm.p50), baseline: ms(base.p50), ratio: times(calm.p50 / base.p50) },
    { n, metric: `${metric} p95`, calm: ms(calm.p95), baseline: ms(base.p95), ratio: times(calm.p95 / base.p95) },
  ];
}

function printTable(rows: readonly Row[]): void {
  const header: Row = { n: 0, metric: 'metric', calm: 'calm (sqlite-vec)', baseline: 'JS baseline', ratio: 'calm ÷ baseline' };
  const cells = (r: Row, isHeader: boolean): string[] => [isHeader ? 'N' : r.n.toLocaleString('en-US'), r.metric, r.calm, r.baseline, r.ratio];
  const all = [cells(header, true), ...rows.map((r) => cells(r, false))];
  const widths = all[0]!.map((_, c) => Math.max(...all.map((row) => row[c]!.length)));
  const line = (row: string[]): string => row.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  │  ');
  console.log(line(all[0]!));
  console.log(widths.map((w) => '─'.repeat(w)).join('──┼──'));
  let lastN = rows[0]?.n;
  for (const [i, row] of all.slice(1).entries()) {
    if (rows[i]!.n !== lastN) {
      console.log(widths.map((w) => '─'.repeat(w)).join('──┼──'));
      lastN = rows[i]!.n;
    }
    console.log(line(row));
  }
}

// ---- one size -------------------------------------------------------------------------------------------

async function benchSize(plan: Plan, root: string): Promise<Row[]> {
  const { openDatabase } = await import('../src/store/db.js');
  const { SqliteVecRecordStore } = await import('../src/store/records/sqlite-vec/index.js');
  const { n } = plan;
  const log = (msg: string): void => console.error(`[N=${n.toLocaleString('en-US')}] ${msg}`);

  log('generating data');
  const vectors = unitVectors(n, 1000 + n);
  const { texts: docs } = texts(n, 2000 + n);
  const queries = unitVectors(Math.max(plan.knnQueries, plan.filteredQueries), 3000 + n);
  const buckets = Int8Array.from({ length: n }, (_, i) => i % 10);
  const FILTER_BUCKET = 3;
  const rand = prng(4000 + n);
  const keywordQueries = Array.from({ length: plan.keywordQueries }, () => {
    const words = docs[Math.floor(rand() * n)]!.split(' ');
    return `${words[Math.floor(rand() * words.length)]} ${words[Math.floor(rand() * words.length)]}`;
  });

  const rows: Row[] = [];
  const dir = mkdtempSync(join(root, `n${n}-`));
  const file = join(dir, 'metadata.db');
  const db = openDatabase(file);
  try {
    const store = new SqliteVecRecordStore(db);
    await store.ensureCollection('memories', { embedder: 'bench-random', dim: DIM });

    // insert
    log('inserting');
    let start = performance.now();
    for (let b = 0; b < n; b += BATCH) {
      const batch = [];
      for (let i = b; i < Math.min(n, b + BATCH); i++) {
        batch.push({ id: `rec-${i}`, text: docs[i]!, payload: { bucket: buckets[i]!, i }, vector: vectors[i]! });
      }
      await store.upsert('memories', batch);
    }
    const calmInsert = n / ((performance.now() - start) / 1000);
    start = performance.now();
    const pushed: Float32Array[] = [];
    for (let i = 0; i < n; i++) pushed.push(vectors[i]!);
    const baseInsert = n / Math.max((performance.now() - start) / 1000, 1e-6);
    rows.push({ n, metric: 'insert (batches of 1000)', calm: perSec(calmInsert), baseline: perSec(baseInsert), ratio: times(calmInsert / baseInsert) });
    db.pragma('wal_checkpoint(TRUNCATE)');
    const sizeMb = statSync(file).size / 1024 / 1024;

    // KNN
    log(`KNN top-${K}, ${plan.knnQueries} queries`);
    const knnQ = queries.slice(0, plan.knnQueries);
    let agree = 0;
    for (const q of knnQ.slice(0, 20)) {
      const calm = (await store.search('memories', q, { limit: K })).map((r) => r.id);
      const base = bruteTopK(q, pushed, K).map((i) => `rec-${i}`);
      agree += calm.filter((id) => base.includes(id)).length;
    }
    const recall = agree / (20 * K);
    const calmKnn = await timeEach(knnQ, (q) => store.search('memories', q, { limit: K }));
    const baseKnn = await timeEach(knnQ, (q) => bruteTopK(q, pushed, K));
    rows.push(...latencyRows(n, `KNN top-${K} (${knnQ.length} q, recall ${(recall * 100).toFixed(0)}%)`, calmKnn, baseKnn));

    // filtered KNN
    log(`filtered KNN, ${plan.filteredQueries} queries`);
    const filteredQ = queries.slice(0, plan.filteredQueries);
    const filter = { bucket: FILTER_BUCKET };
    const keep = (i: number): boolean => buckets[i] === FILTER_BUCKET;
    const calmFiltered = await timeEach(filteredQ, (q) => store.search('memories', q, { limit: K, filter }));
    const baseFiltered = await timeEach(filteredQ, (q) => bruteTopK(q, pushed, K, keep));
    rows.push(...latencyRows(n, `KNN + filter 10% (${filteredQ.length} q)`, calmFiltered, baseFiltered));

    // the filter alone, to show how much of the filtered search it costs
    const countRuns = Array.from({ length: 10 }, (_, i) => i);
    const calmCount = await timeEach(countRuns, () => store.count('memories', filter), 1);
    const baseCount = await timeEach(countRuns, () => {
      let c = 0;
      for (let i = 0; i < n; i++) if (keep(i)) c++;
      return c;
    }, 1);
    rows.push({ n, metric: 'count(filter 10%) p50', calm: ms(calmCount.p50), baseline: ms(baseCount.p50), ratio: times(calmCount.p50 / baseCount.p50) });

    // keyword
    log(`keyword, ${keywordQueries.length} queries`);
    const calmKeyword = await timeEach(keywordQueries, (q) => store.keyword('memories', q, { limit: K }));
    const baseKeyword = await timeEach(keywordQueries, (q) => naiveKeyword(q, docs, K));
    rows.push(...latencyRows(n, `keyword top-${K} (${keywordQueries.length} q)`, calmKeyword, baseKeyword));
    rows.push({ n, metric: 'database file size', calm: `${sizeMb.toFixed(1)} MB`, baseline: `${((n * DIM * 4) / 1024 / 1024).toFixed(1)} MB`, ratio: times(sizeMb / ((n * DIM * 4) / 1024 / 1024)) });
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

// ---- main -------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const plans = quick ? PLANS.filter((p) => p.n === 10_000) : PLANS;
  const root = mkdtempSync(join(tmpdir(), 'calm-bench-'));
  // never touch the real home, whatever the store reads
  process.env.HOME = join(root, 'home');
  process.env.CALM_HOME = join(root, 'calm');
  mkdirSync(process.env.HOME, { recursive: true });
  const started = performance.now();
  try {
    const rows: Row[] = [];
    for (const plan of plans) rows.push(...(await benchSize(plan, root)));
    console.log(`\ncalm RecordStore benchmark — ${DIM}-d unit vectors, node ${process.version}, ${process.platform}/${process.arch}`);
    console.log('Latencies: lower is better; insert: higher is better. Ratio = calm ÷ baseline.');
    console.log('Insert baseline only stores references (no copy, no disk): it shows the fixed cost of persistence, not a rival.');
    console.log('Keyword baseline scans every text for any query word without ranking: a floor, not an equivalent.\n');
    printTable(rows);
    console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
