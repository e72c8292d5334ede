/** @module A Qdrant point as a calm record: the original id, text and timestamps come back out of the hidden payload keys. */
import type { StoredRecord } from '../record-store.js';
import type { PayloadSelector, Point } from './api.js';
import { ORIGINAL_ID_KEY } from './ids.js';
import { CREATED_KEY, HIDDEN_KEYS, TEXT_KEY, UPDATED_KEY, VECTOR_KEY } from './layout.js';
import { decodeVector } from './vectors.js';

/** Whole payloads, without the encoded vector unless it is wanted. */
export function payloadSelector(withVectors: boolean | undefined): PayloadSelector {
  return withVectors ? true : { exclude: [VECTOR_KEY] };
}

export function toRecord(p: Point, withVectors?: boolean): StoredRecord {
  const raw = p.payload ?? {};
  const payload: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) if (!HIDDEN_KEYS.includes(k)) payload[k] = v;
  const vector = withVectors ? decodeVector(raw[VECTOR_KEY]) ?? (Array.isArray(p.vector) ? Float32Array.from(p.vector as number[]) : undefined) : undefined;
  return {
    id: typeof raw[ORIGINAL_ID_KEY] === 'string' ? (raw[ORIGINAL_ID_KEY] as string) : String(p.id),
    text: typeof raw[TEXT_KEY] === 'string' ? (raw[TEXT_KEY] as string) : '',
    payload,
    createdAt: typeof raw[CREATED_KEY] === 'string' ? (raw[CREATED_KEY] as string) : '',
    updatedAt: typeof raw[UPDATED_KEY] === 'string' ? (raw[UPDATED_KEY] as string) : '',
    ...(vector ? { vector } : {}),
  };
}
