/** @module Checks a batch before any backend writes it, so a bad record anywhere in it changes nothing. */
import { CalmError } from '../../errors.js';
import type { RecordInput } from './record-store.js';

export const ID_MAX_LENGTH = 512;

export function validateRecordBatch(name: string, dim: number, records: readonly RecordInput[], reservedKeys: readonly string[] = []): void {
  const seen = new Set<string>();
  records.forEach((r, i) => {
    const where = `record ${i} of the batch for '${name}'`;
    if (typeof r.id !== 'string' || r.id.length === 0 || r.id.length > ID_MAX_LENGTH) {
      throw new CalmError('validation_error', `${where}: id must be a non-empty string of at most ${ID_MAX_LENGTH} characters`);
    }
    if (seen.has(r.id)) throw new CalmError('validation_error', `${where}: id '${r.id}' appears twice in one batch`);
    seen.add(r.id);
    if (typeof r.text !== 'string') throw new CalmError('validation_error', `${where}: text must be a string`);
    if (r.payload === null || typeof r.payload !== 'object' || Array.isArray(r.payload)) {
      throw new CalmError('validation_error', `${where}: payload must be an object`);
    }
    const reserved = Object.keys(r.payload).find((k) => reservedKeys.includes(k));
    if (reserved) throw new CalmError('validation_error', `${where}: payload key '${reserved}' is reserved`);
    if (!(r.vector instanceof Float32Array) || r.vector.length !== dim) {
      throw new CalmError('validation_error', `${where}: vector has dimension ${r.vector?.length ?? 'none'}, collection '${name}' needs ${dim}`);
    }
    for (const x of r.vector) if (!Number.isFinite(x)) throw new CalmError('validation_error', `${where}: vector holds a non-finite number`);
  });
}
