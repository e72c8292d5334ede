/**
 * @module Gates: run a transition's checks and record a pass keyed by the commit they ran on; and
 * verify, at transition time, that the pass still holds for the task's current commit (CALM recorded
 * passes but never read them).
 */
import { existsSync } from 'node:fs';
import type { Task } from '../../store/orchestration-model.js';
import type { TaskRepository } from '../../store/task-repository.js';
import { nowIso } from '../../store/time.js';
import { missing, refused } from './errors.js';
import {
  CHECK_DESCRIPTIONS, CHECKS, type CheckContext, type CheckName, GATE_REQUIREMENTS, needsWorktree, parseTestCounts, type TestRunResult,
} from './gate-checks.js';
import { git, gitError } from './git.js';
import { allTransitions, PHASES, parseTransition, transitionName } from './phases.js';
import type { ProjectService, ResolvedCommand } from './project.js';
import type { CommandKind } from './project-commands.js';
import { type CommandRun, runShell } from './shell.js';
import { requireTask } from './task-lookup.js';

/** The commit key of a task without a git commit to point at (a project outside git). */
export const NO_COMMIT = 'none';

export interface CheckReport {
  readonly name: CheckName;
  readonly description: string;
  readonly passed: boolean;
  readonly message: string;
  readonly duration_seconds?: number;
}

export interface GateResult {
  readonly task_id: string;
  readonly transition: string;
  readonly commit: string;
  readonly passed: boolean;
  /** Whether the pass was stored (a `task transition` can use it). */
  readonly recorded: boolean;
  readonly note?: string;
  readonly checks: CheckReport[];
}

export interface GateRequirement {
  readonly transition: string;
  readonly task_type: string;
  readonly checks: { name: CheckName; description: string }[];
}

/** Every transition of both machines with the checks its gate runs (`calm gate list`). */
export function gateRequirements(): GateRequirement[] {
  return allTransitions().map((t) => ({
    transition: t.name,
    task_type: t.type,
    checks: (GATE_REQUIREMENTS[t.name] ?? []).map((name) => ({ name, description: CHECK_DESCRIPTIONS[name] })),
  }));
}

export interface GateOptions {
  /** Seconds each project command may run (config `orchestration.gate_test_timeout`). */
  readonly commandTimeoutSeconds: number;
}

export class GateService {
  constructor(
    private readonly tasks: TaskRepository,
    private readonly projects: ProjectService,
    private readonly options: GateOptions,
  ) {}

  /** A transition of the task's own machine, e.g. `IMPLEMENT-CODE_REVIEW` for a feature. */
  private resolveTransition(task: Task, transition: string): string {
    const { from, to } = parseTransition(transition);
    const phases = PHASES[task.task_type];
    const i = phases.indexOf(from);
    if (i < 0 || phases[i + 1] !== to) throw refused(`Invalid transition: ${from} -> ${to} for ${task.task_type}`);
    return transitionName(from, to);
  }

  /** The worktree directory, when the task has one on disk. */
  private worktreeOf(task: Task): string | undefined {
    return task.worktree_path && existsSync(task.worktree_path) ? task.worktree_path : undefined;
  }

  /** The commit a gate pass is keyed by: the worktree's HEAD, or the main repository's when there is no worktree. */
  async commitKey(task: Task): Promise<{ commit: string; dir: string | undefined }> {
    const dir = this.worktreeOf(task);
    const head = await this.projects.head(dir ?? task.project_path);
    return { commit: head ?? NO_COMMIT, dir };
  }

  async check(taskId: string, transition: string, onProgress?: (message: string) => void): Promise<GateResult> {
    const task = requireTask(this.tasks, taskId);
    const name = this.resolveTransition(task, transition);
    const checks = GATE_REQUIREMENTS[name] ?? [];
    const worktree = this.worktreeOf(task);
    if (checks.some(needsWorktree)) {
      if (!task.worktree_path) throw missing(`No worktree found for task ${taskId}: create it with 'calm worktree create ${taskId}'`);
      if (!worktree) throw missing(`The worktree of task ${taskId} is missing: ${task.worktree_path}`);
    }
    const ctx = this.context(task, worktree ?? task.project_path, onProgress);
    const reports: CheckReport[] = [];
    for (const check of checks) {
      onProgress?.(`checking ${check}`);
      let outcome;
      try {
        outcome = await CHECKS[check](ctx);
      } catch (e) {
        outcome = { passed: false, message: `Check failed with error: ${(e as Error).message}` };
      }
      reports.push({ name: check, description: CHECK_DESCRIPTIONS[check], ...outcome });
    }
    const { commit } = await this.commitKey(task);
    const passed = reports.every((r) => r.passed);
    let recorded = false;
    let note: string | undefined;
    if (passed) {
      // checks that read files only vouch for a commit when nothing uncommitted could have changed the result
      if (worktree && checks.some(needsWorktree) && !(await this.projects.isClean(worktree))) {
        note = 'The worktree has uncommitted changes, so this pass is not recorded: commit them and run the gate again.';
      } else {
        this.tasks.recordGatePass(taskId, name, commit, nowIso());
        recorded = true;
      }
    }
    return { task_id: taskId, transition: name, commit, passed, recorded, ...(note ? { note } : {}), checks: reports };
  }

  /** Throws unless the gate for `transition` passed at the task's current commit (or has no checks). */
  async verify(task: Task, transition: string): Promise<{ commit: string; checks: number }> {
    const checks = GATE_REQUIREMENTS[transition] ?? [];
    const { commit } = await this.commitKey(task);
    if (checks.length === 0) return { commit, checks: 0 };
    if (this.tasks.hasGatePass(task.id, transition, commit)) return { commit, checks: checks.length };
    const last = this.tasks.lastGatePass(task.id, transition);
    const why = last !== undefined
      ? `it passed at ${last.slice(0, 7)}, but the task is now at ${commit.slice(0, 7)}`
      : `it has not passed at ${commit.slice(0, 7)}`;
    throw refused(
      `Gate ${transition} required for ${task.id}: ${why}. Run 'calm gate check ${task.id} ${transition}', or override with --force --reason "…"`,
    );
  }

  private context(task: Task, dir: string, onProgress?: (message: string) => void): CheckContext {
    const root = task.project_path;
    const commandRuns = new Map<CommandKind, Promise<{ resolved: ResolvedCommand; run: CommandRun | null }>>();
    const runCommand = (kind: CommandKind): Promise<{ resolved: ResolvedCommand; run: CommandRun | null }> => {
      let pending = commandRuns.get(kind);
      if (!pending) {
        const resolved = this.projects.command(root, dir, kind);
        if (resolved.command) onProgress?.(`running ${resolved.command}`);
        pending = resolved.command
          ? runShell(resolved.command, dir, this.options.commandTimeoutSeconds, this.projects.commandEnv(dir)).then((run) => ({ resolved, run }))
          : Promise.resolve({ resolved, run: null });
        commandRuns.set(kind, pending);
      }
      return pending;
    };
    let tests: Promise<TestRunResult> | undefined;
    const runTests = (): Promise<TestRunResult> =>
      (tests ??= runCommand('test').then(({ resolved, run }) => {
        const counts = parseTestCounts(run?.output ?? '');
        if (run) {
          // every test run is kept, as CALM did, now with the failing test names it can read
          const failed = counts.parsed ? counts.failed : run.exitCode === 0 ? 0 : 1;
          this.tasks.recordTestRun({
            task_id: task.id, passed: counts.passed, failed, skipped: counts.skipped, duration_seconds: run.durationSeconds, failed_tests: counts.failedTests, run_at: nowIso(),
          });
        }
        return { resolved, run, counts };
      }));
    let base: Promise<string> | undefined;
    const baseBranch = (): Promise<string> =>
      (base ??= task.base_branch ? Promise.resolve(task.base_branch) : this.projects.baseBranch(root).then((b) => b.name));
    const gitDiff = async (args: string[]): Promise<string> => {
      const r = await git(dir, ['diff', `${await baseBranch()}...HEAD`, ...args]);
      if (r.code !== 0) throw new Error(`git diff failed: ${gitError(r)}`);
      return r.stdout;
    };
    return {
      taskId: task.id,
      worktree: dir,
      approvedReviews: (type) => this.tasks.approvedCount(task.id, type),
      runCommand,
      runTests,
      changedFiles: async () => (await gitDiff(['--name-only'])).split('\n').filter(Boolean),
      diff: () => gitDiff([]),
    };
  }
}
