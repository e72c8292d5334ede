/**
 * @module Translates a parsed filter into a SQL condition over `records.payload` (alias `r`).
 *
 * A field matches when it is the value, or an array holding it. The scalar case is tested with
 * json_type/json_extract on a literal path (field names are validated: letters, digits, underscores),
 * which SQLite answers from one parse of the payload; json_each, several times dearer per row, only runs
 * for fields that are arrays. Objects never match a scalar. A filter on one field alone is one json_each
 * instead (of a scalar it yields the scalar; object members, with text keys, are skipped): measured 5–10 %
 * faster per row examined on a filtered page. It does not share json_extract's cached parse, so with more
 * fields it would parse the payload again for each: ~10 % slower on two.
 */
import type { Condition, FilterScalar } from '../filter.js';

export interface SqlFragment {
  readonly sql: string;
  readonly params: unknown[];
}

/** A test of one JSON value, given SQL for its type (json_type's names) and its SQL value. */
type ValueTest = (type: string, value: string) => SqlFragment;

/**
 * The value comes first: most rows fail it, and then the type is never asked. A text equals a bound
 * text only when it is one (an array's JSON text starts with `[`); a number also equals a boolean's 0/1.
 */
function equals(v: FilterScalar): ValueTest {
  if (typeof v === 'boolean') return (type) => ({ sql: `${type} = '${v ? 'true' : 'false'}'`, params: [] });
  if (typeof v === 'number') return (type, value) => ({ sql: `(${value} = ? AND ${type} IN ('integer','real'))`, params: [v] });
  return (type, value) => ({ sql: `(${value} = ? AND ${type} = 'text')`, params: [v] });
}

function anyOf(tests: readonly ValueTest[]): ValueTest {
  return (type, value) => {
    const parts = tests.map((t) => t(type, value));
    return { sql: `(${parts.map((p) => p.sql).join(' OR ')})`, params: parts.flatMap((p) => p.params) };
  };
}

function inRange(c: Extract<Condition, { kind: 'range' }>): ValueTest {
  return (type, value) => {
    const bounds: string[] = [`${type} IN ('integer','real')`];
    const params: unknown[] = [];
    for (const [op, sql] of [['gt', '>'], ['gte', '>='], ['lt', '<'], ['lte', '<=']] as const) {
      const bound = c[op];
      if (bound !== undefined) {
        bounds.push(`${value} ${sql} ?`);
        params.push(bound);
      }
    }
    return { sql: `(${bounds.join(' AND ')})`, params };
  };
}

/** The field is a matching value, or an array with a matching element; `alone`: the filter's only field. */
function fieldMatches(key: string, test: ValueTest, alone: boolean): SqlFragment {
  const path = `'$.${key}'`;
  const element = test('je.type', 'je.value');
  if (alone) {
    // the value test first: most rows fail it, and then the key is never asked
    return { sql: `EXISTS (SELECT 1 FROM json_each(r.payload, ${path}) je WHERE ${element.sql} AND typeof(je.key) <> 'text')`, params: element.params };
  }
  const type = `json_type(r.payload, ${path})`;
  const scalar = test(type, `json_extract(r.payload, ${path})`);
  return {
    sql: `(${scalar.sql} OR (${type} = 'array' AND EXISTS (SELECT 1 FROM json_each(r.payload, ${path}) je WHERE ${element.sql})))`,
    params: [...scalar.params, ...element.params],
  };
}

function conditionToSql(c: Condition, alone: boolean): SqlFragment {
  switch (c.kind) {
    case 'match':
      return fieldMatches(c.key, equals(c.value), alone);
    case 'any':
      return c.values.length === 0 ? { sql: '0', params: [] } : fieldMatches(c.key, anyOf(c.values.map(equals)), alone);
    case 'range':
      return fieldMatches(c.key, inRange(c), alone);
  }
}

export function filterToSql(conditions: readonly Condition[]): SqlFragment {
  if (conditions.length === 0) return { sql: '1', params: [] };
  const parts = conditions.map((c) => conditionToSql(c, conditions.length === 1));
  return { sql: parts.map((p) => p.sql).join(' AND '), params: parts.flatMap((p) => p.params) };
}
