/**
 * @module The orchestration board, a read model over the task services: every project with tasks, and
 * per project the tasks by phase with their next gate (its checks and recorded passes), reviews and
 * workers. It reads only; transitions still go through TaskService and GateService.
 */
import type { Db } from '../../store/db.js';
import { gateRequirements } from './gates.js';
import { nextPhases, PHASES, TASK_TYPES, transitionName } from './phases.js';
import type { Review, ReviewService } from './reviews.js';
import type { Task, TaskService } from './tasks.js';
import type { Worker, WorkerService } from './workers.js';

export interface BoardProject {
  project_path: string;
  tasks: number;
  active_tasks: number;
}

export interface GatePass {
  transition: string;
  commit_sha: string;
  passed_at: string;
}

export interface BoardTask extends Task {
  /** The gate guarding the next phase, with the checks it runs; null in the last phase. */
  next_gate: { transition: string; checks: { name: string; description: string }[] } | null;
  gate_passes: GatePass[];
  reviews: Review[];
  workers: Worker[];
}

export interface Board {
  project_path: string;
  phases: Record<string, readonly string[]>;
  tasks: BoardTask[];
}

export class BoardService {
  constructor(
    private readonly db: Db,
    private readonly tasks: TaskService,
    private readonly reviews: ReviewService,
    private readonly workers: WorkerService,
  ) {}

  projects(): BoardProject[] {
    return this.db
      .prepare(`SELECT project_path, COUNT(*) AS tasks, SUM(phase != 'DONE') AS active_tasks FROM tasks
                GROUP BY project_path ORDER BY MAX(updated_at) DESC, project_path`)
      .all() as BoardProject[];
  }

  board(projectPath: string): Board {
    const project = { root: projectPath, isGit: true };
    const requirements = new Map(gateRequirements().map((g) => [`${g.task_type}:${g.transition}`, g.checks]));
    const workers = this.workers.list(project);
    const passes = this.db.prepare('SELECT transition, commit_sha, passed_at FROM gate_passes WHERE task_id = ? ORDER BY passed_at DESC');
    const tasks = this.tasks.list(project, { includeDone: true }).map((task): BoardTask => {
      const next = nextPhases(task.task_type, task.phase)[0];
      const transition = next === undefined ? undefined : transitionName(task.phase, next);
      return {
        ...task,
        next_gate: transition === undefined ? null : { transition, checks: requirements.get(`${task.task_type}:${transition}`) ?? [] },
        gate_passes: passes.all(task.id) as GatePass[],
        reviews: this.reviews.list(task.id),
        workers: workers.filter((w) => w.task_id === task.id),
      };
    });
    return { project_path: projectPath, phases: Object.fromEntries(TASK_TYPES.map((t) => [t, PHASES[t]])), tasks };
  }
}
