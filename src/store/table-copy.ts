/**
 * @module Rows of another database's tables into calm's tables of the same names, in one transaction
 * (calm's tables are CALM's plus a few columns: the columns both have are copied). Running it again adds
 * nothing twice: rows with text keys are kept when calm has them, rows with numeric ids are skipped when
 * an identical row is there, and a counter is taken only while calm's is still 0. With `dryRun` the same
 * work runs and is rolled back, so the counts are exact. The caller (services/import-calm) says which
 * tables, in which order, and how a value is converted.
 */
import type { Db } from './db.js';
import { tableNames } from './db-file.js';

export interface TableToCopy {
  readonly name: string;
  /** `text`: its key is a text id; `numeric`: an autoincrement id (not copied); `counter`: calm's `counters`. */
  readonly key: 'text' | 'numeric' | 'counter';
}

export interface CopiedTable {
  readonly table: string;
  /** Rows in the source table. */
  readonly found: number;
  /** Rows added to calm's (in a dry run: that would be added). */
  readonly added: number;
}

/** A value as it goes into calm's table (e.g. a timestamp made UTC ISO). */
export type ConvertValue = (table: string, column: string, value: unknown) => unknown;

const columnsOf = (db: Db, table: string): string[] =>
  (db.prepare(`PRAGMA table_info("${table}")`).all() as { name: string }[]).map((c) => c.name);

class DryRun extends Error {}

function insertSql(name: string, key: TableToCopy['key'], cols: readonly string[]): string {
  const list = cols.map((c) => `"${c}"`).join(', ');
  const marks = cols.map(() => '?').join(', ');
  if (key === 'text') return `INSERT OR IGNORE INTO "${name}" (${list}) VALUES (${marks})`;
  if (key === 'counter') {
    return `INSERT INTO counters (${list}) VALUES (${marks}) ON CONFLICT(name) DO UPDATE SET value = excluded.value WHERE counters.value = 0 AND excluded.value <> 0`;
  }
  const same = cols.map((c) => `"${c}" IS ?`).join(' AND ');
  return `INSERT OR IGNORE INTO "${name}" (${list}) SELECT ${marks} WHERE NOT EXISTS (SELECT 1 FROM "${name}" WHERE ${same})`;
}

/** Copies `tables` (those `src` has, in the order given) from `src` into `db`; see the module comment. */
export function copyTables(db: Db, src: Db, tables: readonly TableToCopy[], convert: ConvertValue, dryRun: boolean): CopiedTable[] {
  const present = new Set(tableNames(src));
  const results: CopiedTable[] = [];
  const run = db.transaction(() => {
    for (const { name, key } of tables) {
      if (!present.has(name)) continue;
      const ours = new Set(columnsOf(db, name));
      const cols = columnsOf(src, name).filter((c) => ours.has(c) && !(key === 'numeric' && c === 'id'));
      const rows = src.prepare(`SELECT ${cols.map((c) => `"${c}"`).join(', ')} FROM "${name}"`).all() as Record<string, unknown>[];
      const insert = db.prepare(insertSql(name, key, cols));
      let added = 0;
      for (const row of rows) {
        const values = cols.map((c) => convert(name, c, row[c]));
        added += insert.run(...values, ...(key === 'numeric' ? values : [])).changes;
      }
      results.push({ table: name, found: rows.length, added });
    }
    if (dryRun) throw new DryRun();
  });
  try {
    run.immediate();
  } catch (e) {
    if (!(e instanceof DryRun)) throw e;
  }
  return results;
}
