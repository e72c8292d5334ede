/**
 * @module `since`/`until` for memories. Filters compare numbers only (on both backends), so every memory
 * carries `created_ts`, its creation instant in seconds since the epoch, beside the ISO `created_at`
 * (CALM's GHAP records do the same with `captured_at`). Migration 6 adds it to memories stored before.
 *
 * `since` is inclusive. `until` is inclusive too: a date-time up to that instant, a bare date up to the
 * end of that day (UTC), so `--since 2025-03-01 --until 2025-03-01` is that whole day.
 */
import { validationError } from '../errors.js';
import type { FieldCondition } from '../store/records/filter.js';
import { parseSince } from './git/since.js';

export const CREATED_TS_KEY = 'created_ts';
const DATE_ONLY_RE = /^\s*\d{4}-\d{2}-\d{2}\s*$/;

export const memoryCreatedTs = (createdAtIso: string): number => Date.parse(createdAtIso) / 1000;

/** The `created_ts` condition for the given bounds, or undefined when there are none. */
export function createdRange(since: unknown, until: unknown): FieldCondition | undefined {
  if (since === undefined && until === undefined) return undefined;
  const range: { $gte?: number; $lt?: number; $lte?: number } = {};
  if (since !== undefined) range.$gte = parseSince(since, 'since').getTime() / 1000;
  if (until !== undefined) {
    const end = parseSince(until, 'until').getTime() / 1000;
    if (DATE_ONLY_RE.test(String(until))) range.$lt = end + 86_400;
    else range.$lte = end;
  }
  const upper = range.$lt ?? range.$lte;
  if (range.$gte !== undefined && upper !== undefined && range.$gte > upper) {
    throw validationError(`'since' (${String(since)}) is after 'until' (${String(until)})`);
  }
  return range;
}
