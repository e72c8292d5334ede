/**
 * @module Payload filters: parsed and validated once into a small tree each backend translates.
 *
 * Semantics (Qdrant's, so both backends agree):
 * - `{k: v}` matches when payload k equals v, or when k is an array with an element equal to v
 *   (so equality doubles as array-contains; `{k: {$contains: v}}` spells it out);
 * - `{k: {$in: [a, b]}}` matches when k equals any listed value, or an array k shares one with the list;
 * - `{k: {$gte|$gt|$lte|$lt: n}}` (combinable) matches numbers in range, or an array with such an element;
 * - a payload without k never matches; all keys combine with AND.
 */
import { CalmError } from '../../errors.js';

export type FilterScalar = string | number | boolean;
export interface FilterOperators {
  $in?: readonly FilterScalar[];
  $contains?: FilterScalar;
  $gt?: number;
  $gte?: number;
  $lt?: number;
  $lte?: number;
}
export type FieldCondition = FilterScalar | FilterOperators;
export type Filter = Readonly<Record<string, FieldCondition>>;

export type Condition =
  | { readonly kind: 'match'; readonly key: string; readonly value: FilterScalar }
  | { readonly kind: 'any'; readonly key: string; readonly values: readonly FilterScalar[] }
  | { readonly kind: 'range'; readonly key: string; readonly gt?: number; readonly gte?: number; readonly lt?: number; readonly lte?: number };

const KEY_RE = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const RANGE_OPS = ['$gt', '$gte', '$lt', '$lte'] as const;
const KNOWN_OPS = new Set<string>(['$in', '$contains', ...RANGE_OPS]);

const bad = (message: string): CalmError => new CalmError('validation_error', `Invalid filter: ${message}`);

function isScalar(v: unknown): v is FilterScalar {
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

export function parseFilter(filter: Filter | undefined): Condition[] {
  if (filter === undefined) return [];
  if (filter === null || typeof filter !== 'object' || Array.isArray(filter)) throw bad('expected an object of field conditions');
  const conditions: Condition[] = [];
  for (const [key, cond] of Object.entries(filter)) {
    if (!KEY_RE.test(key)) throw bad(`field name '${key}' must be letters, digits and underscores`);
    if (isScalar(cond)) {
      conditions.push({ kind: 'match', key, value: cond });
      continue;
    }
    if (cond === null || typeof cond !== 'object' || Array.isArray(cond)) {
      throw bad(`'${key}' must be a string, number, boolean or an operator object`);
    }
    const ops = Object.keys(cond);
    if (ops.length === 0) throw bad(`'${key}' has an empty operator object`);
    for (const op of ops) if (!KNOWN_OPS.has(op)) throw bad(`unknown operator '${op}' on '${key}' (use $in, $contains, $gt, $gte, $lt, $lte)`);
    const o = cond as FilterOperators;
    if (o.$in !== undefined) {
      if (!Array.isArray(o.$in) || !o.$in.every(isScalar)) throw bad(`'${key}.$in' must be a list of strings, numbers or booleans`);
      conditions.push({ kind: 'any', key, values: [...o.$in] });
    }
    if (o.$contains !== undefined) {
      if (!isScalar(o.$contains)) throw bad(`'${key}.$contains' must be a string, number or boolean`);
      conditions.push({ kind: 'match', key, value: o.$contains });
    }
    const range: { gt?: number; gte?: number; lt?: number; lte?: number } = {};
    let hasRange = false;
    for (const op of RANGE_OPS) {
      const bound = o[op];
      if (bound === undefined) continue;
      if (typeof bound !== 'number' || !Number.isFinite(bound)) throw bad(`'${key}.${op}' must be a finite number`);
      range[op.slice(1) as 'gt' | 'gte' | 'lt' | 'lte'] = bound;
      hasRange = true;
    }
    if (hasRange) conditions.push({ kind: 'range', key, ...range });
  }
  return conditions;
}

/** Reference semantics, used by tests as the oracle and by any backend that filters in memory. */
export function matchesFilter(payload: Readonly<Record<string, unknown>>, conditions: readonly Condition[]): boolean {
  return conditions.every((c) => {
    if (!Object.hasOwn(payload, c.key)) return false;
    const raw = payload[c.key];
    const elements = Array.isArray(raw) ? raw : [raw];
    switch (c.kind) {
      case 'match':
        return elements.some((e) => e === c.value);
      case 'any':
        return elements.some((e) => c.values.includes(e as FilterScalar));
      case 'range':
        return elements.some(
          (e) =>
            typeof e === 'number' &&
            (c.gt === undefined || e > c.gt) &&
            (c.gte === undefined || e >= c.gte) &&
            (c.lt === undefined || e < c.lt) &&
            (c.lte === undefined || e <= c.lte),
        );
    }
  });
}
