/**
 * @module Tasks and what hangs off them: `tasks`, `phase_transitions` (the history), `gate_passes`
 * (a gate that passed, keyed by the commit it ran on), `test_runs` and `reviews`. Every statement the
 * orchestration services run on these tables is here; the services keep the rules.
 */
import type { Db } from './db.js';
import type { PhaseTransition, Review, ReviewType, Task, TaskType } from './orchestration-model.js';

type TaskRow = Omit<Task, 'blocked_by'> & { blocked_by: string | null };

/** JSON array; CALM's older rows hold a bare comma-separated string. */
export function parseBlockedBy(raw: string | null): string[] {
  if (!raw) return [];
  try {
    const v = JSON.parse(raw) as unknown;
    if (Array.isArray(v)) return v.map(String);
  } catch {
    // legacy form below
  }
  return raw.split(',').map((s) => s.trim()).filter(Boolean);
}

const toTask = (row: TaskRow): Task => ({ ...row, worktree_path: row.worktree_path || null, blocked_by: parseBlockedBy(row.blocked_by) });

export interface NewTaskRow {
  readonly id: string;
  readonly title: string;
  readonly spec_id: string | null;
  readonly task_type: TaskType;
  readonly phase: string;
  readonly project_path: string;
  readonly created_at: string;
}

export interface TaskFilter {
  readonly projectPath: string;
  readonly phase?: string | undefined;
  readonly type?: TaskType | undefined;
  readonly includeDone?: boolean | undefined;
}

/** Only the given fields change; `blocked_by` is stored as a JSON array. */
export interface TaskChanges {
  readonly phase?: string;
  readonly specialist?: string | null;
  readonly notes?: string;
  readonly blocked_by?: string[];
}

export interface NewTransitionRow {
  readonly from_phase: string;
  readonly to_phase: string;
  readonly gate_result: string;
  readonly gate_details: string | null;
  readonly commit_sha: string | null;
  readonly forced: boolean;
  readonly reason: string | null;
  readonly transitioned_at: string;
}

export interface NewTestRunRow {
  readonly task_id: string;
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly duration_seconds: number;
  readonly failed_tests: string[];
  readonly run_at: string;
}

export type NewReviewRow = Omit<Review, 'id'>;

export interface GatePass {
  readonly transition: string;
  readonly commit_sha: string;
  readonly passed_at: string;
}

export interface ProjectTaskSummary {
  readonly project_path: string;
  readonly tasks: number;
  readonly active_tasks: number;
}

/** Tables holding rows of a task; deleting a task empties them first. */
const TASK_CHILD_TABLES = ['reviews', 'test_runs', 'phase_transitions', 'gate_passes', 'workers'] as const;

export class TaskRepository {
  constructor(private readonly db: Db) {}

  /** Runs `fn` in one write transaction taken up front (BEGIN IMMEDIATE), so it never fails halfway on the lock. */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  get(id: string): Task | undefined {
    const row = this.db.prepare('SELECT * FROM tasks WHERE id = ?').get(id) as TaskRow | undefined;
    return row ? toTask(row) : undefined;
  }

  exists(id: string): boolean {
    return this.db.prepare('SELECT 1 FROM tasks WHERE id = ?').get(id) !== undefined;
  }

  /** Inserts the task unless its id is taken; false when it was. */
  insertIfAbsent(row: NewTaskRow): boolean {
    return this.transaction(() => {
      if (this.exists(row.id)) return false;
      this.db
        .prepare(`INSERT INTO tasks (id, title, spec_id, task_type, phase, blocked_by, worktree_path, project_path, created_at, updated_at)
                  VALUES (?, ?, ?, ?, ?, '[]', NULL, ?, ?, ?)`)
        .run(row.id, row.title, row.spec_id, row.task_type, row.phase, row.project_path, row.created_at, row.created_at);
      return true;
    });
  }

  /** Newest first; DONE ones only when asked for (or filtered on). */
  list(filter: TaskFilter): Task[] {
    const where = ['project_path = ?'];
    const params: unknown[] = [filter.projectPath];
    if (filter.phase !== undefined) {
      where.push('phase = ?');
      params.push(filter.phase);
    } else if (!filter.includeDone) where.push("phase != 'DONE'");
    if (filter.type !== undefined) {
      where.push('task_type = ?');
      params.push(filter.type);
    }
    const rows = this.db.prepare(`SELECT * FROM tasks WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id`).all(...params) as TaskRow[];
    return rows.map(toTask);
  }

  /** Ids starting with `prefix` over every project. */
  idsStartingWith(prefix: string): string[] {
    return (this.db.prepare('SELECT id FROM tasks WHERE id LIKE ?').all(`${prefix}%`) as { id: string }[]).map((r) => r.id);
  }

  /** Sets the given fields and `updated_at`; with `transition`, records it in the same transaction. */
  update(id: string, changes: TaskChanges, at: string, transition?: Omit<NewTransitionRow, 'transitioned_at'>): void {
    const sets: string[] = [];
    const params: unknown[] = [];
    if (changes.phase !== undefined) sets.push('phase = ?'), params.push(changes.phase);
    if (changes.specialist !== undefined) sets.push('specialist = ?'), params.push(changes.specialist);
    if (changes.notes !== undefined) sets.push('notes = ?'), params.push(changes.notes);
    if (changes.blocked_by !== undefined) sets.push('blocked_by = ?'), params.push(JSON.stringify(changes.blocked_by));
    this.transaction(() => {
      this.db.prepare(`UPDATE tasks SET ${sets.join(', ')}, updated_at = ? WHERE id = ?`).run(...params, at, id);
      if (transition) this.insertTransition(id, { ...transition, transitioned_at: at });
    });
  }

  /**
   * Moves the task from `from` to `transition.to_phase` and records the step, if it is still at `from`
   * under the write lock (a concurrent transition must not apply twice). Otherwise changes nothing and
   * returns the phase it is at now (undefined when the task is gone).
   */
  advance(id: string, from: string, transition: NewTransitionRow): { moved: true; transitionId: number } | { moved: false; phase: string | undefined } {
    return this.transaction(() => {
      const current = this.get(id);
      if (current?.phase !== from) return { moved: false as const, phase: current?.phase };
      this.db.prepare('UPDATE tasks SET phase = ?, updated_at = ? WHERE id = ?').run(transition.to_phase, transition.transitioned_at, id);
      return { moved: true as const, transitionId: this.insertTransition(id, transition) };
    });
  }

  private insertTransition(id: string, t: NewTransitionRow): number {
    const r = this.db
      .prepare(`INSERT INTO phase_transitions (task_id, from_phase, to_phase, gate_result, gate_details, commit_sha, forced, reason, transitioned_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(id, t.from_phase, t.to_phase, t.gate_result, t.gate_details, t.commit_sha, t.forced ? 1 : 0, t.reason, t.transitioned_at);
    return Number(r.lastInsertRowid);
  }

  history(id: string): PhaseTransition[] {
    const rows = this.db
      .prepare(`SELECT id, from_phase, to_phase, gate_result, gate_details, commit_sha, forced, reason, transitioned_at
                FROM phase_transitions WHERE task_id = ? ORDER BY id`)
      .all(id) as (Omit<PhaseTransition, 'forced'> & { forced: number })[];
    return rows.map((r) => ({ ...r, forced: r.forced === 1 }));
  }

  /** The task and its reviews, test runs, history, gate passes and workers, all or nothing. */
  delete(id: string): void {
    this.transaction(() => {
      for (const table of TASK_CHILD_TABLES) this.db.prepare(`DELETE FROM ${table} WHERE task_id = ?`).run(id);
      this.db.prepare('DELETE FROM tasks WHERE id = ?').run(id);
    });
  }

  setWorktree(id: string, path: string, baseBranch: string, at: string): void {
    this.db.prepare('UPDATE tasks SET worktree_path = ?, base_branch = ?, updated_at = ? WHERE id = ?').run(path, baseBranch, at, id);
  }

  clearWorktree(id: string, at: string): void {
    this.db.prepare('UPDATE tasks SET worktree_path = NULL, updated_at = ? WHERE id = ?').run(at, id);
  }

  // gate passes

  recordGatePass(taskId: string, transition: string, commit: string, at: string): void {
    this.db.prepare('INSERT OR REPLACE INTO gate_passes (task_id, transition, commit_sha, passed_at) VALUES (?, ?, ?, ?)').run(taskId, transition, commit, at);
  }

  hasGatePass(taskId: string, transition: string, commit: string): boolean {
    return this.db.prepare('SELECT 1 FROM gate_passes WHERE task_id = ? AND transition = ? AND commit_sha = ?').get(taskId, transition, commit) !== undefined;
  }

  /** The commit of the newest pass of that gate, if any. */
  lastGatePass(taskId: string, transition: string): string | undefined {
    const row = this.db
      .prepare('SELECT commit_sha FROM gate_passes WHERE task_id = ? AND transition = ? ORDER BY passed_at DESC LIMIT 1')
      .get(taskId, transition) as { commit_sha: string } | undefined;
    return row?.commit_sha;
  }

  /** Every recorded pass of a task's gates, newest first. */
  gatePasses(taskId: string): GatePass[] {
    return this.db.prepare('SELECT transition, commit_sha, passed_at FROM gate_passes WHERE task_id = ? ORDER BY passed_at DESC').all(taskId) as GatePass[];
  }

  /** Every project with tasks, the most recently active first. */
  projectSummaries(): ProjectTaskSummary[] {
    return this.db
      .prepare(`SELECT project_path, COUNT(*) AS tasks, COALESCE(SUM(phase != 'DONE'), 0) AS active_tasks FROM tasks
                GROUP BY project_path ORDER BY MAX(updated_at) DESC, project_path`)
      .all() as ProjectTaskSummary[];
  }

  revokeGatePasses(taskId: string, transitions: readonly string[]): void {
    if (transitions.length === 0) return;
    this.db.prepare(`DELETE FROM gate_passes WHERE task_id = ? AND transition IN (${transitions.map(() => '?').join(',')})`).run(taskId, ...transitions);
  }

  recordTestRun(run: NewTestRunRow): void {
    this.db
      .prepare('INSERT INTO test_runs (task_id, passed, failed, skipped, duration_seconds, failed_tests, run_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(run.task_id, run.passed, run.failed, run.skipped, run.duration_seconds, JSON.stringify(run.failed_tests), run.run_at);
  }

  // reviews

  insertReview(review: NewReviewRow): number {
    const r = this.db
      .prepare('INSERT INTO reviews (task_id, review_type, result, worker_id, reviewer_notes, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(review.task_id, review.review_type, review.result, review.worker_id, review.reviewer_notes, review.created_at);
    return Number(r.lastInsertRowid);
  }

  review(id: number): Review | undefined {
    return this.db.prepare('SELECT * FROM reviews WHERE id = ?').get(id) as Review | undefined;
  }

  /** Newest first; of one type when given. */
  reviews(taskId: string, type?: ReviewType): Review[] {
    const sql = `SELECT * FROM reviews WHERE task_id = ?${type ? ' AND review_type = ?' : ''} ORDER BY created_at DESC, id DESC`;
    return this.db.prepare(sql).all(...(type ? [taskId, type] : [taskId])) as Review[];
  }

  approvedCount(taskId: string, type: ReviewType): number {
    const row = this.db
      .prepare("SELECT COUNT(*) AS n FROM reviews WHERE task_id = ? AND review_type = ? AND result = 'approved'")
      .get(taskId, type) as { n: number };
    return row.n;
  }

  /** Deletes the task's reviews (of one type when given); returns how many. */
  deleteReviews(taskId: string, type?: ReviewType): number {
    const sql = `DELETE FROM reviews WHERE task_id = ?${type ? ' AND review_type = ?' : ''}`;
    return this.db.prepare(sql).run(...(type ? [taskId, type] : [taskId])).changes;
  }
}
