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
 * Two texts whose specifics (numbers and identifiers, src/store/records/specifics.ts) differ are never
 * duplicates: the record store's `nearDuplicates` only returns records with the query's specifics.
 */
import type { RecordStore, ScoredRecord } from '../store/records/record-store.js';
import { projectOf } from './project-scope.js';

export const DUPLICATE_SIMILARITY = 0.9;
const NEIGHBOURS = 10;

/** The most similar visible memory with the same specifics among the NEIGHBOURS closest of those above the threshold. */
export async function findDuplicate(
  records: RecordStore,
  collection: string,
  vector: Float32Array,
  content: string,
  project: string | undefined,
): Promise<ScoredRecord | undefined> {
  // an index lookup rather than a KNN over every memory: the check runs on every store
  const near = await records.nearDuplicates(collection, { vector, text: content }, { minScore: DUPLICATE_SIMILARITY, limit: NEIGHBOURS });
  return near.find((r) => {
    const theirs = projectOf(r.payload);
    return theirs === undefined || theirs === project;
  });
}
