import type { Command } from 'commander';
import type { Worker } from '../services/orchestration/workers.js';
import { projectDir, shortTime, withOrchestration } from './orchestration-context.js';
import { print, table } from './output.js';

export function renderWorkers(ws: Worker[], withStatus = true): string {
  if (ws.length === 0) return withStatus ? 'No workers found.' : 'No active workers.';
  const rows = ws.map((w) => ({ ...w, started: shortTime(w.started_at) }));
  return withStatus
    ? table(rows, ['id', 'task_id', 'role', 'status', 'started'], ['ID', 'Task', 'Role', 'Status', 'Started (UTC)'])
    : table(rows, ['id', 'task_id', 'role', 'started'], ['ID', 'Task', 'Role', 'Started (UTC)']);
}

export function registerWorker(program: Command): void {
  const worker = program.command('worker').description('Track the agents working on tasks, and hand them their role prompts');

  worker
    .command('start')
    .description('Register a worker on a task; prints its id')
    .argument('<task-id>')
    .argument('<role>', 'e.g. backend, reviewer, qa')
    .option('--json', 'print the worker as JSON')
    .action(async (id: string, role: string, opts: { json?: boolean }) => {
      await withOrchestration((o) => print(o.workers.start(id, role), opts, (w) => w.id));
    });

  worker
    .command('complete')
    .description('Mark a worker completed')
    .argument('<worker-id>')
    .action(async (id: string) => {
      await withOrchestration((o) => {
        o.workers.complete(id);
        process.stdout.write(`Worker ${id} marked as completed\n`);
      });
    });

  worker
    .command('fail')
    .description('Mark a worker failed')
    .argument('<worker-id>')
    .option('--reason <text>', 'what went wrong (kept with the worker)')
    .action(async (id: string, opts: { reason?: string }) => {
      await withOrchestration((o) => {
        o.workers.fail(id, opts.reason);
        process.stdout.write(`Worker ${id} marked as failed\n`);
      });
    });

  worker
    .command('list')
    .description("List the current project's workers, newest first")
    .option('--status <status>', 'active, completed, failed or session_ended')
    .option('--json', 'print JSON')
    .action(async (opts: { status?: string; json?: boolean }) => {
      await withOrchestration(async (o) => {
        print(o.workers.list(await o.projects.detect(projectDir()), opts.status), opts, (ws) => renderWorkers(ws));
      });
    });

  worker
    .command('context')
    .description('Print the markdown a worker starts from: its role prompt and the task')
    .argument('<task-id>')
    .argument('<role>')
    .option('--json', 'print JSON')
    .action(async (id: string, role: string, opts: { json?: boolean }) => {
      await withOrchestration(async (o) => {
        const c = o.workers.context(id, role, await o.projects.detect(projectDir()));
        print(c, opts, (x) => x.markdown);
      });
    });

  worker
    .command('prompt')
    .description("Print a role's prompt ($CALM_HOME/roles, then .claude/roles in the project, then calm's own)")
    .argument('<role>')
    .action(async (role: string) => {
      await withOrchestration(async (o) => void process.stdout.write(o.workers.prompt(role, await o.projects.detect(projectDir())).content));
    });

  worker
    .command('cleanup')
    .description('Mark active workers older than --max-age hours as session_ended (all projects)')
    .option('--max-age <hours>', 'age in hours', '2')
    .action(async (opts: { maxAge: string }) => {
      await withOrchestration((o) => {
        const r = o.workers.cleanup(opts.maxAge);
        process.stdout.write(`Marked ${r.marked} stale workers as session_ended\n`);
      });
    });
}
