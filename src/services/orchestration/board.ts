/**
 * @module The orchestration board, a read model over the task services: every project with tasks, and
 * per project the tasks by phase with their next gate (its checks and recorded passes), reviews and
 * workers. It reads only; transitions still go through TaskService and GateService.
 */
import type { GatePass, ProjectTaskSummary, TaskRepository } from '../../store/task-repository.js';
import { gateRequirements } from './gates.js';
import { nextPhases, PHASES, TASK_TYPES, transitionName } from './phases.js';
import type { Review, ReviewService } from './reviews.js';
import type { Task, TaskService } from './tasks.js';
import type { Worker, WorkerService } from './workers.js';

export type BoardProject = ProjectTaskSummary;
export type { GatePass };

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
    private readonly taskRows: TaskRepository,
    private readonly tasks: TaskService,
    private readonly reviews: ReviewService,
    private readonly workers: WorkerService,
  ) {}

  projects(): BoardProject[] {
    return this.taskRows.projectSummaries();
  }

  board(projectPath: string): Board {
    const project = { root: projectPath, isGit: true };
    const requirements = new Map(gateRequirements().map((g) => [`${g.task_type}:${g.transition}`, g.checks]));
    const workers = this.workers.list(project);
    const tasks = this.tasks.list(project, { includeDone: true }).map((task): BoardTask => {
      const next = nextPhases(task.task_type, task.phase)[0];
      const transition = next === undefined ? undefined : transitionName(task.phase, next);
      return {
        ...task,
        next_gate: transition === undefined ? null : { transition, checks: requirements.get(`${task.task_type}:${transition}`) ?? [] },
        gate_passes: this.taskRows.gatePasses(task.id),
        reviews: this.reviews.list(task.id),
        workers: workers.filter((w) => w.task_id === task.id),
      };
    });
    return { project_path: projectPath, phases: Object.fromEntries(TASK_TYPES.map((t) => [t, PHASES[t]])), tasks };
  }
}
