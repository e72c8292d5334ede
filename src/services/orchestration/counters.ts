/** @module Named integer counters: the merge lock and the merges-since-batch-job counts. */
import type { Db } from '../../store/db.js';
import { refused } from './errors.js';

export interface Counter {
  readonly name: string;
  readonly value: number;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

function validateName(name: string): string {
  const n = name.trim();
  if (!NAME.test(n)) throw refused(`Invalid counter name '${name}': use letters, digits, '_', '.' and '-'`);
  return n;
}

/** Values arrive as text from the CLI; CALM accepted any integer. */
function validateValue(value: number | string): number {
  const n = typeof value === 'number' ? value : /^-?\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(n)) throw refused(`Invalid counter value '${String(value)}': must be a whole number`);
  return n;
}

export class CounterService {
  constructor(private readonly db: Db) {}

  list(): Counter[] {
    return this.db.prepare('SELECT name, value FROM counters ORDER BY name').all() as Counter[];
  }

  /** A counter that was never set reads as 0, as in CALM. */
  get(name: string): number {
    const row = this.db.prepare('SELECT value FROM counters WHERE name = ?').get(validateName(name)) as { value: number } | undefined;
    return row?.value ?? 0;
  }

  set(name: string, value: number | string): Counter {
    const n = validateName(name);
    const v = validateValue(value);
    this.db.prepare('INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value').run(n, v);
    return { name: n, value: v };
  }

  increment(name: string, by = 1): Counter {
    const n = validateName(name);
    const row = this.db
      .prepare('INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = value + excluded.value RETURNING value')
      .get(n, by) as { value: number };
    return { name: n, value: row.value };
  }

  reset(name: string): Counter {
    return this.set(name, 0);
  }

  /** Creates a counter only if it does not exist; says which happened (CALM always claimed "Created"). */
  add(name: string, value: number | string = 0): Counter & { created: boolean } {
    const n = validateName(name);
    const v = validateValue(value);
    const created = this.db.prepare('INSERT OR IGNORE INTO counters (name, value) VALUES (?, ?)').run(n, v).changes > 0;
    return { name: n, value: created ? v : this.get(n), created };
  }
}
