/**
 * @module The GHAP and learning tools' own validators, with CALM's messages (its GHAP tools word
 * limits and fields differently from the memory tools, and prompts match on both).
 */
import { validationError } from '../../errors.js';
import { type Axis, VALID_AXES } from './model.js';

/** Present, a string, not blank, at most `max` characters. */
export function requiredText(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string') {
    if (value === undefined || value === null) throw validationError(`Field '${field}' cannot be empty`);
    throw validationError(`Field '${field}' must be a string`);
  }
  if (value.trim() === '') throw validationError(`Field '${field}' cannot be empty`);
  return maxLength(value, field, max);
}

/** Absent, or a string (empty allowed) of at most `max` characters. */
export function optionalText(value: unknown, field: string, max: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw validationError(`Field '${field}' must be a string`);
  return maxLength(value, field, max);
}

export function maxLength(value: string, field: string, max: number): string {
  if (value.length > max) throw validationError(`Field '${field}' exceeds ${max} character limit (${value.length} chars)`);
  return value;
}

export function validateGhapLimit(value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw validationError(`Limit must be between ${min} and ${max} (got ${String(value)})`);
  }
  return value;
}

/** CALM lists the axes in schema order here, unlike its other enum messages. */
export function validateAxis(value: unknown): Axis {
  if (typeof value !== 'string' || !VALID_AXES.includes(value as Axis)) {
    throw validationError(`Invalid axis '${String(value)}'. Valid options: ${VALID_AXES.join(', ')}`);
  }
  return value as Axis;
}

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * An ISO-8601 date or date-time, as UTC ISO text for comparisons. A value without an offset is taken as
 * UTC, like every timestamp calm writes (CALM took it as the server's local time).
 */
export function parseSince(value: unknown): string {
  const text = typeof value === 'string' ? value.trim() : '';
  const m = ISO_RE.exec(text);
  const fail = (): Error =>
    validationError(`Invalid date format for 'since': ${String(value)}. Expected ISO 8601 format (e.g., '2024-01-15T10:30:45+00:00')`);
  if (!m) throw fail();
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
  const offset = zone.toUpperCase() === 'Z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = frac.padEnd(3, '0').slice(0, 3);
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}${offset}`);
  // Date accepts 2024-02-31 by rolling over; a real calendar date must come back unchanged
  if (Number.isNaN(date.getTime()) || Number(mo) > 12 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) throw fail();
  const probe = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (probe.getUTCDate() !== Number(d)) throw fail();
  return date.toISOString();
}
