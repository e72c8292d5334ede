/**
 * @module Reviews and CALM's "2× rule": a gate needs two approvals of its type, and
 * `changes_requested` restarts the cycle by clearing that type's earlier reviews.
 */
import type { Db } from '../../store/db.js';
import { nowIso } from '../../store/time.js';
import { refused } from './errors.js';
import { transitionsUsingReviews } from './gate-checks.js';
import { getTask } from './tasks.js';

export const REVIEW_TYPES = ['spec', 'proposal', 'code', 'bugfix'] as const;
export type ReviewType = (typeof REVIEW_TYPES)[number];
export const REVIEW_RESULTS = ['approved', 'changes_requested'] as const;
export type ReviewResult = (typeof REVIEW_RESULTS)[number];
export const REQUIRED_APPROVALS = 2;

export interface Review {
  readonly id: number;
  readonly task_id: string;
  readonly review_type: ReviewType;
  readonly result: ReviewResult;
  readonly worker_id: string | null;
  readonly reviewer_notes: string | null;
  readonly created_at: string;
}

export function validateReviewType(value: string): ReviewType {
  const v = value.trim().toLowerCase();
  if (!REVIEW_TYPES.includes(v as ReviewType)) throw refused(`Invalid review type '${value}'. Must be one of: ${REVIEW_TYPES.join(', ')}`);
  return v as ReviewType;
}

function validateResult(value: string): ReviewResult {
  const v = value.trim().toLowerCase();
  if (!REVIEW_RESULTS.includes(v as ReviewResult)) throw refused(`Invalid review result '${value}'. Must be one of: ${REVIEW_RESULTS.join(', ')}`);
  return v as ReviewResult;
}

export interface ReviewCheck {
  readonly task_id: string;
  readonly review_type: ReviewType;
  readonly approved: number;
  readonly required: number;
  readonly passed: boolean;
}

export class ReviewService {
  constructor(private readonly db: Db) {}

  private requireTask(taskId: string): void {
    if (!this.db.prepare('SELECT 1 FROM tasks WHERE id = ?').get(taskId)) {
      throw refused(`Task '${taskId}' not found. Create the task first with 'calm task create'.`);
    }
  }

  /** Gate passes that counted this type's approvals no longer hold once those approvals are gone. */
  private revokeGatePasses(taskId: string, type: ReviewType): void {
    const names = transitionsUsingReviews(type);
    if (names.length === 0) return;
    this.db.prepare(`DELETE FROM gate_passes WHERE task_id = ? AND transition IN (${names.map(() => '?').join(',')})`).run(taskId, ...names);
  }

  record(taskId: string, type: string, result: string, options: { worker?: string; notes?: string } = {}): { review: Review; cycle_restarted: boolean; cleared: number } {
    this.requireTask(taskId);
    const t = validateReviewType(type);
    const r = validateResult(result);
    const write = this.db.transaction(() => {
      let cleared = 0;
      if (r === 'changes_requested') {
        cleared = this.db.prepare('DELETE FROM reviews WHERE task_id = ? AND review_type = ?').run(taskId, t).changes;
        this.revokeGatePasses(taskId, t);
      }
      const id = this.db
        .prepare('INSERT INTO reviews (task_id, review_type, result, worker_id, reviewer_notes, created_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(taskId, t, r, options.worker?.trim() || null, options.notes ?? null, nowIso()).lastInsertRowid;
      return { id: Number(id), cleared };
    });
    const { id, cleared } = write.immediate();
    const review = this.db.prepare('SELECT * FROM reviews WHERE id = ?').get(id) as Review;
    return { review, cycle_restarted: r === 'changes_requested', cleared };
  }

  list(taskId: string, type?: string): Review[] {
    getTask(this.db, taskId);
    const t = type === undefined ? undefined : validateReviewType(type);
    const sql = `SELECT * FROM reviews WHERE task_id = ?${t ? ' AND review_type = ?' : ''} ORDER BY created_at DESC, id DESC`;
    return this.db.prepare(sql).all(...(t ? [taskId, t] : [taskId])) as Review[];
  }

  approvedCount(taskId: string, type: ReviewType): number {
    const row = this.db
      .prepare("SELECT COUNT(*) AS n FROM reviews WHERE task_id = ? AND review_type = ? AND result = 'approved'")
      .get(taskId, type) as { n: number };
    return row.n;
  }

  check(taskId: string, type: string): ReviewCheck {
    getTask(this.db, taskId);
    const t = validateReviewType(type);
    const approved = this.approvedCount(taskId, t);
    return { task_id: taskId, review_type: t, approved, required: REQUIRED_APPROVALS, passed: approved >= REQUIRED_APPROVALS };
  }

  clear(taskId: string, type?: string): { task_id: string; review_type: ReviewType | null; cleared: number } {
    getTask(this.db, taskId);
    const t = type === undefined ? undefined : validateReviewType(type);
    const write = this.db.transaction(() => {
      const sql = `DELETE FROM reviews WHERE task_id = ?${t ? ' AND review_type = ?' : ''}`;
      const n = this.db.prepare(sql).run(...(t ? [taskId, t] : [taskId])).changes;
      for (const rt of t ? [t] : REVIEW_TYPES) this.revokeGatePasses(taskId, rt);
      return n;
    });
    return { task_id: taskId, review_type: t ?? null, cleared: write.immediate() };
  }
}
