/**
 * @module The filter tree (filter.ts) as a Qdrant filter, keeping `matchesFilter`'s semantics exactly.
 *
 * Qdrant's own conditions already treat an array payload as "any element", and a missing key as no
 * match. What needs care is what Qdrant cannot say directly:
 * - `match.value` takes strings, integers and booleans only: a fractional number becomes a range with
 *   gte = lte (which, like equality, matches numbers only);
 * - `match.any` takes a list of strings or a list of integers, never booleans or a mix: `$in` becomes a
 *   `should` of one `match.any` per type plus single matches for booleans and fractions;
 * - an empty `$in` matches nothing, which Qdrant cannot express (an empty `should` is ignored there), so the
 *   translation says so and the store answers without asking Qdrant.
 */
import type { Schemas } from '@qdrant/js-client-rest';
import type { Condition, FilterScalar } from '../filter.js';

export type QdrantFilter = Schemas['Filter'];
type QdrantCondition = Schemas['Condition'];

/** Integers Qdrant's i64 match takes exactly; anything else is compared as a float range. */
const isExactInteger = (n: number): boolean => Number.isSafeInteger(n);

function matchOne(key: string, value: FilterScalar): QdrantCondition {
  if (typeof value === 'number' && !isExactInteger(value)) return { key, range: { gte: value, lte: value } };
  return { key, match: { value } };
}

function matchAny(key: string, values: readonly FilterScalar[]): QdrantCondition[] {
  const strings = [...new Set(values.filter((v): v is string => typeof v === 'string'))];
  const integers = [...new Set(values.filter((v): v is number => typeof v === 'number' && isExactInteger(v)))];
  const rest = [...new Set(values.filter((v) => typeof v === 'boolean' || (typeof v === 'number' && !isExactInteger(v))))];
  const out: QdrantCondition[] = [];
  if (strings.length > 0) out.push({ key, match: { any: strings } });
  if (integers.length > 0) out.push({ key, match: { any: integers } });
  for (const v of rest) out.push(matchOne(key, v));
  return out;
}

/**
 * The Qdrant filter for parsed conditions: `undefined` for "everything", `null` for "nothing can match".
 * `extra` conditions (e.g. the store's own full-text match) are ANDed in.
 */
export function toQdrantFilter(conditions: readonly Condition[], extra: readonly QdrantCondition[] = []): QdrantFilter | undefined | null {
  const must: QdrantCondition[] = [...extra];
  for (const c of conditions) {
    switch (c.kind) {
      case 'match':
        must.push(matchOne(c.key, c.value));
        break;
      case 'any': {
        const options = matchAny(c.key, c.values);
        if (options.length === 0) return null;
        must.push(options.length === 1 ? options[0]! : { should: options });
        break;
      }
      case 'range': {
        const range: Schemas['Range'] = {};
        if (c.gt !== undefined) range.gt = c.gt;
        if (c.gte !== undefined) range.gte = c.gte;
        if (c.lt !== undefined) range.lt = c.lt;
        if (c.lte !== undefined) range.lte = c.lte;
        must.push({ key: c.key, range });
        break;
      }
    }
  }
  return must.length === 0 ? undefined : { must };
}
