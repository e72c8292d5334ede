/**
 * @module Near-duplicate detection when a memory is stored.
 *
 * A new memory duplicates an existing one when their cosine similarity is at least DUPLICATE_SIMILARITY
 * and the existing one is visible from the new one's project (stored from the same project, or global).
 * A global memory only duplicates global ones: a copy kept by one project is not visible to the others.
 *
 * The threshold is measured on bench/retrieval.ts (114 distinct memories, each re-stored as two near-
 * duplicates: other casing/punctuation, one word dropped). hash: near-duplicates score ≥ 0.874 (90% ≥
 * 0.935), distinct memories ≤ 0.605. use: near-duplicates ≥ 0.771 (90% ≥ 0.861), distinct ≤ 0.803.
 * 0.9 keeps every distinct pair apart with both embedders (losing a real memory is worse than keeping a
 * copy) and still catches most rewordings; see README "Search modes" for the caught share.
 */
import type { RecordStore, ScoredRecord } from '../store/records/record-store.js';
import { projectOf } from './project-scope.js';

export const DUPLICATE_SIMILARITY = 0.9;
const NEIGHBOURS = 10;

export async function findDuplicate(
  records: RecordStore,
  collection: string,
  vector: Float32Array,
  project: string | undefined,
): Promise<ScoredRecord | undefined> {
  const near = await records.search(collection, vector, { limit: NEIGHBOURS });
  return near.find((r) => {
    if (r.score < DUPLICATE_SIMILARITY) return false;
    const theirs = projectOf(r.payload);
    return theirs === undefined || theirs === project;
  });
}
