/** @module Tasks: create, list, show, update, transition (gate enforced), delete, next id. */
import type { PhaseTransition, Task } from '../../store/orchestration-model.js';
import type { TaskChanges, TaskRepository } from '../../store/task-repository.js';
import { nowIso } from '../../store/time.js';
import { missing, refused } from './errors.js';
import type { GateService } from './gates.js';
import { ALL_PHASES, initialPhase, nextPhases, transitionName, validatePhase, validateTaskType } from './phases.js';
import type { Project } from './project.js';
import { requireTask } from './task-lookup.js';

export type { PhaseTransition, Task } from '../../store/orchestration-model.js';

/** Task ids name git branches and worktree folders, so they must be safe as both. */
const TASK_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
export function validateTaskId(id: string): string {
  if (!TASK_ID.test(id) || id.includes('..') || id.endsWith('.') || id.endsWith('.lock')) {
    throw refused(`Invalid task id '${id}': use letters, digits, '.', '_' and '-' (e.g. SPEC-001 or BUG-012), at most 100 characters`);
  }
  return id;
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
    private readonly tasks: TaskRepository,
    private readonly gates: GateService,
  ) {}

  get(id: string): Task {
    return requireTask(this.tasks, id);
  }

  create(project: Project, input: CreateTaskInput): Task {
    const id = validateTaskId(input.id.trim());
    const title = input.title.trim();
    if (!title) throw refused('A task title is required');
    const type = validateTaskType(input.type ?? 'feature');
    const inserted = this.tasks.insertIfAbsent({
      id, title, spec_id: input.specId?.trim() || null, task_type: type, phase: initialPhase(type), project_path: project.root, created_at: nowIso(),
    });
    if (!inserted) throw refused(`Task ${id} already exists`);
    return this.get(id);
  }

  /** Tasks of one project, newest first; DONE ones only when asked (or when filtering on DONE). */
  list(project: Project, input: ListTasksInput = {}): Task[] {
    return this.tasks.list({
      projectPath: project.root,
      phase: input.phase === undefined ? undefined : validatePhase(input.phase),
      type: input.type === undefined ? undefined : validateTaskType(input.type),
      includeDone: input.includeDone,
    });
  }

  history(id: string): PhaseTransition[] {
    return this.tasks.history(id);
  }

  /**
   * Sets only the given fields. `phase` moves a task anywhere in its machine (going back for rework);
   * it is recorded in the history as forced with its reason (a default one when none is given),
   * unlike CALM's silent overwrite.
   */
  update(id: string, input: UpdateTaskInput): Task {
    const task = this.get(id);
    const changes: { -readonly [K in keyof TaskChanges]: TaskChanges[K] } = {};
    let phase: string | undefined;
    if (input.phase !== undefined) {
      phase = validatePhase(input.phase, task.task_type);
      changes.phase = phase;
    } else if (input.reason !== undefined) {
      throw refused('--reason goes with --phase');
    }
    if (input.specialist !== undefined) changes.specialist = input.specialist.trim() || null;
    if (input.notes !== undefined) changes.notes = input.notes;
    if (input.blockedBy !== undefined) {
      const ids = input.blockedBy.split(',').map((s) => s.trim()).filter(Boolean);
      if (ids.includes(id)) throw refused(`Task ${id} cannot block itself`);
      changes.blocked_by = ids;
    }
    if (Object.keys(changes).length === 0) throw refused('Nothing to update: give --phase (and --reason), --specialist, --notes or --blocked-by');
    const forced = phase !== undefined && phase !== task.phase
      ? { from_phase: task.phase, to_phase: phase, gate_result: 'forced', gate_details: 'set with task update --phase', commit_sha: null, forced: true, reason: input.reason?.trim() || DEFAULT_SET_PHASE_REASON }
      : undefined;
    this.tasks.update(id, changes, nowIso(), forced);
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
    const step = this.tasks.advance(id, task.phase, {
      from_phase: task.phase, to_phase: to, gate_result: gateResult, gate_details: gateDetails, commit_sha: commit,
      forced: input.force === true, reason: input.force ? reason! : null, transitioned_at: nowIso(),
    });
    if (!step.moved) {
      if (step.phase === undefined) throw missing(`Task ${id} not found`);
      throw refused(`Task ${id} moved to ${step.phase} meanwhile; nothing changed`);
    }
    const rowId = step.transitionId;
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
    this.tasks.delete(id);
    return { id };
  }

  /** The next free `BUG-NNN` / `SPEC-NNN` over all projects; subtasks (`SPEC-001-02`) do not count. */
  nextId(prefix: string): string {
    const p = prefix.trim().toUpperCase();
    if (p !== 'BUG' && p !== 'SPEC') throw refused(`Invalid id prefix '${prefix}'. Must be one of: BUG, SPEC`);
    const re = new RegExp(`^${p}-(\\d+)$`);
    const max = this.tasks.idsStartingWith(`${p}-`).reduce((m, id) => Math.max(m, Number(re.exec(id)?.[1] ?? 0)), 0);
    return `${p}-${String(max + 1).padStart(3, '0')}`;
  }
}
