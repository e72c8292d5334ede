/**
 * @module Task worktrees: `<main repo>/.worktrees/<task>` on branch `<task>`, created from the detected
 * base branch, merged back into it. Conflict checks read git's own conflict output without touching
 * the user's checkout.
 */
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { staysInside } from '../../fs-confine.js';
import type { Task } from '../../store/orchestration-model.js';
import type { TaskRepository } from '../../store/task-repository.js';
import { nowIso } from '../../store/time.js';
import type { CounterService } from './counters.js';
import { missing, refused } from './errors.js';
import { git, gitError, gitOut } from './git.js';
import type { ProjectService } from './project.js';
import { type CommandRun, runShell } from './shell.js';
import { requireTask } from './task-lookup.js';

export const WORKTREES_DIR = '.worktrees';

export interface WorktreeInfo {
  readonly task_id: string;
  readonly path: string;
  readonly branch: string;
  readonly phase: string | null;
  readonly task_type: string | null;
}

export interface Conflict {
  readonly path: string;
}

export interface ConflictReport {
  readonly task_id: string;
  readonly base_branch: string;
  readonly conflicts: Conflict[];
  /** git's own CONFLICT lines, e.g. `CONFLICT (content): Merge conflict in src/a.ts`. */
  readonly messages: string[];
}

export interface MergeResult {
  readonly task_id: string;
  readonly base_branch: string;
  readonly commit: string;
  readonly sync?: { command: string; exit_code: number | null };
  readonly warnings: string[];
}

/** The bug report a bug worktree starts with: every section must be filled in before REPORTED → INVESTIGATED. */
export function bugReportTemplate(task: Task): string {
  return `# ${task.id}: ${task.title}

## First Noticed On Commit
<!-- the commit where the bug was first seen -->

## Reproduction Steps
1.
2.
3.

## Expected Behavior
<!-- what should happen -->

## Actual Behavior
<!-- what happens instead (error messages, output) -->

## Root Cause
<!-- Filled during investigation -->

## Fix Plan
<!-- Filled during investigation -->
`;
}

/**
 * The working directory calm runs in, or null when it was deleted (a shell left in a removed worktree).
 * Merging or removing a worktree the shell stands in would strand it, so both refuse.
 */
function assertOutside(worktree: string, root: string, cwd: string | null): void {
  if (cwd === null) {
    throw refused(`Cannot proceed: your shell is in a deleted directory. Run 'cd ${root}' and retry.`);
  }
  const real = (p: string): string => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  const rel = relative(real(worktree), real(cwd));
  if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel))) {
    throw refused(`Cannot proceed: your shell is inside the worktree (${worktree}). Run 'cd ${root}' and retry.`);
  }
}

export class WorktreeService {
  constructor(
    private readonly tasks: TaskRepository,
    private readonly projects: ProjectService,
    private readonly counters: CounterService,
  ) {}

  private async requireRepo(task: Task): Promise<string> {
    const root = task.project_path;
    if (!existsSync(root) || (await gitOut(root, ['rev-parse', '--git-dir'])) === undefined) {
      throw refused(`Task ${task.id} belongs to ${root}, which is not a git repository`);
    }
    return root;
  }

  /** The branch the worktree came from (checkouts in the main repository do not change it), else detected. */
  private async baseOf(task: Task): Promise<string> {
    return task.base_branch ?? (await this.projects.baseBranch(task.project_path)).name;
  }

  private async branchExists(root: string, branch: string): Promise<boolean> {
    return (await gitOut(root, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`])) !== undefined;
  }

  /** Keeps `.worktrees/` out of the main checkout's `git status` without editing the user's .gitignore. */
  private async excludeWorktreesDir(root: string): Promise<void> {
    const ignored = await git(root, ['check-ignore', '-q', `${WORKTREES_DIR}/x`]);
    if (ignored.code === 0) return;
    const common = await gitOut(root, ['rev-parse', '--path-format=absolute', '--git-common-dir']);
    if (!common) return;
    const file = join(common, 'info', 'exclude');
    mkdirSync(join(common, 'info'), { recursive: true });
    const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
    appendFileSync(file, `${current && !current.endsWith('\n') ? '\n' : ''}/${WORKTREES_DIR}/\n`);
  }

  async create(taskId: string): Promise<{ task_id: string; path: string; branch: string; base_branch: string }> {
    const task = requireTask(this.tasks, taskId);
    if (task.worktree_path) throw refused(`Task ${taskId} already has a worktree: ${task.worktree_path}`);
    const root = await this.requireRepo(task);
    const base = task.base_branch ?? (await this.projects.baseBranch(root)).name;
    const path = join(root, WORKTREES_DIR, taskId);
    if (existsSync(path)) throw refused(`${path} already exists: remove it, or run 'git worktree prune' if it is a stale worktree`);
    await this.excludeWorktreesDir(root);
    const branchExisted = await this.branchExists(root, taskId);
    const r = branchExisted
      ? await git(root, ['worktree', 'add', path, taskId])
      : await git(root, ['worktree', 'add', '-b', taskId, path, base]);
    if (r.code !== 0) throw refused(`Failed to create worktree: ${gitError(r)}`);
    // the checkout is the repository's content: a committed symlink (bug_reports -> ~) must not lead calm's writes outside
    const scaffold = ['changelog.d', task.task_type === 'feature' ? join('planning_docs', taskId) : join('bug_reports', `${taskId}.md`)];
    const escaping = scaffold.find((rel) => !staysInside(path, join(path, rel)));
    if (escaping) {
      await git(root, ['worktree', 'remove', '--force', path]);
      if (!branchExisted) await git(root, ['branch', '-D', taskId]);
      throw refused(`Refusing to set up a worktree for ${taskId}: ${escaping} in the checkout leads outside it (a symlink in the repository); nothing was written and the worktree was removed`);
    }
    mkdirSync(join(path, 'changelog.d'), { recursive: true });
    if (task.task_type === 'feature') {
      mkdirSync(join(path, 'planning_docs', taskId), { recursive: true });
    } else {
      mkdirSync(join(path, 'bug_reports'), { recursive: true });
      const report = join(path, 'bug_reports', `${taskId}.md`);
      if (!existsSync(report)) writeFileSync(report, bugReportTemplate(task));
    }
    this.tasks.setWorktree(taskId, path, base, nowIso());
    return { task_id: taskId, path, branch: taskId, base_branch: base };
  }

  /** Worktrees under `<root>/.worktrees/` that git knows, with their task's phase and type. */
  async list(root: string): Promise<WorktreeInfo[]> {
    const out = await gitOut(root, ['worktree', 'list', '--porcelain']);
    if (out === undefined) return [];
    const prefix = join(root, WORKTREES_DIR) + '/';
    const infos: WorktreeInfo[] = [];
    for (const block of out.split(/\n\s*\n/)) {
      const path = /^worktree (.+)$/m.exec(block)?.[1];
      const branch = /^branch refs\/heads\/(.+)$/m.exec(block)?.[1];
      if (!path || !branch || !path.startsWith(prefix)) continue;
      const row = this.tasks.get(branch);
      infos.push({ task_id: branch, path, branch, phase: row?.phase ?? null, task_type: row?.task_type ?? null });
    }
    return infos;
  }

  path(taskId: string): string {
    const task = requireTask(this.tasks, taskId);
    if (!task.worktree_path) throw missing(`No worktree found for task ${taskId}`);
    return task.worktree_path;
  }

  /** Merges the task branch into the base branch (no fast-forward), then removes the worktree and branch. */
  async merge(taskId: string, options: { cwd: string | null; force?: boolean; skipSync?: boolean }): Promise<MergeResult> {
    const task = requireTask(this.tasks, taskId);
    if (!task.worktree_path) throw missing(`No worktree found for task ${taskId}`);
    const wt = task.worktree_path;
    const root = task.project_path;
    assertOutside(wt, root, options.cwd);
    if (this.counters.get('merge_lock') > 0 && !options.force) throw refused('Merge lock is active. Use --force to override.');
    if (!existsSync(wt)) throw missing(`Worktree not found: ${wt}`);
    if (!(await this.projects.isClean(wt))) {
      throw refused(`The worktree ${wt} has uncommitted changes: commit or discard them before merging`);
    }
    const base = await this.baseOf(task);
    const warnings: string[] = [];
    const current = await gitOut(root, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
    if (current !== base) {
      const co = await git(root, ['checkout', base]);
      if (co.code !== 0) throw refused(`Cannot check out ${base} in ${root}: ${gitError(co)}`);
      warnings.push(`Checked out ${base} in ${root} (it was on ${current ?? 'a detached HEAD'})`);
    }
    if ((await gitOut(root, ['rev-parse', '--abbrev-ref', '--symbolic-full-name', '@{upstream}'])) !== undefined) {
      const pull = await git(root, ['pull', '--ff-only']);
      if (pull.code !== 0) warnings.push(`git pull --ff-only failed (merging into the local ${base}): ${gitError(pull)}`);
    }
    const merge = await git(root, ['merge', '--no-ff', taskId, '-m', `Merge task ${taskId}`]);
    if (merge.code !== 0) {
      const conflicted = (await gitOut(root, ['diff', '--name-only', '--diff-filter=U'])) ?? '';
      if ((await gitOut(root, ['rev-parse', '--verify', '--quiet', 'MERGE_HEAD'])) !== undefined) await git(root, ['merge', '--abort']);
      const files = conflicted.split('\n').filter(Boolean);
      throw refused(
        files.length
          ? `Merge failed: conflicts in ${files.join(', ')}. Merge ${base} into ${taskId} in the worktree, resolve, commit, and retry.`
          : `Merge failed: ${gitError(merge)}`,
      );
    }
    const commit = (await gitOut(root, ['rev-parse', '--short', 'HEAD'])) ?? '';
    this.tasks.transaction(() => {
      this.counters.increment('merges_since_e2e');
      this.counters.increment('merges_since_docs');
      this.tasks.clearWorktree(taskId, nowIso());
    });
    let sync: MergeResult['sync'];
    if (!options.skipSync) {
      const resolved = this.projects.command(root, root, 'sync');
      if (resolved.command) {
        const run: CommandRun = await runShell(resolved.command, root, 600);
        sync = { command: run.command, exit_code: run.exitCode };
        if (run.exitCode !== 0) warnings.push(`Sync command \`${run.command}\` failed: ${run.output.trim().slice(-300)}`);
      }
    }
    const rm = await git(root, ['worktree', 'remove', '--force', wt]);
    if (rm.code !== 0) warnings.push(`Could not remove the worktree: ${gitError(rm)}`);
    const br = await git(root, ['branch', '-d', taskId]);
    if (br.code !== 0) warnings.push(`Could not delete branch ${taskId}: ${gitError(br)}`);
    return { task_id: taskId, base_branch: base, commit, ...(sync ? { sync } : {}), warnings };
  }

  /** Removes the worktree (the branch stays). Uncommitted changes are discarded only with `force`. */
  async remove(taskId: string, options: { cwd: string | null; force?: boolean }): Promise<{ task_id: string; path: string }> {
    const task = requireTask(this.tasks, taskId);
    if (!task.worktree_path) throw missing(`No worktree found for task ${taskId}`);
    const wt = task.worktree_path;
    assertOutside(wt, task.project_path, options.cwd);
    if (existsSync(wt)) {
      if (!options.force && !(await this.projects.isClean(wt))) {
        throw refused(`The worktree ${wt} has uncommitted changes: commit them, or pass --force to discard them`);
      }
      const r = await git(task.project_path, ['worktree', 'remove', '--force', wt]);
      if (r.code !== 0) throw refused(`Failed to remove worktree: ${gitError(r)}`);
    } else {
      await git(task.project_path, ['worktree', 'prune']);
    }
    this.tasks.clearWorktree(taskId, nowIso());
    return { task_id: taskId, path: wt };
  }

  /**
   * What merging the task branch into the base branch would conflict on. `git merge-tree --write-tree`
   * merges in memory (git ≥ 2.38); older git merges in a throwaway detached worktree. Either way the
   * user's checkout, index and branches are left exactly as they were.
   */
  async checkConflicts(taskId: string, options: { strategy?: 'merge-tree' | 'worktree' } = {}): Promise<ConflictReport> {
    const task = requireTask(this.tasks, taskId);
    const root = await this.requireRepo(task);
    if (!(await this.branchExists(root, taskId))) {
      throw missing(`No branch ${taskId} for task ${taskId}: create its worktree with 'calm worktree create ${taskId}'`);
    }
    const base = await this.baseOf(task);
    if (options.strategy !== 'worktree') {
      const r = await git(root, ['merge-tree', '--write-tree', '--name-only', base, taskId]);
      if (r.code === 0) return { task_id: taskId, base_branch: base, conflicts: [], messages: [] };
      if (r.code === 1 && /^[0-9a-f]{40,64}$/m.test(r.stdout.split('\n')[0] ?? '')) {
        // stdout: tree id, conflicted paths, a blank line, then git's informational messages
        const [, ...rest] = r.stdout.split('\n');
        const blank = rest.indexOf('');
        const paths = (blank < 0 ? rest : rest.slice(0, blank)).filter(Boolean);
        const messages = (blank < 0 ? [] : rest.slice(blank + 1)).filter((l) => l.startsWith('CONFLICT'));
        return { task_id: taskId, base_branch: base, conflicts: [...new Set(paths)].map((path) => ({ path })), messages };
      }
      if (options.strategy === 'merge-tree') throw refused(`git merge-tree failed: ${gitError(r)}`);
    }
    return this.conflictsInScratchWorktree(root, taskId, base);
  }

  private async conflictsInScratchWorktree(root: string, taskId: string, base: string): Promise<ConflictReport> {
    const scratch = join(mkdtempSync(join(tmpdir(), 'calm-merge-check-')), 'wt');
    const add = await git(root, ['worktree', 'add', '--detach', scratch, base]);
    if (add.code !== 0) throw refused(`Cannot check conflicts: ${gitError(add)}`);
    try {
      const merge = await git(scratch, ['merge', '--no-commit', '--no-ff', taskId]);
      if (merge.code === 0) return { task_id: taskId, base_branch: base, conflicts: [], messages: [] };
      const unmerged = ((await gitOut(scratch, ['diff', '--name-only', '--diff-filter=U'])) ?? '').split('\n').filter(Boolean);
      // git prints CONFLICT lines on stdout (CALM read stderr and missed them)
      const messages = `${merge.stdout}\n${merge.stderr}`.split('\n').filter((l) => l.startsWith('CONFLICT'));
      if (unmerged.length === 0) throw refused(`Cannot check conflicts: ${gitError(merge)}`);
      return { task_id: taskId, base_branch: base, conflicts: unmerged.map((path) => ({ path })), messages };
    } finally {
      await git(scratch, ['merge', '--abort']).catch(() => undefined);
      await git(root, ['worktree', 'remove', '--force', scratch]).catch(() => undefined);
      rmSync(join(scratch, '..'), { recursive: true, force: true });
      await git(root, ['worktree', 'prune']).catch(() => undefined);
    }
  }
}
