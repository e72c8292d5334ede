/** @module Translates a parsed filter into a SQL condition over `records.payload` (alias `r`). */
import type { Condition, FilterScalar } from '../filter.js';

export interface SqlFragment {
  readonly sql: string;
  readonly params: unknown[];
}

function typeTest(value: FilterScalar): { sql: string; params: unknown[] } {
  if (typeof value === 'boolean') return { sql: value ? "je.type = 'true'" : "je.type = 'false'", params: [] };
  if (typeof value === 'number') return { sql: "(je.type IN ('integer','real') AND je.value = ?)", params: [value] };
  return { sql: "(je.type = 'text' AND je.value = ?)", params: [value] };
}

/** json_each walks an array's elements, or yields a scalar once; objects are excluded so `{k:{...}}` never matches a scalar. */
function elementExists(key: string, test: SqlFragment): SqlFragment {
  const path = `$.${key}`;
  return {
    sql: `EXISTS (SELECT 1 FROM json_each(r.payload, ?) je WHERE json_type(r.payload, ?) != 'object' AND ${test.sql})`,
    params: [path, path, ...test.params],
  };
}

function conditionToSql(c: Condition): SqlFragment {
  switch (c.kind) {
    case 'match':
      return elementExists(c.key, typeTest(c.value));
    case 'any': {
      if (c.values.length === 0) return { sql: '0', params: [] };
      const parts = c.values.map(typeTest);
      return elementExists(c.key, { sql: `(${parts.map((p) => p.sql).join(' OR ')})`, params: parts.flatMap((p) => p.params) });
    }
    case 'range': {
      const bounds: string[] = ["je.type IN ('integer','real')"];
      const params: unknown[] = [];
      for (const [op, sql] of [['gt', '>'], ['gte', '>='], ['lt', '<'], ['lte', '<=']] as const) {
        const bound = c[op];
        if (bound !== undefined) {
          bounds.push(`je.value ${sql} ?`);
          params.push(bound);
        }
      }
      return elementExists(c.key, { sql: `(${bounds.join(' AND ')})`, params });
    }
  }
}

export function filterToSql(conditions: readonly Condition[]): SqlFragment {
  if (conditions.length === 0) return { sql: '1', params: [] };
  const parts = conditions.map(conditionToSql);
  return { sql: parts.map((p) => p.sql).join(' AND '), params: parts.flatMap((p) => p.params) };
}
