/**
 * @module `since` dates for the git tools. CALM passed the raw string on and crashed comparing it with
 * a datetime; here it is parsed once into a UTC instant.
 *
 * Accepted: `YYYY-MM-DD` (midnight UTC), or an ISO date-time `YYYY-MM-DDTHH:MM[:SS[.fff]]` with `Z` or
 * an offset. A date-time without a zone is read as UTC (calm writes UTC everywhere; Python read it as
 * local time, which made the same command mean different things on different machines).
 */
import { validationError } from '../../errors.js';

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** `field` names the parameter in the message (memory filters have two dates); the git tools keep CALM's. */
export function parseSince(value: unknown, field?: string): Date {
  const bad = (): Error =>
    validationError(`Invalid date format ${field ? `for '${field}': ` : ''}'${String(value)}'. Use ISO format: YYYY-MM-DD`);
  if (typeof value !== 'string') throw bad();
  const m = DATE_RE.exec(value.trim());
  if (!m) throw bad();
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0', zone] = m;
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const check = new Date(utc);
  // Date.UTC rolls 2024-02-30 over to March: a real calendar date must survive the round trip
  if (check.getUTCFullYear() !== Number(y) || check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) ||
    Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    throw bad();
  }
  let offsetMinutes = 0;
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2)));
  }
  return new Date(utc - offsetMinutes * 60_000);
}
