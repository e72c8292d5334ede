/**
 * @module Deduplication across sources, the more relevant copy winning:
 * - the same key (one GHAP entry found as an experience and as a value, one memory twice);
 * - code units of one file whose lines overlap (a method and its class): one is enough. CALM keyed code
 *   by file, so only one unit per file could ever appear;
 * - near-identical texts (≤ 1000 characters, lengths within 20%, character-bigram Dice ≥ 0.9, a
 *   stand-in for CALM's difflib ratio with the same threshold).
 */
import type { ContextItem } from './items.js';

const FUZZY_MAX = 1000;
const FUZZY_THRESHOLD = 0.9;

const normalise = (s: string): string => s.toLowerCase().replace(/\s+/g, ' ').trim();

function bigrams(s: string): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i < s.length - 1; i++) {
    const g = s.slice(i, i + 2);
    out.set(g, (out.get(g) ?? 0) + 1);
  }
  return out;
}

export function diceSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  if (a.length < 2 || b.length < 2) return 0;
  const ga = bigrams(a);
  const gb = bigrams(b);
  let shared = 0;
  for (const [g, n] of ga) shared += Math.min(n, gb.get(g) ?? 0);
  return (2 * shared) / (a.length - 1 + (b.length - 1));
}

function overlaps(a: ContextItem, b: ContextItem): boolean {
  if (!a.span || !b.span || a.span.file !== b.span.file) return false;
  return a.span.start <= b.span.end && b.span.start <= a.span.end;
}

function nearDuplicate(a: ContextItem, b: ContextItem): boolean {
  const x = normalise(a.gist);
  const y = normalise(b.gist);
  if (!x || !y || x.length > FUZZY_MAX || y.length > FUZZY_MAX) return false;
  if (y.length < 0.8 * x.length || y.length > 1.2 * x.length) return false;
  return diceSimilarity(x, y) >= FUZZY_THRESHOLD;
}

/** Keeps the first of equally relevant duplicates; returns items by relevance, highest first (stable). */
export function deduplicate(items: readonly ContextItem[]): ContextItem[] {
  const ordered = [...items].sort((a, b) => b.relevance - a.relevance);
  const kept: ContextItem[] = [];
  for (const item of ordered) {
    const clash = kept.some((k) => k.key === item.key || overlaps(k, item) || nearDuplicate(k, item));
    if (!clash) kept.push(item);
  }
  return kept;
}
