/**
 * @module GHAP entries in SQLite: `ghap_entries` (one row per entry, at most one `active`, enforced by a
 * partial unique index), `ghap_history` (the hypothesis/action/prediction each update replaced) and
 * `ghap_notes`. CALM kept this state in loose JSON files beside the vector store; here it lives in the
 * same database as the experience records, so resolving can write both in one transaction.
 *
 * Every change bumps `version`, so a writer that read the entry earlier can tell whether it is still the
 * entry it read (optimistic concurrency between processes sharing the file).
 */
import type { Db } from './db.js';
import { limitSql, StatementCache } from './statements.js';

export interface GhapRow {
  id: string;
  session_id: string | null;
  domain: string;
  strategy: string;
  goal: string;
  hypothesis: string;
  action: string;
  prediction: string;
  status: 'active' | 'confirmed' | 'falsified' | 'abandoned';
  result: string | null;
  surprise: string | null;
  root_cause_category: string | null;
  root_cause_description: string | null;
  lesson_what_worked: string | null;
  lesson_takeaway: string | null;
  iteration_count: number;
  created_at: string;
  resolved_at: string | null;
  confidence_tier: string | null;
  auto_captured: number;
  /** The project the entry was started in (CALM's unused column); null: global (entries from before). */
  project_path: string | null;
  version: number;
  updated_at: string | null;
}

export interface HistoryRow {
  replaced_at: string;
  hypothesis: string;
  action: string;
  prediction: string;
}

export interface NoteRow {
  created_at: string;
  note: string;
}

export type NewGhapRow = Pick<GhapRow, 'id' | 'session_id' | 'domain' | 'strategy' | 'goal' | 'hypothesis' | 'action' | 'prediction' | 'created_at' | 'project_path'>;

/** What an update does to the active entry; computed by the caller from the entry as it is inside the transaction. */
export interface ActiveChange {
  readonly hypothesis: string;
  readonly action: string;
  readonly prediction: string;
  readonly strategy: string;
  readonly iteration_count: number;
  readonly replaced?: HistoryRow | undefined;
  readonly note?: NoteRow | undefined;
  readonly at: string;
}

export interface Resolution {
  readonly status: 'confirmed' | 'falsified' | 'abandoned';
  readonly result: string;
  readonly surprise: string | null;
  readonly root_cause_category: string | null;
  readonly root_cause_description: string | null;
  readonly lesson_what_worked: string | null;
  readonly lesson_takeaway: string | null;
  readonly confidence_tier: string;
  readonly auto_captured: boolean;
  readonly resolved_at: string;
}

/** A resolved entry brought over from CALM (its `ghap_full` payload or its journal). */
export type ImportedGhapRow = Pick<
  GhapRow,
  | 'id' | 'session_id' | 'domain' | 'strategy' | 'goal' | 'hypothesis' | 'action' | 'prediction' | 'status' | 'result' | 'surprise'
  | 'root_cause_category' | 'root_cause_description' | 'lesson_what_worked' | 'lesson_takeaway' | 'iteration_count' | 'created_at'
  | 'resolved_at' | 'confidence_tier'
>;

/** CALM's active entry (its journal's current_ghap.json). */
export type ImportedActiveRow = Pick<
  GhapRow, 'id' | 'session_id' | 'domain' | 'strategy' | 'goal' | 'hypothesis' | 'action' | 'prediction' | 'iteration_count' | 'created_at'
>;

/** A history or note row of an imported entry, at the position CALM kept it (from 1). */
export type Numbered<T> = T & { readonly seq: number };

export interface ResolvedQuery {
  readonly limit: number;
  readonly domain?: string | undefined;
  readonly status?: string | undefined;
  /** Only entries resolved at or after this UTC ISO timestamp. */
  readonly since?: string | undefined;
}

export class GhapRepository {
  /** The list's few shapes (filters × limit), prepared once each. */
  private readonly statements: StatementCache;

  constructor(private readonly db: Db) {
    this.statements = new StatementCache(db);
  }

  active(): GhapRow | undefined {
    return this.db.prepare("SELECT * FROM ghap_entries WHERE status = 'active'").get() as GhapRow | undefined;
  }

  get(id: string): GhapRow | undefined {
    return this.db.prepare('SELECT * FROM ghap_entries WHERE id = ?').get(id) as GhapRow | undefined;
  }

  history(id: string): HistoryRow[] {
    return this.db
      .prepare('SELECT replaced_at, hypothesis, action, prediction FROM ghap_history WHERE ghap_id = ? ORDER BY seq')
      .all(id) as HistoryRow[];
  }

  notes(id: string): NoteRow[] {
    return this.db.prepare('SELECT created_at, note FROM ghap_notes WHERE ghap_id = ? ORDER BY seq').all(id) as NoteRow[];
  }

  /** The session of the newest entry, so consecutive entries share one until something starts another. */
  latestSessionId(): string | undefined {
    return (this.db
      .prepare('SELECT session_id FROM ghap_entries WHERE session_id IS NOT NULL ORDER BY created_at DESC, id DESC LIMIT 1')
      .pluck()
      .get() as string | undefined);
  }

  /** Inserts the entry as the active one, unless one is active already (whose id is returned instead). */
  insertActive(row: NewGhapRow): { inserted: true } | { inserted: false; activeId: string } {
    return this.db
      .transaction(() => {
        const existing = this.active();
        if (existing) return { inserted: false as const, activeId: existing.id };
        this.db
          .prepare(
            `INSERT INTO ghap_entries (id, session_id, domain, strategy, goal, hypothesis, action, prediction, status,
               iteration_count, created_at, version, updated_at, project_path)
             VALUES (@id, @session_id, @domain, @strategy, @goal, @hypothesis, @action, @prediction, 'active', 1, @created_at, 0, @created_at,
               @project_path)`,
          )
          .run(row);
        return { inserted: true as const };
      })
      .immediate();
  }

  /** Reads the active entry and applies `change(entry)` under one write lock; undefined when none is active. */
  updateActive(change: (current: GhapRow) => ActiveChange): GhapRow | undefined {
    return this.db
      .transaction(() => {
        const current = this.active();
        if (!current) return undefined;
        const c = change(current);
        if (c.replaced) {
          this.db
            .prepare(
              `INSERT INTO ghap_history (ghap_id, seq, replaced_at, hypothesis, action, prediction)
               VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM ghap_history WHERE ghap_id = ?), ?, ?, ?, ?)`,
            )
            .run(current.id, current.id, c.replaced.replaced_at, c.replaced.hypothesis, c.replaced.action, c.replaced.prediction);
        }
        if (c.note) {
          this.db
            .prepare(
              `INSERT INTO ghap_notes (ghap_id, seq, created_at, note)
               VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM ghap_notes WHERE ghap_id = ?), ?, ?)`,
            )
            .run(current.id, current.id, c.note.created_at, c.note.note);
        }
        this.db
          .prepare(
            `UPDATE ghap_entries SET hypothesis = ?, action = ?, prediction = ?, strategy = ?, iteration_count = ?,
               version = version + 1, updated_at = ? WHERE id = ?`,
          )
          .run(c.hypothesis, c.action, c.prediction, c.strategy, c.iteration_count, c.at, current.id);
        return this.get(current.id);
      })
      .immediate();
  }

  /**
   * Marks the entry resolved if it is still active at `version`. Runs in the caller's transaction (it is the
   * relational half of resolving); false means another process changed or resolved it meanwhile.
   */
  resolve(id: string, version: number, r: Resolution): boolean {
    const changes = this.db
      .prepare(
        `UPDATE ghap_entries SET status = @status, result = @result, surprise = @surprise,
           root_cause_category = @root_cause_category, root_cause_description = @root_cause_description,
           lesson_what_worked = @lesson_what_worked, lesson_takeaway = @lesson_takeaway, confidence_tier = @confidence_tier,
           auto_captured = @auto_captured, resolved_at = @resolved_at, updated_at = @resolved_at, version = version + 1
         WHERE id = @id AND status = 'active' AND version = @version`,
      )
      .run({ ...r, auto_captured: r.auto_captured ? 1 : 0, id, version }).changes;
    return changes === 1;
  }

  /** Adds a resolved entry imported from CALM (last changed when it was resolved); an id calm has already is kept. True when added. */
  importResolved(row: ImportedGhapRow): boolean {
    return (
      this.db
        .prepare(
          `INSERT OR IGNORE INTO ghap_entries (id, session_id, domain, strategy, goal, hypothesis, action, prediction, status, result, surprise,
             root_cause_category, root_cause_description, lesson_what_worked, lesson_takeaway, iteration_count, created_at, resolved_at,
             confidence_tier, auto_captured, version, updated_at)
           VALUES (@id, @session_id, @domain, @strategy, @goal, @hypothesis, @action, @prediction, @status, @result, @surprise,
             @root_cause_category, @root_cause_description, @lesson_what_worked, @lesson_takeaway, @iteration_count, @created_at, @resolved_at,
             @confidence_tier, 0, 0, @resolved_at)`,
        )
        .run(row).changes === 1
    );
  }

  /** Adds CALM's active entry as calm's, unless calm has an active entry (or this id) already. True when added. */
  importActive(row: ImportedActiveRow): boolean {
    return (
      this.db
        .prepare(
          `INSERT OR IGNORE INTO ghap_entries (id, session_id, domain, strategy, goal, hypothesis, action, prediction, status,
             iteration_count, created_at, version, updated_at)
           SELECT @id, @session_id, @domain, @strategy, @goal, @hypothesis, @action, @prediction, 'active', @iteration_count, @created_at, 0,
             @created_at
            WHERE NOT EXISTS (SELECT 1 FROM ghap_entries WHERE status = 'active')`,
        )
        .run(row).changes === 1
    );
  }

  /** An imported entry's history and notes at CALM's positions; positions the entry has already are kept. */
  importHistoryAndNotes(id: string, history: readonly Numbered<HistoryRow>[], notes: readonly Numbered<NoteRow>[]): void {
    const hist = this.db.prepare(
      'INSERT OR IGNORE INTO ghap_history (ghap_id, seq, replaced_at, hypothesis, action, prediction) VALUES (?, ?, ?, ?, ?, ?)',
    );
    for (const h of history) hist.run(id, h.seq, h.replaced_at, h.hypothesis, h.action, h.prediction);
    const note = this.db.prepare('INSERT OR IGNORE INTO ghap_notes (ghap_id, seq, created_at, note) VALUES (?, ?, ?, ?)');
    for (const n of notes) note.run(id, n.seq, n.created_at, n.note);
  }

  /** Resolved entries, most recently resolved first. */
  listResolved(q: ResolvedQuery): GhapRow[] {
    const where = ["status <> 'active'"];
    const params: unknown[] = [];
    if (q.domain !== undefined) {
      where.push('domain = ?');
      params.push(q.domain);
    }
    if (q.status !== undefined) {
      where.push('status = ?');
      params.push(q.status);
    }
    if (q.since !== undefined) {
      where.push('resolved_at >= ?');
      params.push(q.since);
    }
    return this.statements
      .get(`SELECT * FROM ghap_entries WHERE ${where.join(' AND ')} ORDER BY resolved_at DESC, id DESC ${limitSql(q.limit)}`)
      .all(...params) as GhapRow[];
  }
}
