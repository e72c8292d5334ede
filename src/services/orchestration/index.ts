/** @module The orchestration services, built once per App over one database. */
import { CounterRepository } from '../../store/counter-repository.js';
import type { Db } from '../../store/db.js';
import { ProjectSettingsRepository } from '../../store/project-settings-repository.js';
import { JournalRepository, SessionRepository } from '../../store/session-repository.js';
import { TaskRepository } from '../../store/task-repository.js';
import { WorkerRepository } from '../../store/worker-repository.js';
import { BoardService } from './board.js';
import { CounterService } from './counters.js';
import { GateService } from './gates.js';
import { JournalService } from './journal.js';
import { ProjectService } from './project.js';
import { ReviewService } from './reviews.js';
import { SessionService } from './sessions.js';
import { TaskService } from './tasks.js';
import { WorkerService } from './workers.js';
import { WorktreeService } from './worktrees.js';

export interface Orchestration {
  readonly projects: ProjectService;
  readonly tasks: TaskService;
  readonly gates: GateService;
  readonly reviews: ReviewService;
  readonly worktrees: WorktreeService;
  readonly workers: WorkerService;
  readonly counters: CounterService;
  readonly sessions: SessionService;
  readonly journal: JournalService;
  readonly board: BoardService;
}

export interface OrchestrationOptions {
  readonly sessionsDir: string;
  readonly rolesDir: string;
  readonly bundledRolesDir: string;
  readonly gateCommandTimeoutSeconds: number;
}

export function createOrchestration(db: Db, options: OrchestrationOptions): Orchestration {
  const taskRows = new TaskRepository(db);
  const projects = new ProjectService(new ProjectSettingsRepository(db));
  const counters = new CounterService(new CounterRepository(db));
  const gates = new GateService(taskRows, projects, { commandTimeoutSeconds: options.gateCommandTimeoutSeconds });
  const tasks = new TaskService(taskRows, gates);
  const reviews = new ReviewService(taskRows);
  const workers = new WorkerService(new WorkerRepository(db), taskRows, { homeRoles: options.rolesDir, bundledRoles: options.bundledRolesDir });
  return {
    projects,
    tasks,
    gates,
    reviews,
    worktrees: new WorktreeService(taskRows, projects, counters),
    workers,
    counters,
    sessions: new SessionService(new SessionRepository(db)),
    journal: new JournalService(new JournalRepository(db), options.sessionsDir),
    board: new BoardService(taskRows, tasks, reviews, workers),
  };
}
