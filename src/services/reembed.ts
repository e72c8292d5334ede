/**
 * @module `calm reembed`: moves collections to another embedder. New vectors are built beside the
 * live ones and swapped in per collection at the end, so an interrupted run loses nothing and the
 * next run continues where it stopped.
 */
import type { Embedder } from '../embedding/embedder.js';
import { CalmError } from '../errors.js';
import type { RecordStore } from '../store/records/record-store.js';

export interface ReembedProgress {
  readonly collection: string;
  readonly done: number;
  readonly total: number;
}

export interface ReembedResult {
  readonly collection: string;
  readonly from: string;
  readonly to: string;
  readonly records: number;
  readonly status: 'reembedded' | 'already current';
}

export interface ReembedOptions {
  readonly collections?: readonly string[];
  readonly batchSize?: number;
  readonly onProgress?: (p: ReembedProgress) => void;
}

/** `app` is anything holding the record store (an App does). */
export async function reembedCollections(app: { readonly records: RecordStore }, embedder: Embedder, options: ReembedOptions = {}): Promise<ReembedResult[]> {
  const batchSize = options.batchSize ?? 64;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
    throw new CalmError('validation_error', `Batch size ${batchSize} out of range. Must be between 1 and 10000.`);
  }
  const all = await app.records.listCollections();
  const wanted = options.collections ?? all.map((c) => c.name);
  const unknown = wanted.filter((n) => !all.some((c) => c.name === n));
  if (unknown.length > 0) throw new CalmError('not_found', `Collection not found: ${unknown.join(', ')}`);

  const spec = { embedder: embedder.id, dim: embedder.dim };
  const results: ReembedResult[] = [];
  for (const info of all.filter((c) => wanted.includes(c.name))) {
    if (info.embedder === spec.embedder && info.dim === spec.dim && !info.pending) {
      results.push({ collection: info.name, from: info.embedder, to: spec.embedder, records: info.count, status: 'already current' });
      continue;
    }
    let { done, total } = await app.records.beginReembed(info.name, spec);
    options.onProgress?.({ collection: info.name, done, total });
    for (;;) {
      const batch = await app.records.pendingReembed(info.name, batchSize);
      if (batch.length === 0) break;
      const vectors = await embedder.embed(batch.map((r) => r.text));
      await app.records.writeReembed(info.name, batch.map((r, i) => ({ id: r.id, vector: vectors[i]!, text: r.text })));
      done = Math.min(total, done + batch.length);
      options.onProgress?.({ collection: info.name, done, total });
    }
    const after = await app.records.commitReembed(info.name);
    total = after.count;
    results.push({ collection: info.name, from: info.embedder, to: after.embedder, records: total, status: 'reembedded' });
  }
  return results;
}
