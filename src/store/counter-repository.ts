/** @module `counters`: named integers (the merge lock, merges since the last batch jobs). */
import type { Db } from './db.js';
import type { Counter } from './orchestration-model.js';

export class CounterRepository {
  constructor(private readonly db: Db) {}

  list(): Counter[] {
    return this.db.prepare('SELECT name, value FROM counters ORDER BY name').all() as Counter[];
  }

  get(name: string): number | undefined {
    const row = this.db.prepare('SELECT value FROM counters WHERE name = ?').get(name) as { value: number } | undefined;
    return row?.value;
  }

  set(name: string, value: number): void {
    this.db.prepare('INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value').run(name, value);
  }

  /** Adds `by` (a missing counter starts at 0) and returns the new value, in one statement. */
  increment(name: string, by: number): number {
    const row = this.db
      .prepare('INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value RETURNING value')
      .get(name, by) as { value: number };
    return row.value;
  }

  /** Creates the counter unless it exists; true when it was created. */
  insertIfAbsent(name: string, value: number): boolean {
    return this.db.prepare('INSERT OR IGNORE INTO counters (name, value) VALUES (?, ?)').run(name, value).changes > 0;
  }
}
