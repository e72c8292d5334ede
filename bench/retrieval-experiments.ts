/**
 * @module Experiments for the paraphrase set (issue 16), beside calm's hybrid: thesaurus query expansion
 * and document expansion of the keyword side, pseudo-relevance feedback, multi-vector memories (clauses),
 * hubness reduction (CSLS) and a synonym-expanded query embedding. Every tuned parameter is chosen on the
 * even-indexed queries and reported on the odd ones ("held-out") and on the whole set; the summary at the
 * end gives each family's pick and verdict. None of these is in calm: README "Search modes" says why.
 *
 *   CALM_BENCH_THESAURI=DIR node --import tsx bench/retrieval-experiments.ts
 *
 * DIR holds node_modules with the npm packages `synonyms` and `thesaurus` (not dependencies of calm; without
 * them the thesaurus variants are skipped). EXP=prf,csls runs only the variants whose names start so.
 * About 10 minutes on the shared 2-core machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { cosineSimilarity, type Embedder, l2normalize } from '../src/embedding/embedder.js';
import { HashEmbedder } from '../src/embedding/hash.js';
import { isUseInstalled, loadUseEmbedder } from '../src/embedding/use.js';
import { CollectionGuard } from '../src/services/collection-guard.js';
import { MemoryService } from '../src/services/memory.js';
import { meaningfulTerms } from '../src/services/query-terms.js';
import { coverageFusion, type FusionProfile, fusionProfileFor, SearchEngine } from '../src/services/search.js';
import type { ScoredRecord } from '../src/store/records/record-store.js';
import { DISTRACTORS, HARD_DISTRACTORS, TARGETS } from './retrieval-data.js';
import { queriesOf, type Scores, score, SETS, TOP } from './retrieval-score.js';

// the thesauri are not dependencies of calm: `npm install synonyms thesaurus` in a folder and name it here
const require = createRequire(process.env.CALM_BENCH_THESAURI ? join(process.env.CALM_BENCH_THESAURI, 'bench.js') : import.meta.url);
const CANDIDATES = 30;

// ---- thesauri -------------------------------------------------------------------------------------------
type Thesaurus = (word: string) => string[];
const WORD = /^[a-z]{3,}$/;

function lemmas(w: string): string[] {
  const out = [w];
  for (const [suffix, add] of [['ies', 'y'], ['es', ''], ['s', ''], ['ed', ''], ['ed', 'e'], ['d', ''], ['ing', ''], ['ing', 'e']] as const) {
    if (w.length > suffix.length + 2 && w.endsWith(suffix)) out.push(w.slice(0, -suffix.length) + add);
  }
  return out;
}

function loadThesauri(): Record<string, Thesaurus> {
  const out: Record<string, Thesaurus> = {};
  try {
    const dict = (require('synonyms') as { dictionary: Record<string, Record<string, string[]>> }).dictionary;
    out.synonyms = (w) => {
      for (const l of lemmas(w)) {
        const entry = dict[l];
        if (entry) return [...new Set(Object.values(entry).flat())].filter((s) => s !== l && WORD.test(s));
      }
      return [];
    };
  } catch { console.log('synonyms not installed, skipped'); }
  try {
    const t = require('thesaurus') as { find(w: string): string[] };
    out.mythes = (w) => {
      for (const l of lemmas(w)) {
        const found = t.find(l);
        if (found && found.length) return [...new Set(found)].filter((s) => s !== l && WORD.test(s));
      }
      return [];
    };
  } catch { console.log('thesaurus not installed, skipped'); }
  return out;
}
const THESAURI = loadThesauri();

/** The query's words (lower-case, stopwords dropped) → up to n synonyms each, not already in the query. */
function expansions(query: string, th: Thesaurus, n: number): string[] {
  const words = (query.toLowerCase().match(/[a-z]+/g) ?? []).filter((w) => meaningfulTerms(w).size > 0);
  const own = new Set(words);
  const out = new Set<string>();
  for (const w of words) for (const s of th(w).slice(0, n)) if (!own.has(s)) out.add(s);
  return [...out];
}

const pct = (x: number): string => `${(100 * x).toFixed(0)}%`.padStart(4);
const fmt = (s: Scores): string => `${pct(s.hit1)} ${pct(s.hit3)} ${s.mrr.toFixed(3)}`;

/** Keyword scores of two rankings combined: the original's plus `w` times the expansion's. */
function combineKeyword(orig: readonly ScoredRecord[], extra: readonly ScoredRecord[], w: number): ScoredRecord[] {
  const by = new Map<string, ScoredRecord>();
  for (const r of orig) by.set(r.id, { ...r });
  for (const r of extra) {
    const have = by.get(r.id);
    by.set(r.id, have ? { ...have, score: have.score + w * r.score } : { ...r, score: w * r.score });
  }
  return [...by.values()].sort((a, b) => b.score - a.score || a.id.localeCompare(b.id)).slice(0, CANDIDATES);
}

/** coverageFusion, with a query word half-covered (weight w) by a record holding one of its synonyms. */
function synonymCoverageFusion(semantic: ScoredRecord[], keyword: ScoredRecord[], query: string, th: Thesaurus, n: number, w: number, profile: FusionProfile): string[] {
  const words = [...new Set((query.toLowerCase().match(/[a-z]+/g) ?? []).filter((x) => meaningfulTerms(x).size > 0))];
  const syns = words.map((x) => new Set(th(x).slice(0, n).flatMap((s) => [...meaningfulTerms(s)])));
  const coverage = new Map(keyword.map((r) => {
    const held = meaningfulTerms(r.text);
    const got = words.reduce((sum, x, i) => sum + ([...meaningfulTerms(x)].some((t) => held.has(t)) ? 1 : [...syns[i]!].some((t) => held.has(t)) ? w : 0), 0);
    return [r.id, words.length ? got / words.length : 0];
  }));
  const c = Math.max(profile.floor, Math.max(0, ...coverage.values()) ** profile.power);
  const norm = (list: ScoredRecord[]): Map<string, number> => {
    if (profile.normalise === 'raw' || !list.length) return new Map(list.map((r) => [r.id, r.score]));
    const min = Math.min(...list.map((r) => r.score)), max = Math.max(...list.map((r) => r.score));
    return new Map(list.map((r) => [r.id, max > min ? (r.score - min) / (max - min) : 1]));
  };
  const sn = norm(semantic), kn = norm(keyword), base = profile.keywordBase ?? 0;
  const ids = [...new Set([...semantic, ...keyword].map((r) => r.id))];
  return ids
    .map((id) => ({ id, s: (1 - c) * ((1 - base) * (sn.get(id) ?? 0) + base * (kn.get(id) ?? 0)) + c * (kn.get(id) ?? 0) * (coverage.get(id) ?? 0) }))
    .sort((a, b) => b.s - a.s || a.id.localeCompare(b.id)).slice(0, TOP).map((x) => x.id);
}

const texts = [...TARGETS.map((x) => x.content), ...DISTRACTORS, ...HARD_DISTRACTORS];
const clausesOf = (t: string): string[] => {
  const parts = t.split(/(?<=[.;:!?])\s+|,\s+(?=[a-z])/).map((p) => p.trim()).filter((p) => p.length > 0);
  return parts.length > 1 ? parts : [];
};

interface Variant { name: string; rank(query: string): Promise<string[]> }

async function run(name: string, embedder: Embedder): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'calm-bench-exp-'));
  const env = { ...process.env, HOME: join(root, 'home'), CALM_HOME: join(root, 'calm'), CALM_MODEL_DOWNLOAD: 'false', CALM_EMBEDDER: 'hash' };
  const app = createApp(loadConfig(env));
  try {
    const embedderFn = async (): Promise<Embedder> => embedder;
    const guard = new CollectionGuard(app.records, embedderFn);
    const search = new SearchEngine(app.records, embedderFn, guard);
    const memory = new MemoryService(app.records, embedderFn, guard, search, 10_000);
    const ids: string[] = [];
    for (const content of texts) ids.push((await memory.store({ content, category: 'fact', allow_duplicate: true })).id);
    const byId = new Map(ids.map((id, i) => [id, i]));
    const docVecs = await embedder.embed(texts);
    const clauseVecs: Float32Array[][] = [];
    for (const t of texts) { const c = clausesOf(t); clauseVecs.push(c.length ? await embedder.embed(c) : []); }
    const profile = fusionProfileFor(embedder.id);
    const rec = (i: number, s: number): ScoredRecord => ({ id: ids[i]!, text: texts[i]!, payload: {}, createdAt: '', updatedAt: '', score: s });

    const semanticBy = (q: Float32Array, doc: (i: number) => number = (i) => cosineSimilarity(q, docVecs[i]!)): ScoredRecord[] =>
      texts.map((_, i) => rec(i, doc(i))).sort((a, b) => b.score - a.score || a.id.localeCompare(b.id)).slice(0, CANDIDATES);
    const embedQ = async (q: string): Promise<Float32Array> => (await embedder.embed([q], 'query'))[0]!;
    const keyword = (q: string): Promise<ScoredRecord[]> => app.records.keyword('memories', q, { limit: CANDIDATES });
    const hybridOf = (sem: ScoredRecord[], kw: ScoredRecord[], q: string): string[] => coverageFusion(sem, kw, TOP, q, profile).map((r) => r.id);


    const variants: Variant[] = [
      { name: 'semantic', rank: async (q) => semanticBy(await embedQ(q)).map((r) => r.id) },
      { name: 'keyword', rank: async (q) => (await keyword(q)).map((r) => r.id) },
      { name: 'hybrid', rank: async (q) => (await memory.retrieve({ query: q, search_mode: 'hybrid', limit: TOP })).results.map((r) => r.id) },
    ];
    // hubness reduction (CSLS, Conneau et al. 2018, document side): a memory close to many others scores less
    const neighbourhood = (k: number): number[] => docVecs.map((d, i) => {
      const sims = docVecs.map((o, j) => (i === j ? -2 : cosineSimilarity(d, o))).sort((a, b) => b - a);
      return sims.slice(0, k).reduce((a, b) => a + b, 0) / k;
    });
    for (const k of [3, 10]) for (const alpha of [0.25, 0.5, 1]) {
      const r = neighbourhood(k);
      const csls = async (q: string): Promise<ScoredRecord[]> => { const v = await embedQ(q); return semanticBy(v, (i) => cosineSimilarity(v, docVecs[i]!) - alpha * r[i]!); };
      variants.push({ name: `csls-k${k}-a${alpha}-sem`, rank: async (q) => (await csls(q)).map((x) => x.id) });
      variants.push({ name: `csls-k${k}-a${alpha}-hyb`, rank: async (q) => hybridOf(await csls(q), await keyword(q), q) });
    }
    // pseudo-relevance feedback (Rocchio): the query vector plus beta times the mean of the top k semantic hits
    for (const k of [1, 3, 5]) for (const beta of [0.3, 0.6, 1]) {
      const prf = async (q: string): Promise<ScoredRecord[]> => {
        const v = await embedQ(q);
        const top = semanticBy(v).slice(0, k).map((r) => docVecs[byId.get(r.id)!]!);
        const out = Float32Array.from(v);
        for (const d of top) for (let j = 0; j < out.length; j++) out[j]! += (beta * d[j]!) / k;
        return semanticBy(l2normalize(out));
      };
      variants.push({ name: `prf-k${k}-b${beta}-sem`, rank: async (q) => (await prf(q)).map((r) => r.id) });
      variants.push({ name: `prf-k${k}-b${beta}-hyb`, rank: async (q) => hybridOf(await prf(q), await keyword(q), q) });
    }
    // multi-vector: a memory scores the max (or the mean with the whole) of its whole and its clauses
    for (const how of ['max', 'mix'] as const) {
      const mv = async (q: string): Promise<ScoredRecord[]> => {
        const v = await embedQ(q);
        return semanticBy(v, (i) => {
          const whole = cosineSimilarity(v, docVecs[i]!);
          const parts = clauseVecs[i]!.map((c) => cosineSimilarity(v, c));
          if (!parts.length) return whole;
          return how === 'max' ? Math.max(whole, ...parts) : 0.5 * whole + 0.5 * Math.max(...parts);
        });
      };
      variants.push({ name: `multivec-${how}-sem`, rank: async (q) => (await mv(q)).map((r) => r.id) });
      variants.push({ name: `multivec-${how}-hyb`, rank: async (q) => hybridOf(await mv(q), await keyword(q), q) });
    }
    for (const [thName, th] of Object.entries(process.env.EXP && !process.env.EXP.includes('qe') && !process.env.EXP.includes('docx') ? {} : THESAURI)) {
      for (const n of [2, 5, 100]) {
        // query expansion of the keyword side: synonyms OR-ed, weight w below the original words
        for (const w of [0.25, 0.5, 1]) {
          const kwx = async (q: string): Promise<ScoredRecord[]> => {
            const extra = expansions(q, th, n);
            return combineKeyword(await keyword(q), extra.length ? await keyword(extra.join(' ')) : [], w);
          };
          variants.push({ name: `qe-${thName}-n${n}-w${w}-kw`, rank: async (q) => (await kwx(q)).map((r) => r.id) });
          variants.push({ name: `qe-${thName}-n${n}-w${w}-hyb`, rank: async (q) => hybridOf(semanticBy(await embedQ(q)), await kwx(q), q) });
          // the same, and coverage (hybrid's gate) counting a query word as covered by w when only a synonym of it is there
          for (const floor of [0, 0.1, 0.3]) {
            variants.push({ name: `qe-${thName}-n${n}-w${w}-cov-f${floor}`, rank: async (q) => synonymCoverageFusion(semanticBy(await embedQ(q)), await kwx(q), q, th, n, w, { ...profile, floor }) });
          }
        }
        // the query embedded with its synonyms appended
        variants.push({ name: `qemb-${thName}-n${n}-sem`, rank: async (q) => semanticBy(await embedQ(`${q} ${expansions(q, th, n).join(' ')}`)).map((r) => r.id) });
        // document expansion: each memory's keyword text carries its words' synonyms
        const key = `${thName}-n${n}`;
        const dir = join(root, `docx-${key}`);
        const dApp = createApp(loadConfig({ ...env, CALM_HOME: dir }));
        const dFn = async (): Promise<Embedder> => new HashEmbedder();
        const dGuard = new CollectionGuard(dApp.records, dFn);
        const dMem = new MemoryService(dApp.records, dFn, dGuard, new SearchEngine(dApp.records, dFn, dGuard), 10_000);
        const map = new Map<string, string>();
        for (let i = 0; i < texts.length; i++) {
          const { id } = await dMem.store({ content: `${texts[i]} ${expansions(texts[i]!, th, n).join(' ')}`, category: 'fact', allow_duplicate: true });
          map.set(id, ids[i]!);
        }
        const dkw = async (q: string): Promise<ScoredRecord[]> =>
          (await dApp.records.keyword('memories', q, { limit: CANDIDATES })).map((r) => ({ ...r, id: map.get(r.id)!, text: texts[byId.get(map.get(r.id)!)!]! }));
        variants.push({ name: `docx-${key}-kw`, rank: async (q) => (await dkw(q)).map((r) => r.id) });
        variants.push({ name: `docx-${key}-hyb`, rank: async (q) => hybridOf(semanticBy(await embedQ(q)), await dkw(q), q) });
        closers.push(() => dApp.close());
      }
    }

    const only = process.env.EXP?.split(',');
    for (const set of SETS) {
      const qs = queriesOf(set);
      const wanted = qs.map((q) => ids[q.target]!);
      for (const v of variants) {
        if (only && !['semantic', 'keyword', 'hybrid'].includes(v.name) && !only.some((p) => v.name.startsWith(p))) continue;
        const ranked: string[][] = [];
        for (const { query } of qs) ranked.push(await v.rank(query));
        const half = (p: number) => score(ranked.filter((_, i) => i % 2 === p), wanted.filter((_, i) => i % 2 === p));
        const row = { all: score(ranked, wanted), even: half(0), odd: half(1) };
        results.set(`${name} ${set} ${v.name}`, row);
        console.log(`${name.padEnd(5)} ${set.padEnd(12)} ${v.name.padEnd(30)} all ${fmt(row.all)} | even ${fmt(row.even)} | odd ${fmt(row.odd)}`);
      }
    }
  } finally {
    for (const c of closers.splice(0)) await c();
    await app.close();
    rmSync(root, { recursive: true, force: true });
  }
}
const closers: (() => Promise<void>)[] = [];
const results = new Map<string, { all: Scores; even: Scores; odd: Scores }>();

const embedders = ['hash'];
await run('hash', new HashEmbedder());
if (isUseInstalled()) {
  embedders.push('use');
  await run('use', await loadUseEmbedder());
}

/**
 * Per family of variants (the name without its parameters), the parameters are picked on the even-indexed
 * queries: the best paraphrase MRR summed over the embedders among the settings not worse than the baseline
 * on the even overlap and overlap-hard queries (among all when none is); the pick is then judged on the odd ones and the
 * whole sets against what it would replace (hybrid for a hybrid variant, else semantic or keyword):
 * "passes the rule" only when it is better on the held-out paraphrase half with some embedder, not worse with any,
 * and not worse on any metric of any set with any embedder.
 */
const baselineOf = (variant: string): string => (/-(hyb|cov-f[\d.]+)$/.test(variant) ? 'hybrid' : variant.endsWith('-kw') ? 'keyword' : 'semantic');
const familyOf = (variant: string): string => variant.replace(/-(n|k|b|w|a|f)[\d.]+/g, '');
const get = (e: string, set: string, v: string) => results.get(`${e} ${set} ${v}`);
const notWorse = (a: Scores, b: Scores): boolean => a.hit1 >= b.hit1 - 1e-9 && a.hit3 >= b.hit3 - 1e-9 && a.mrr >= b.mrr - 1e-9;
const variantNames = [...new Set([...results.keys()].map((k) => k.split(' ')[2]!))].filter((v) => !['semantic', 'keyword', 'hybrid'].includes(v));
const families = new Map<string, string[]>();
for (const v of variantNames) families.set(familyOf(v), [...(families.get(familyOf(v)) ?? []), v]);
console.log('\nfamily                    tuned on even                 paraphrase held-out (odd): pick vs baseline, per embedder            verdict');
for (const [family, members] of families) {
  const tuned = (v: string): number => embedders.reduce((sum, e) => sum + (get(e, 'paraphrase', v)?.even.mrr ?? 0), 0);
  // the tuning half also decides what must not get worse: the even overlap queries
  const base = baselineOf(members[0]!);
  const safe = members.filter((v) => embedders.every((e) => (['overlap', 'overlap-hard'] as const).every((set) => notWorse(get(e, set, v)!.even, get(e, set, base)!.even))));
  const pick = (safe.length ? safe : members).reduce((a, b) => (tuned(b) > tuned(a) ? b : a));
  const held = embedders.map((e) => `${e} ${fmt(get(e, 'paraphrase', pick)!.odd)} vs ${fmt(get(e, 'paraphrase', base)!.odd)}`).join('; ');
  const better = embedders.some((e) => get(e, 'paraphrase', pick)!.odd.mrr > get(e, 'paraphrase', base)!.odd.mrr + 1e-9);
  const hurts = embedders.flatMap((e) => SETS.flatMap((set) => [
    ...(notWorse(get(e, set, pick)!.all, get(e, set, base)!.all) ? [] : [`${e} ${set}`]),
    ...(set === 'paraphrase' && !notWorse(get(e, set, pick)!.odd, get(e, set, base)!.odd) ? [`${e} held-out`] : []),
  ]));
  const verdict = hurts.length ? `worse: ${[...new Set(hurts)].join(', ')}` : better ? 'passes the rule' : 'no gain';
  console.log(`${family.padEnd(25)} ${pick.padEnd(29)} ${held}  ${verdict}`);
}
