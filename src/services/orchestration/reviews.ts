/**
 * @module Reviews and CALM's "2× rule": a gate needs two approvals of its type, and
 * `changes_requested` restarts the cycle by clearing that type's earlier reviews.
 */
import { REVIEW_RESULTS, REVIEW_TYPES, type Review, type ReviewResult, type ReviewType } from '../../store/orchestration-model.js';
import type { TaskRepository } from '../../store/task-repository.js';
import { nowIso } from '../../store/time.js';
import { refused } from './errors.js';
import { transitionsUsingReviews } from './gate-checks.js';
import { requireTask } from './task-lookup.js';

export { REVIEW_RESULTS, REVIEW_TYPES, type Review, type ReviewResult, type ReviewType } from '../../store/orchestration-model.js';
export const REQUIRED_APPROVALS = 2;

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
  constructor(private readonly tasks: TaskRepository) {}

  private requireTask(taskId: string): void {
    if (!this.tasks.exists(taskId)) {
      throw refused(`Task '${taskId}' not found. Create the task first with 'calm task create'.`);
    }
  }

  /** Gate passes that counted this type's approvals no longer hold once those approvals are gone. */
  private revokeGatePasses(taskId: string, type: ReviewType): void {
    this.tasks.revokeGatePasses(taskId, transitionsUsingReviews(type));
  }

  record(taskId: string, type: string, result: string, options: { worker?: string; notes?: string } = {}): { review: Review; cycle_restarted: boolean; cleared: number } {
    this.requireTask(taskId);
    const t = validateReviewType(type);
    const r = validateResult(result);
    const { id, cleared } = this.tasks.transaction(() => {
      let cleared = 0;
      if (r === 'changes_requested') {
        cleared = this.tasks.deleteReviews(taskId, t);
        this.revokeGatePasses(taskId, t);
      }
      const id = this.tasks.insertReview({
        task_id: taskId, review_type: t, result: r, worker_id: options.worker?.trim() || null, reviewer_notes: options.notes ?? null, created_at: nowIso(),
      });
      return { id, cleared };
    });
    const review = this.tasks.review(id)!;
    return { review, cycle_restarted: r === 'changes_requested', cleared };
  }

  list(taskId: string, type?: string): Review[] {
    requireTask(this.tasks, taskId);
    const t = type === undefined ? undefined : validateReviewType(type);
    return this.tasks.reviews(taskId, t);
  }

  approvedCount(taskId: string, type: ReviewType): number {
    return this.tasks.approvedCount(taskId, type);
  }

  check(taskId: string, type: string): ReviewCheck {
    requireTask(this.tasks, taskId);
    const t = validateReviewType(type);
    const approved = this.approvedCount(taskId, t);
    return { task_id: taskId, review_type: t, approved, required: REQUIRED_APPROVALS, passed: approved >= REQUIRED_APPROVALS };
  }

  clear(taskId: string, type?: string): { task_id: string; review_type: ReviewType | null; cleared: number } {
    requireTask(this.tasks, taskId);
    const t = type === undefined ? undefined : validateReviewType(type);
    const cleared = this.tasks.transaction(() => {
      const n = this.tasks.deleteReviews(taskId, t);
      for (const rt of t ? [t] : REVIEW_TYPES) this.revokeGatePasses(taskId, rt);
      return n;
    });
    return { task_id: taskId, review_type: t ?? null, cleared };
  }
}
