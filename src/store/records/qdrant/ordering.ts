/** @module Sort order for `scroll`, the same as the SQLite backend's, so both backends page alike. */

export const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** SQLite's json_extract ordering, so both backends sort alike: missing/null, then numbers (booleans as 0/1), then text. */
function sortKey(v: unknown): [number, number | string] {
  if (v === undefined || v === null) return [0, 0];
  if (typeof v === 'boolean') return [1, v ? 1 : 0];
  if (typeof v === 'number') return [1, v];
  if (typeof v === 'string') return [2, v];
  return [2, JSON.stringify(v)];
}

export function compareKeys(a: unknown, b: unknown): number {
  const [ta, va] = sortKey(a);
  const [tb, vb] = sortKey(b);
  if (ta !== tb) return ta - tb;
  return typeof va === 'number' && typeof vb === 'number' ? va - vb : cmp(String(va), String(vb));
}
