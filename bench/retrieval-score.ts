/**
 * @module What the retrieval benchmarks share: the query sets of bench/retrieval-data.ts with the index of
 * each query's target memory, and hit@1 / hit@3 / MRR over the top 10.
 */
import { HARD_OVERLAP, TARGETS } from './retrieval-data.js';

export interface Scores { hit1: number; hit3: number; mrr: number }
export const SETS = ['paraphrase', 'overlap', 'overlap-hard'] as const;
export type SetName = (typeof SETS)[number];
/** Ranks past this one count as a miss. */
export const TOP = 10;

/** The index of each hard question's target, found by the start of its content. */
const hardTargets = HARD_OVERLAP.map(({ target }) => {
  const i = TARGETS.findIndex((t) => t.content.startsWith(target));
  if (i < 0) throw new Error(`HARD_OVERLAP target not found: ${target}`);
  return i;
});

export function queriesOf(set: SetName): { query: string; target: number }[] {
  if (set === 'overlap-hard') return HARD_OVERLAP.map((h, i) => ({ query: h.query, target: hardTargets[i]! }));
  return TARGETS.map((t, i) => ({ query: t[set], target: i }));
}

export function score(rankings: readonly (readonly string[])[], targets: readonly string[]): Scores {
  let hit1 = 0, hit3 = 0, mrr = 0;
  rankings.forEach((ids, i) => {
    const rank = ids.slice(0, TOP).indexOf(targets[i]!);
    if (rank === 0) hit1 += 1;
    if (rank >= 0 && rank < 3) hit3 += 1;
    if (rank >= 0) mrr += 1 / (rank + 1);
  });
  const n = rankings.length || 1;
  return { hit1: hit1 / n, hit3: hit3 / n, mrr: mrr / n };
}
