/** @module `calm status health|tasks|workers|worktrees|counters`, and the active-task lines of bare `calm status`. */
import type { Command } from 'commander';
import type { App } from '../app.js';
import type { ActiveSummary, HealthReport } from '../services/orchestration/health.js';
import type { Task } from '../services/orchestration/tasks.js';
import { renderCounters } from './counter.js';
import { currentDir, projectDir, withOrchestration } from './orchestration-context.js';
import { print } from './output.js';
import { renderWorkers } from './worker.js';
import { renderWorktrees } from './worktree.js';

/** `--json` is declared on `calm status` too, and commander gives it to the parent: read both. */
const jsonOf = (cmd: Command): { json?: boolean } => ({ json: Boolean((cmd.optsWithGlobals() as { json?: boolean }).json) });

function renderHealth(h: HealthReport): string {
  const lines = ['=== System Health ===', '', `Status: ${h.status}`];
  for (const r of h.reasons) lines.push(`  - ${r}`);
  lines.push('', 'Counters:', ...Object.entries(h.counters).map(([k, v]) => `  ${k}: ${v}`), '', `Active Workers: ${h.active_workers.length}`);
  for (const w of h.active_workers.slice(0, 5)) lines.push(`  - ${w.id}: ${w.role} on ${w.task_id}`);
  if (h.active_workers.length > 5) lines.push(`  ... and ${h.active_workers.length - 5} more`);
  return lines.join('\n');
}

function renderTasksByPhase(tasks: Task[]): string {
  if (tasks.length === 0) return '=== Active Tasks ===\n\nNo active tasks.';
  const lines = ['=== Active Tasks ===', ''];
  for (const phase of [...new Set(tasks.map((t) => t.phase))].sort()) {
    lines.push(`${phase}:`, ...tasks.filter((t) => t.phase === phase).map((t) => `  - ${t.id}: ${t.title}`), '');
  }
  return lines.join('\n');
}

/** The active tasks of the project the shell is in, for bare `calm status`; undefined when there are none. */
export async function orchestrationSummary(app: App): Promise<ActiveSummary | undefined> {
  const dir = currentDir();
  if (dir === null) return undefined;
  const { activeSummary } = await import('../services/orchestration/health.js');
  const o = app.orchestration;
  return activeSummary(o.tasks, o.counters, o.workers, await o.projects.detect(dir));
}

export function renderSummary(s: ActiveSummary | undefined): string {
  if (!s) return '';
  const phases = Object.entries(s.by_phase).map(([phase, ids]) => `  ${phase}: ${ids.join(', ')}`);
  return ['', `Orchestration (${s.project}): ${s.tasks} active task(s), health ${s.health}`, ...phases, "  (details: 'calm status tasks', 'calm status health')"].join('\n');
}

export function registerStatusSubcommands(status: Command): void {
  status
    .command('health')
    .description('Orchestration health: merge lock, merges since the last E2E and docs runs, active workers')
    .option('--json', 'print JSON')
    .action(async (_opts: unknown, cmd: Command) => {
      await withOrchestration(async (o) => {
        const { health } = await import('../services/orchestration/health.js');
        print(health(o.counters, o.workers, await o.projects.detect(projectDir())), jsonOf(cmd), renderHealth);
      });
    });

  status
    .command('tasks')
    .description("The current project's active tasks, grouped by phase")
    .option('--json', 'print JSON')
    .action(async (_opts: unknown, cmd: Command) => {
      await withOrchestration(async (o) => print(o.tasks.list(await o.projects.detect(projectDir())), jsonOf(cmd), renderTasksByPhase));
    });

  status
    .command('workers')
    .description("The current project's active workers")
    .option('--json', 'print JSON')
    .action(async (_opts: unknown, cmd: Command) => {
      await withOrchestration(async (o) =>
        print(o.workers.list(await o.projects.detect(projectDir()), 'active'), jsonOf(cmd), (ws) => `=== Active Workers ===\n\n${renderWorkers(ws, false)}`),
      );
    });

  status
    .command('worktrees')
    .description("The current project's task worktrees")
    .option('--json', 'print JSON')
    .action(async (_opts: unknown, cmd: Command) => {
      await withOrchestration(async (o) => {
        const p = await o.projects.detect(projectDir());
        print(await o.worktrees.list(p.root), jsonOf(cmd), (ws) => `=== Active Worktrees ===\n\n${renderWorktrees(ws)}`);
      });
    });

  status
    .command('counters')
    .description('All counters')
    .option('--json', 'print JSON')
    .action(async (_opts: unknown, cmd: Command) => {
      await withOrchestration((o) => print(o.counters.list(), jsonOf(cmd), (cs) => `=== System Counters ===\n\n${renderCounters(cs)}`));
    });
}
