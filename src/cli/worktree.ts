import type { Command } from 'commander';
import type { WorktreeInfo } from '../services/orchestration/worktrees.js';
import { confirm } from './confirm.js';
import { currentDir, projectDir, withOrchestration } from './orchestration-context.js';
import { print, table } from './output.js';

export function renderWorktrees(ws: WorktreeInfo[]): string {
  return ws.length === 0
    ? 'No worktrees found.'
    : table(
        ws.map((w) => ({ ...w, phase: w.phase ?? 'N/A', task_type: w.task_type ?? 'N/A' })),
        ['task_id', 'phase', 'task_type', 'path'],
        ['Task ID', 'Phase', 'Type', 'Path'],
      );
}

export function registerWorktree(program: Command): void {
  const worktree = program.command('worktree').description("Task worktrees: <repo>/.worktrees/<task> on branch <task>, merged into the base branch");

  worktree
    .command('create')
    .description("Create the task's worktree and branch from the base branch (bug tasks get a bug report template)")
    .argument('<task-id>')
    .option('--json', 'print the result as JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      await withOrchestration(async (o) => {
        const r = await o.worktrees.create(id);
        print(r, opts, (x) => `Created worktree: ${x.path}\nBranch: ${x.branch} (from ${x.base_branch})`);
      });
    });

  worktree
    .command('list')
    .description("List the current project's task worktrees")
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      await withOrchestration(async (o) => {
        const project = await o.projects.detect(projectDir());
        print(await o.worktrees.list(project.root), opts, renderWorktrees);
      });
    });

  worktree
    .command('path')
    .description("Print the task's worktree path")
    .argument('<task-id>')
    .action(async (id: string) => {
      await withOrchestration((o) => void process.stdout.write(`${o.worktrees.path(id)}\n`));
    });

  worktree
    .command('merge')
    .description('Merge the task branch into the base branch (--no-ff), then remove its worktree and branch')
    .argument('<task-id>')
    .option('--force', 'merge even while the merge lock is set')
    .option('--skip-sync', "do not run the project's sync command afterwards")
    .option('--json', 'print the result as JSON')
    .action(async (id: string, opts: { force?: boolean; skipSync?: boolean; json?: boolean }) => {
      await withOrchestration(async (o) => {
        const r = await o.worktrees.merge(id, { cwd: currentDir(), force: opts.force, skipSync: opts.skipSync });
        print(r, opts, (x) => [`Merged ${x.task_id} to ${x.base_branch}`, `Commit: ${x.commit}`, ...x.warnings.map((w) => `Warning: ${w}`)].join('\n'));
      });
    });

  worktree
    .command('remove')
    .description('Remove the task worktree without merging (the branch is kept)')
    .argument('<task-id>')
    .option('--force', 'discard uncommitted changes in the worktree')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (id: string, opts: { force?: boolean; yes?: boolean }) => {
      await withOrchestration(async (o) => {
        const path = o.worktrees.path(id);
        if (!(await confirm(`Remove the worktree ${path}?`, opts.yes))) {
          process.stderr.write('Aborted.\n');
          return;
        }
        await o.worktrees.remove(id, { cwd: currentDir(), force: opts.force });
        process.stdout.write(`Removed worktree for ${id}\n`);
      });
    });

  worktree
    .command('check-conflicts')
    .description('Check whether merging the task branch into the base branch would conflict (exit 1 if so); changes nothing')
    .argument('<task-id>')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      await withOrchestration(async (o) => {
        const r = await o.worktrees.checkConflicts(id);
        print(r, opts, (x) =>
          x.conflicts.length === 0
            ? 'No merge conflicts detected.'
            : ['Merge conflicts detected:', ...x.conflicts.map((c) => `  - ${c.path}`), ...(x.messages.length ? ['', ...x.messages] : [])].join('\n'),
        );
        if (r.conflicts.length > 0) process.exitCode = 1;
      });
    });
}
