import type { Command } from 'commander';
import type { PhaseTransition, Task } from '../services/orchestration/tasks.js';
import { confirm } from './confirm.js';
import { projectDir, withOrchestration } from './orchestration-context.js';
import { print, table } from './output.js';

function renderTask(t: Task & { next_phases: string[]; history: PhaseTransition[] }): string {
  const lines = [`Task:    ${t.id}`, `Title:   ${t.title}`, `Type:    ${t.task_type}`, `Phase:   ${t.phase}`];
  if (t.spec_id) lines.push(`Spec ID: ${t.spec_id}`);
  if (t.specialist) lines.push(`Specialist: ${t.specialist}`);
  if (t.notes) lines.push(`Notes:   ${t.notes}`);
  if (t.blocked_by.length) lines.push(`Blocked by: ${t.blocked_by.join(', ')}`);
  if (t.worktree_path) lines.push(`Worktree: ${t.worktree_path}`);
  if (t.base_branch) lines.push(`Base branch: ${t.base_branch}`);
  lines.push(`Project: ${t.project_path}`, `Created: ${t.created_at}`, `Updated: ${t.updated_at}`);
  if (t.next_phases.length) lines.push(`Next phases: ${t.next_phases.join(', ')}`);
  if (t.history.length) {
    lines.push('', 'History:');
    for (const h of t.history) {
      const how = h.forced ? `forced: ${h.reason ?? ''}` : h.gate_result === 'pass' ? `gate passed at ${(h.commit_sha ?? '').slice(0, 7)}` : (h.gate_result ?? '');
      lines.push(`  ${h.transitioned_at}  ${h.from_phase} -> ${h.to_phase}${how ? `  (${how})` : ''}`);
    }
  }
  return lines.join('\n');
}

export function registerTask(program: Command): void {
  const task = program.command('task').description('Track tasks through their phases (feature: SPEC → DONE, bug: REPORTED → DONE)');

  task
    .command('create')
    .description('Create a task in the current project, at the first phase of its type')
    .argument('<task-id>', 'task id, e.g. SPEC-001 or BUG-012 (also its branch name)')
    .argument('<title>', 'short title')
    .option('--spec <spec-id>', 'the spec this task belongs to')
    .option('--type <type>', 'feature or bug', 'feature')
    .option('--json', 'print the task as JSON')
    .action(async (id: string, title: string, opts: { spec?: string; type: string; json?: boolean }) => {
      await withOrchestration(async (o) => {
        const t = o.tasks.create(await o.projects.detect(projectDir()), { id, title, specId: opts.spec, type: opts.type });
        print(t, opts, (x) => `Created ${x.task_type}: ${x.id} (phase: ${x.phase})`);
      });
    });

  task
    .command('list')
    .description("List the current project's tasks, newest first (DONE ones hidden)")
    .option('--phase <phase>', 'only tasks in this phase')
    .option('--type <type>', 'only feature or bug tasks')
    .option('--include-done', 'include DONE tasks')
    .option('--json', 'print JSON')
    .action(async (opts: { phase?: string; type?: string; includeDone?: boolean; json?: boolean }) => {
      await withOrchestration(async (o) => {
        const tasks = o.tasks.list(await o.projects.detect(projectDir()), opts);
        print(tasks, opts, (ts) =>
          ts.length === 0 ? 'No tasks found.' : table(ts, ['id', 'phase', 'task_type', 'title'], ['ID', 'Phase', 'Type', 'Title']),
        );
      });
    });

  task
    .command('show')
    .description('Show a task, its next phase and its transition history')
    .argument('<task-id>')
    .option('--json', 'print JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      await withOrchestration(async (o) => {
        const { nextPhases } = await import('../services/orchestration/phases.js');
        const t = o.tasks.get(id);
        print({ ...t, next_phases: nextPhases(t.task_type, t.phase), history: o.tasks.history(id) }, opts, renderTask);
      });
    });

  task
    .command('update')
    .description('Change fields of a task; --phase sets any phase of its type (recorded in the history as forced, with --reason)')
    .argument('<task-id>')
    .option('--phase <phase>', 'set the phase directly, e.g. back to IMPLEMENT for rework')
    .option('--reason <text>', 'why the phase is set directly (kept in the history; a default note without it)')
    .option('--specialist <role>', 'who is working on it')
    .option('--notes <text>', 'free-form notes')
    .option('--blocked-by <ids>', 'comma-separated ids of blocking tasks ("" clears)')
    .option('--json', 'print the task as JSON')
    .action(async (id: string, opts: { phase?: string; reason?: string; specialist?: string; notes?: string; blockedBy?: string; json?: boolean }) => {
      await withOrchestration((o) => {
        const t = o.tasks.update(id, opts);
        print(t, opts, (x) => `Updated task ${x.id} (phase: ${x.phase})`);
      });
    });

  task
    .command('transition')
    .description('Move a task to its next phase; the gate for that step must have passed at the current commit')
    .argument('<task-id>')
    .argument('<to-phase>', 'the next phase')
    .option('--force', 'transition without a passed gate (needs --reason)')
    .option('--reason <text>', 'why the gate is skipped; recorded in the history')
    .option('--gate-details <text>', 'a note stored with the transition')
    .option('--gate-result <result>', "CALM's pass|fail: pass still needs the gate passed here (calm gate check), fail leaves the task where it is")
    .option('--json', 'print the transition as JSON')
    .action(async (id: string, to: string, opts: { force?: boolean; reason?: string; gateDetails?: string; gateResult?: string; json?: boolean }) => {
      await withOrchestration(async (o) => {
        const r = await o.tasks.transition(id, to, { force: opts.force, reason: opts.reason, details: opts.gateDetails, claimedGateResult: opts.gateResult });
        print(r, opts, (x) => `Transitioned ${x.task.id} to ${x.task.phase}${x.transition.forced ? ` (forced: ${x.transition.reason})` : ''}`);
      });
    });

  task
    .command('delete')
    .description('Delete a task with its reviews, test runs, history, gate passes and workers')
    .argument('<task-id>')
    .option('-y, --yes', 'do not ask for confirmation')
    .action(async (id: string, opts: { yes?: boolean }) => {
      await withOrchestration(async (o) => {
        const t = o.tasks.get(id);
        if (!(await confirm(`Delete task ${t.id} ("${t.title}") and its history?`, opts.yes))) {
          process.stderr.write('Aborted.\n');
          return;
        }
        o.tasks.delete(id);
        process.stdout.write(`Deleted task ${id}\n`);
      });
    });

  task
    .command('next-id')
    .description('Print the next free BUG-NNN or SPEC-NNN id (over all projects)')
    .argument('<prefix>', 'BUG or SPEC')
    .action(async (prefix: string) => {
      await withOrchestration((o) => void process.stdout.write(`${o.tasks.nextId(prefix)}\n`));
    });
}
