/** @module Orchestration health and the active-task summary shown by `calm status`. */
import type { CounterService } from './counters.js';
import type { Project } from './project.js';
import type { Task, TaskService } from './tasks.js';
import type { Worker, WorkerService } from './workers.js';

/** Merges after which the E2E and docs batch jobs are due (CALM's workflow rule). */
export const BATCH_THRESHOLD = 12;

export interface HealthReport {
  readonly status: 'HEALTHY' | 'ATTENTION' | 'DEGRADED';
  readonly reasons: string[];
  readonly counters: { merge_lock: number; merges_since_e2e: number; merges_since_docs: number };
  readonly active_workers: Worker[];
}

export function health(counters: CounterService, workers: WorkerService, project: Project): HealthReport {
  const c = {
    merge_lock: counters.get('merge_lock'),
    merges_since_e2e: counters.get('merges_since_e2e'),
    merges_since_docs: counters.get('merges_since_docs'),
  };
  const reasons: string[] = [];
  if (c.merge_lock > 0) reasons.push('merge lock is active (an E2E run failed?): fix, then `calm counter set merge_lock 0`');
  if (c.merges_since_e2e >= BATCH_THRESHOLD) reasons.push(`${c.merges_since_e2e} merges since the last E2E run`);
  if (c.merges_since_docs >= BATCH_THRESHOLD) reasons.push(`${c.merges_since_docs} merges since the last docs update`);
  const status = c.merge_lock > 0 ? 'DEGRADED' : reasons.length ? 'ATTENTION' : 'HEALTHY';
  return { status, reasons, counters: c, active_workers: workers.list(project, 'active') };
}

export interface ActiveSummary {
  readonly project: string;
  readonly tasks: number;
  readonly by_phase: Record<string, string[]>;
  readonly health: HealthReport['status'];
}

/** Active tasks of the project grouped by phase; undefined when there are none. */
export function activeSummary(tasks: TaskService, counters: CounterService, workers: WorkerService, project: Project): ActiveSummary | undefined {
  const active: Task[] = tasks.list(project);
  if (active.length === 0) return undefined;
  const byPhase: Record<string, string[]> = {};
  for (const t of active) (byPhase[t.phase] ??= []).push(t.id);
  return { project: project.root, tasks: active.length, by_phase: byPhase, health: health(counters, workers, project).status };
}
