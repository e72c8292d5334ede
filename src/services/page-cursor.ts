/**
 * @module Opaque cursors for keyset paging over a RecordStore scroll: the last record's sort key and id,
 * plus what the first page measured (its total), so later pages need neither an offset nor a count.
 * A cursor is bound to the list it came from: reused with other filters it is refused.
 */
import { validationError } from '../errors.js';
import type { ScrollPosition, StoredRecord } from '../store/records/record-store.js';

interface CursorBody {
  /** Sort key and id of the last record handed out. */
  readonly k: string | number | null;
  readonly i: string;
  /** Total of the first page, carried so later pages do not count again. */
  readonly t?: number | undefined;
  /** Fingerprint of the filters, so a cursor cannot silently continue another list. */
  readonly f: string;
}

export interface DecodedCursor {
  readonly after: ScrollPosition;
  readonly total: number | undefined;
}

/** The sort key as SQLite's json_extract sees it (booleans are 0/1; objects compare as JSON text). */
function sortKeyOf(record: StoredRecord, key: string): string | number | null {
  const v = record.payload[key];
  if (v === undefined || v === null) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' || typeof v === 'string') return v;
  return JSON.stringify(v);
}

export function encodeCursor(last: StoredRecord, sortKey: string, filters: string, total?: number): string {
  const body: CursorBody = { k: sortKeyOf(last, sortKey), i: last.id, t: total, f: filters };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

export function decodeCursor(cursor: unknown, filters: string): DecodedCursor {
  const bad = (): Error => validationError('Invalid cursor: pass the next_cursor of the previous page unchanged, with the same filters');
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > 2000) throw bad();
  let body: Partial<CursorBody> | null;
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<CursorBody> | null;
  } catch {
    throw bad();
  }
  if (body === null || typeof body !== 'object') throw bad();
  const keyOk = body.k === null || typeof body.k === 'string' || (typeof body.k === 'number' && Number.isFinite(body.k));
  const totalOk = body.t === undefined || (Number.isInteger(body.t) && body.t >= 0);
  if (!keyOk || typeof body.i !== 'string' || !totalOk || body.f !== filters) throw bad();
  return { after: { key: body.k, id: body.i }, total: body.t };
}
