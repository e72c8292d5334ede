/** @module The orchestration services, built once per App over one database. */
import type { Db } from '../../store/db.js';
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
}

export interface OrchestrationOptions {
  readonly sessionsDir: string;
  readonly rolesDir: string;
  readonly bundledRolesDir: string;
  readonly gateCommandTimeoutSeconds: number;
}

export function createOrchestration(db: Db, options: OrchestrationOptions): Orchestration {
  const projects = new ProjectService(db);
  const reviews = new ReviewService(db);
  const counters = new CounterService(db);
  const gates = new GateService(db, projects, reviews, { commandTimeoutSeconds: options.gateCommandTimeoutSeconds });
  return {
    projects,
    tasks: new TaskService(db, gates),
    gates,
    reviews,
    worktrees: new WorktreeService(db, projects, counters),
    workers: new WorkerService(db, { homeRoles: options.rolesDir, bundledRoles: options.bundledRolesDir }),
    counters,
    sessions: new SessionService(db),
    journal: new JournalService(db, options.sessionsDir),
  };
}
