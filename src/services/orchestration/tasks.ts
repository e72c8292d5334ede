/** @module Tasks: create, list, show, update, transition (gate enforced), delete, next id. */
import type { Db } from '../../store/db.js';
import { nowIso } from '../../store/time.js';
import { missing, refused } from './errors.js';
import type { GateService } from './gates.js';
import {
  ALL_PHASES, initialPhase, nextPhases, type TaskType, transitionName, validatePhase, validateTaskType,
} from './phases.js';
import type { Project } from './project.js';

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

/** Task ids name git branches and worktree folders, so they must be safe as both. */
const TASK_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
export function validateTaskId(id: string): string {
  if (!TASK_ID.test(id) || id.includes('..') || id.endsWith('.') || id.endsWith('.lock')) {
    throw refused(`Invalid task id '${id}': use letters, digits, '.', '_' and '-' (e.g. SPEC-001 or BUG-012), at most 100 characters`);
  }
  return id;
}

export function getTask(db: Db, id: string): Task {
  const row = db.prepare('SELECT * FROM tasks WHERE id = ?').get(id) as TaskRow | undefined;
  if (!row) throw missing(`Task ${id} not found`);
  return toTask(row);
}

export interface CreateTaskInput {
  readonly id: string;
  readonly title: string;
  readonly specId?: string;
  readonly type?: string;
}

export interface ListTasksInput {
  readonly phase?: string;
  readonly type?: string;
  readonly includeDone?: boolean;
}

export interface UpdateTaskInput {
  readonly phase?: string;
  readonly reason?: string;
  readonly specialist?: string;
  readonly notes?: string;
  readonly blockedBy?: string;
}

export interface TransitionInput {
  readonly force?: boolean;
  readonly reason?: string;
  readonly details?: string;
  /**
   * CALM's `--gate-result pass|fail`: the caller's own verdict. calm does not take it on trust: `pass`
   * still needs the gate to have passed here (`calm gate check`), `fail` refuses to move the task.
   */
  readonly claimedGateResult?: string;
}

/** The reason recorded when `task update --phase` is given none (CALM's scripts never pass one). */
export const DEFAULT_SET_PHASE_REASON = 'set with task update --phase (no --reason given)';

export class TaskService {
  constructor(
    private readonly db: Db,
    private readonly gates: GateService,
  ) {}

  get(id: string): Task {
    return getTask(this.db, id);
  }

  create(project: Project, input: CreateTaskInput): Task {
    const id = validateTaskId(input.id.trim());
    const title = input.title.trim();
    if (!title) throw refused('A task title is required');
    const type = validateTaskType(input.type ?? 'feature');
    const now = nowIso();
    const insert = this.db.transaction(() => {
      if (this.db.prepare('SELECT 1 FROM tasks WHERE id = ?').get(id)) throw refused(`Task ${id} already exists`);
      this.db
        .prepare(`INSERT INTO tasks (id, title, spec_id, task_type, phase, blocked_by, worktree_path, project_path, created_at, updated_at)
                  VALUES (?, ?, ?, ?, ?, '[]', NULL, ?, ?, ?)`)
        .run(id, title, input.specId?.trim() || null, type, initialPhase(type), project.root, now, now);
    });
    insert.immediate();
    return this.get(id);
  }

  /** Tasks of one project, newest first; DONE ones only when asked (or when filtering on DONE). */
  list(project: Project, input: ListTasksInput = {}): Task[] {
    const where = ['project_path = ?'];
    const params: unknown[] = [project.root];
    if (input.phase !== undefined) {
      where.push('phase = ?');
      params.push(validatePhase(input.phase));
    } else if (!input.includeDone) where.push("phase != 'DONE'");
    if (input.type !== undefined) {
      where.push('task_type = ?');
      params.push(validateTaskType(input.type));
    }
    const rows = this.db.prepare(`SELECT * FROM tasks WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id`).all(...params) as TaskRow[];
    return rows.map(toTask);
  }

  history(id: string): PhaseTransition[] {
    const rows = this.db
      .prepare(`SELECT id, from_phase, to_phase, gate_result, gate_details, commit_sha, forced, reason, transitioned_at
                FROM phase_transitions WHERE task_id = ? ORDER BY id`)
      .all(id) as (Omit<PhaseTransition, 'forced'> & { forced: number })[];
    return rows.map((r) => ({ ...r, forced: r.forced === 1 }));
  }

  /**
   * Sets only the given fields. `phase` moves a task anywhere in its machine (going back for rework);
   * it is recorded in the history as forced with its reason (a default one when none is given),
   * unlike CALM's silent overwrite.
   */
  update(id: string, input: UpdateTaskInput): Task {
    const task = this.get(id);
    const sets: string[] = [];
    const params: unknown[] = [];
    let phase: string | undefined;
    if (input.phase !== undefined) {
      phase = validatePhase(input.phase, task.task_type);
      sets.push('phase = ?');
      params.push(phase);
    } else if (input.reason !== undefined) {
      throw refused('--reason goes with --phase');
    }
    if (input.specialist !== undefined) sets.push('specialist = ?'), params.push(input.specialist.trim() || null);
    if (input.notes !== undefined) sets.push('notes = ?'), params.push(input.notes);
    if (input.blockedBy !== undefined) {
      const ids = input.blockedBy.split(',').map((s) => s.trim()).filter(Boolean);
      if (ids.includes(id)) throw refused(`Task ${id} cannot block itself`);
      sets.push('blocked_by = ?');
      params.push(JSON.stringify(ids));
    }
    if (sets.length === 0) throw refused('Nothing to update: give --phase (and --reason), --specialist, --notes or --blocked-by');
    const now = nowIso();
    const write = this.db.transaction(() => {
      this.db.prepare(`UPDATE tasks SET ${sets.join(', ')}, updated_at = ? WHERE id = ?`).run(...params, now, id);
      if (phase !== undefined && phase !== task.phase) {
        this.db
          .prepare(`INSERT INTO phase_transitions (task_id, from_phase, to_phase, gate_result, gate_details, forced, reason, transitioned_at)
                    VALUES (?, ?, ?, 'forced', 'set with task update --phase', 1, ?, ?)`)
          .run(id, task.phase, phase, input.reason?.trim() || DEFAULT_SET_PHASE_REASON, now);
      }
    });
    write.immediate();
    return this.get(id);
  }

  /**
   * Moves a task to the next phase of its machine. The gate for that step must have passed at the
   * task's current commit; `force` skips that, and needs a reason, which the history keeps.
   */
  async transition(id: string, toPhase: string, input: TransitionInput = {}): Promise<{ task: Task; transition: PhaseTransition }> {
    const task = this.get(id);
    const to = typeof toPhase === 'string' ? toPhase.trim().toUpperCase() : '';
    if (!ALL_PHASES.includes(to)) validatePhase(toPhase, task.task_type);
    if (!nextPhases(task.task_type, task.phase).includes(to)) {
      throw refused(`Invalid transition: ${task.phase} -> ${to} for ${task.task_type}${this.nextHint(task)}`);
    }
    const name = transitionName(task.phase, to);
    const claimed = input.claimedGateResult?.trim().toLowerCase();
    if (claimed !== undefined && claimed !== 'pass' && claimed !== 'fail') throw refused(`--gate-result must be pass or fail, not '${input.claimedGateResult}'`);
    if (claimed === 'fail') {
      throw refused(`Gate ${name} reported as failed (--gate-result fail): ${id} stays in ${task.phase}. Fix it, then run 'calm gate check ${id} ${name}' and transition again`);
    }
    const reason = input.reason?.trim();
    if (input.force && !reason) throw refused('--force needs --reason "…": the reason is recorded in the transition history');
    let commit: string | null = null;
    let gateResult: string;
    let gateDetails: string | null;
    if (input.force) {
      commit = (await this.gates.commitKey(task)).commit;
      gateResult = 'forced';
      gateDetails = input.details?.trim() || null;
    } else {
      const verdict = await this.gates.verify(task, name);
      commit = verdict.commit;
      gateResult = verdict.checks === 0 ? 'no checks' : 'pass';
      gateDetails = input.details?.trim() || (verdict.checks === 0 ? null : `gate passed at ${verdict.commit.slice(0, 7)}`);
    }
    const now = nowIso();
    const write = this.db.transaction(() => {
      // re-read under the write lock: a concurrent transition must not apply twice
      const current = getTask(this.db, id);
      if (current.phase !== task.phase) throw refused(`Task ${id} moved to ${current.phase} meanwhile; nothing changed`);
      this.db.prepare('UPDATE tasks SET phase = ?, updated_at = ? WHERE id = ?').run(to, now, id);
      return this.db
        .prepare(`INSERT INTO phase_transitions (task_id, from_phase, to_phase, gate_result, gate_details, commit_sha, forced, reason, transitioned_at)
                  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(id, task.phase, to, gateResult, gateDetails, commit, input.force ? 1 : 0, input.force ? reason : null, now).lastInsertRowid;
    });
    const rowId = Number(write.immediate());
    return { task: this.get(id), transition: this.history(id).find((t) => t.id === rowId)! };
  }

  private nextHint(task: Task): string {
    const next = nextPhases(task.task_type, task.phase);
    return next.length ? ` (next phase: ${next[0]})` : ' (the task is DONE)';
  }

  /** Deletes a task and its reviews, test runs, history, gate passes and workers, all or nothing. */
  delete(id: string): { id: string } {
    const task = this.get(id);
    if (task.worktree_path) {
      throw refused(`Task ${id} still has a worktree at ${task.worktree_path}: merge or remove it first ('calm worktree remove ${id}')`);
    }
    const remove = this.db.transaction(() => {
      for (const table of ['reviews', 'test_runs', 'phase_transitions', 'gate_passes', 'workers']) {
        this.db.prepare(`DELETE FROM ${table} WHERE task_id = ?`).run(id);
      }
      this.db.prepare('DELETE FROM tasks WHERE id = ?').run(id);
    });
    remove.immediate();
    return { id };
  }

  /** The next free `BUG-NNN` / `SPEC-NNN` over all projects; subtasks (`SPEC-001-02`) do not count. */
  nextId(prefix: string): string {
    const p = prefix.trim().toUpperCase();
    if (p !== 'BUG' && p !== 'SPEC') throw refused(`Invalid id prefix '${prefix}'. Must be one of: BUG, SPEC`);
    const ids = this.db.prepare('SELECT id FROM tasks WHERE id LIKE ?').all(`${p}-%`) as { id: string }[];
    const re = new RegExp(`^${p}-(\\d+)$`);
    const max = ids.reduce((m, { id }) => Math.max(m, Number(re.exec(id)?.[1] ?? 0)), 0);
    return `${p}-${String(max + 1).padStart(3, '0')}`;
  }
}
