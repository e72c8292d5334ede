/**
 * @module Near-duplicate detection when a memory is stored.
 *
 * A new memory duplicates an existing one when their cosine similarity is at least DUPLICATE_SIMILARITY
 * and the existing one is visible from the new one's project (stored from the same project, or global).
 * A global memory only duplicates global ones: a copy kept by one project is not visible to the others.
 *
 * The threshold is measured on bench/retrieval.ts (166 distinct memories, each re-stored as two near-
 * duplicates: other casing/punctuation, one word dropped). hash: near-duplicates score ≥ 0.855 (90% ≥
 * 0.923), distinct memories ≤ 0.654. use: near-duplicates ≥ 0.724 (90% ≥ 0.860), distinct ≤ 0.822.
 * 0.9 keeps every distinct pair apart with both embedders (losing a real memory is worse than keeping a
 * copy) and still catches most rewordings; see README "Search modes" for the caught share.
 *
 * Similarity alone cannot tell "Postgres listens on port 5432" from "... port 5433": one character in a
 * sentence moves neither a word-hash vector nor a sentence model much (hash: 0.97). So two texts whose
 * specifics differ are never duplicates: the numbers (any token holding a digit) and identifiers (tokens
 * with an inner `.`, `_`, `/`, `-`, `:` or a camelCase hump, like checkout.spec.ts or PAY-123) of each,
 * compared case-insensitively as sets, must be the same.
 */
import type { RecordStore, ScoredRecord } from '../store/records/record-store.js';
import { projectOf } from './project-scope.js';

export const DUPLICATE_SIMILARITY = 0.9;
const NEIGHBOURS = 10;

const TOKEN_RE = /[\p{L}\p{N}][\p{L}\p{N}._/:-]*[\p{L}\p{N}]|[\p{L}\p{N}]/gu;
const IDENTIFIER_RE = /[._/:-]|\p{Ll}\p{Lu}/u;

/** The numbers and identifiers of a text, lower-cased: what makes two similar sentences different facts. */
export function specifics(text: string): Set<string> {
  const out = new Set<string>();
  for (const token of text.match(TOKEN_RE) ?? []) {
    if (/\p{N}/u.test(token) || IDENTIFIER_RE.test(token)) out.add(token.toLowerCase());
  }
  return out;
}

export function sameSpecifics(a: string, b: string): boolean {
  const x = specifics(a), y = specifics(b);
  return x.size === y.size && [...x].every((t) => y.has(t));
}

export async function findDuplicate(
  records: RecordStore,
  collection: string,
  vector: Float32Array,
  content: string,
  project: string | undefined,
): Promise<ScoredRecord | undefined> {
  const near = await records.search(collection, vector, { limit: NEIGHBOURS });
  return near.find((r) => {
    if (r.score < DUPLICATE_SIMILARITY) return false;
    const theirs = projectOf(r.payload);
    if (theirs !== undefined && theirs !== project) return false;
    const text = typeof r.payload.content === 'string' ? r.payload.content : r.text;
    return sameSpecifics(content, text);
  });
}
