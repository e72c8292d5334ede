/**
 * @module The orchestration rows as the services see them: tasks and their history, reviews, workers,
 * session handoffs, journal entries and counters. Declared here, below the services, so the
 * repositories and every service share one shape without importing each other.
 */

export const TASK_TYPES = ['feature', 'bug'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

export interface Task {
  readonly id: string;
  readonly title: string;
  readonly spec_id: string | null;
  readonly task_type: TaskType;
  readonly phase: string;
  readonly specialist: string | null;
  readonly notes: string | null;
  readonly blocked_by: string[];
  readonly worktree_path: string | null;
  /** The branch the task's worktree was created from, and merges back into. */
  readonly base_branch: string | null;
  readonly project_path: string;
  readonly created_at: string;
  readonly updated_at: string;
}

export interface PhaseTransition {
  readonly id: number;
  readonly from_phase: string;
  readonly to_phase: string;
  readonly gate_result: string | null;
  readonly gate_details: string | null;
  readonly commit_sha: string | null;
  readonly forced: boolean;
  readonly reason: string | null;
  readonly transitioned_at: string;
}

export const REVIEW_TYPES = ['spec', 'proposal', 'code', 'bugfix'] as const;
export type ReviewType = (typeof REVIEW_TYPES)[number];
export const REVIEW_RESULTS = ['approved', 'changes_requested'] as const;
export type ReviewResult = (typeof REVIEW_RESULTS)[number];

export interface Review {
  readonly id: number;
  readonly task_id: string;
  readonly review_type: ReviewType;
  readonly result: ReviewResult;
  readonly worker_id: string | null;
  readonly reviewer_notes: string | null;
  readonly created_at: string;
}

export const WORKER_STATUSES = ['active', 'completed', 'failed', 'session_ended'] as const;
export type WorkerStatus = (typeof WORKER_STATUSES)[number];

export interface Worker {
  readonly id: string;
  readonly task_id: string;
  readonly role: string;
  readonly status: WorkerStatus;
  readonly started_at: string;
  readonly ended_at: string | null;
  readonly project_path: string | null;
  readonly reason: string | null;
}

export interface Session {
  readonly id: string;
  readonly created_at: string;
  readonly needs_continuation: boolean;
  readonly resumed_at: string | null;
  readonly content: string;
}

export interface JournalEntrySummary {
  readonly id: string;
  readonly created_at: string;
  readonly working_directory: string;
  readonly project_name: string | null;
  readonly summary: string;
  readonly reflected_at: string | null;
}

export interface JournalEntry extends JournalEntrySummary {
  readonly session_log_path: string | null;
  readonly friction_points: string[];
  readonly next_steps: string[];
  readonly memories_created: number;
  readonly session_log?: string;
}

export interface Counter {
  readonly name: string;
  readonly value: number;
}
