/**
 * @module Prepared statements kept by SQL text, and page limits written into that text. Compiling a
 * statement costs more than running a small page query, so the hot paths prepare each shape once.
 */
import type { Statement } from 'better-sqlite3';
import { CalmError } from '../errors.js';
import type { Db } from './db.js';

/** A cache of prepared statements; callers never toggle a statement's modes (pluck, raw) unless every caller of that SQL does. */
export class StatementCache {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Db) {}

  get(sql: string): Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      if (this.statements.size >= 500) this.statements.clear(); // filters vary in shape, not in values: this stays small
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }
}

/**
 * `LIMIT n` as a literal. A bound `LIMIT ?` makes SQLite (3.47+, whose planner reads the bound limit)
 * expire the statement at every bind, so each call would compile it again: measured 15–25 µs on a page
 * query, more than reading the page. Callers use few distinct limits, so a StatementCache stays small.
 */
export function limitSql(limit: number): string {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new CalmError('validation_error', `Limit ${limit} must be a whole number >= 0.`);
  return `LIMIT ${limit}`;
}
