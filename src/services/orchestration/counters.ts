/** @module Named integer counters: the merge lock and the merges-since-batch-job counts. */
import type { CounterRepository } from '../../store/counter-repository.js';
import type { Counter } from '../../store/orchestration-model.js';
import { refused } from './errors.js';

export type { Counter } from '../../store/orchestration-model.js';

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
  constructor(private readonly counters: CounterRepository) {}

  list(): Counter[] {
    return this.counters.list();
  }

  /** A counter that was never set reads as 0, as in CALM. */
  get(name: string): number {
    return this.counters.get(validateName(name)) ?? 0;
  }

  set(name: string, value: number | string): Counter {
    const n = validateName(name);
    const v = validateValue(value);
    this.counters.set(n, v);
    return { name: n, value: v };
  }

  increment(name: string, by = 1): Counter {
    const n = validateName(name);
    return { name: n, value: this.counters.increment(n, by) };
  }

  reset(name: string): Counter {
    return this.set(name, 0);
  }

  /** Creates a counter only if it does not exist; says which happened (CALM always claimed "Created"). */
  add(name: string, value: number | string = 0): Counter & { created: boolean } {
    const n = validateName(name);
    const v = validateValue(value);
    const created = this.counters.insertIfAbsent(n, v);
    return { name: n, value: created ? v : this.get(n), created };
  }
}
