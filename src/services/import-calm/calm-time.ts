/**
 * @module CALM's timestamps as calm's (UTC ISO-8601 with milliseconds and Z). CALM wrote several kinds:
 * Python `isoformat()` with `+00:00` and 0–6 fractional digits (payloads), naive local times
 * (orchestration tables, `datetime.now()`), SQLite's `CURRENT_TIMESTAMP` (`YYYY-MM-DD HH:MM:SS`, UTC), and
 * epoch floats (`captured_at`, `validated_at`).
 */
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** The UTC ISO form of a CALM timestamp; values that are not timestamps come back unchanged. */
export function calmTimeToIso(value: unknown): unknown {
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(Math.round(value * 1000)).toISOString();
  if (typeof value !== 'string') return value;
  const m = ISO_RE.exec(value.trim());
  if (!m) return value;
  const [, y, mo, d, h, mi, s = '0', frac = '0', zone] = m;
  const ms = Math.floor(Number(`0.${frac}`) * 1000);
  const parts = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms] as const;
  let t: number;
  if (zone === undefined) {
    // a space is SQLite's CURRENT_TIMESTAMP (UTC); a 'T' without zone is Python's naive local time
    t = value.includes('T') ? new Date(...parts).getTime() : Date.UTC(...parts);
  } else {
    t = Date.UTC(...parts);
    if (zone !== 'Z') {
      const sign = zone.startsWith('-') ? -1 : 1;
      const digits = zone.slice(1).replace(':', '');
      t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
    }
  }
  return Number.isNaN(t) ? value : new Date(t).toISOString();
}
