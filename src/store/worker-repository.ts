/** @module `workers`: one row per agent working on one task in one role. */
import type { Db } from './db.js';
import type { Worker, WorkerStatus } from './orchestration-model.js';

export interface NewWorkerRow {
  readonly id: string;
  readonly task_id: string;
  readonly role: string;
  readonly started_at: string;
  readonly project_path: string;
}

export class WorkerRepository {
  constructor(private readonly db: Db) {}

  get(id: string): Worker | undefined {
    return this.db.prepare('SELECT * FROM workers WHERE id = ?').get(id) as Worker | undefined;
  }

  /** A new worker starts `active`. */
  insert(row: NewWorkerRow): void {
    this.db
      .prepare("INSERT INTO workers (id, task_id, role, status, started_at, project_path) VALUES (?, ?, ?, 'active', ?, ?)")
      .run(row.id, row.task_id, row.role, row.started_at, row.project_path);
  }

  end(id: string, status: WorkerStatus, at: string, reason: string | null): void {
    this.db.prepare('UPDATE workers SET status = ?, ended_at = ?, reason = ? WHERE id = ?').run(status, at, reason, id);
  }

  /** Newest first; of one status when given. */
  list(projectPath: string, status?: WorkerStatus): Worker[] {
    const sql = `SELECT * FROM workers WHERE project_path = ?${status ? ' AND status = ?' : ''} ORDER BY started_at DESC, id DESC`;
    return this.db.prepare(sql).all(...(status ? [projectPath, status] : [projectPath])) as Worker[];
  }

  /** Active workers started before `cutoff` (every project) become `session_ended`; returns how many. */
  endStale(cutoff: string, at: string): number {
    return this.db.prepare("UPDATE workers SET status = 'session_ended', ended_at = ? WHERE status = 'active' AND started_at < ?").run(at, cutoff).changes;
  }
}
