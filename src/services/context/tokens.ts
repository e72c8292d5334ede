/**
 * @module Token arithmetic for context assembly. A token is estimated as 4 characters (code points,
 * so an emoji counts once, as in CALM's Python), rounded up: the estimate of a whole document is then
 * never more than the sum of its parts' estimates, which is what lets the budget be checked part by part.
 */
export const estimateTokens = (text: string): number => Math.ceil([...text].length / 4);

/** Source weights (CALM's): experiences count three times a memory, code and commits twice. */
export const SOURCE_WEIGHTS = { memories: 1, code: 2, experiences: 3, values: 1, commits: 2 } as const;
export type ContextSource = keyof typeof SOURCE_WEIGHTS;

/** Splits `total` tokens over `sources` in proportion to their weights (floored, so the sum never exceeds it). */
export function distributeBudget(sources: readonly ContextSource[], total: number): Map<ContextSource, number> {
  const weight = sources.reduce((s, k) => s + SOURCE_WEIGHTS[k], 0);
  return new Map(sources.map((k) => [k, weight === 0 ? 0 : Math.floor((SOURCE_WEIGHTS[k] / weight) * total)]));
}

/** Cuts `text` to at most `maxChars` code points, at a line break when one falls in the last fifth. */
export function cutText(text: string, maxChars: number): string {
  const chars = [...text];
  if (chars.length <= maxChars) return text;
  const cut = chars.slice(0, Math.max(0, maxChars)).join('');
  const nl = cut.lastIndexOf('\n');
  return nl > 0.8 * cut.length ? cut.slice(0, nl) : cut;
}
