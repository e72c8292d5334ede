import type { Command } from 'commander';
import type { GateRequirement, GateResult } from '../services/orchestration/gates.js';
import { withOrchestration } from './orchestration-context.js';
import { print } from './output.js';

function renderGate(r: GateResult): string {
  const lines = [`Gate Check: ${r.transition}`, `Commit: ${r.commit.slice(0, 7)}`, ''];
  if (r.checks.length === 0) lines.push('(no checks for this transition)');
  for (const c of r.checks) {
    lines.push(`[${c.passed ? 'PASS' : 'FAIL'}] ${c.name}`);
    for (const l of c.message.split('\n')) lines.push(`       ${l}`);
    if (c.duration_seconds !== undefined) lines.push(`       Duration: ${c.duration_seconds.toFixed(1)}s`);
  }
  lines.push('', r.passed ? 'GATE PASSED' : 'GATE FAILED');
  if (r.note) lines.push(r.note);
  else if (r.recorded) lines.push(`Recorded: 'calm task transition ${r.task_id} ${r.transition.split('-')[1]}' may proceed at this commit.`);
  return lines.join('\n');
}

function renderRequirements(reqs: GateRequirement[]): string {
  const lines = ['Gate Requirements by Transition', '='.repeat(60), ''];
  for (const r of reqs) {
    lines.push(`${r.transition} (${r.task_type}):`);
    if (r.checks.length === 0) lines.push('  (no checks)');
    for (const c of r.checks) lines.push(`  - ${c.name}: ${c.description}`);
    lines.push('');
  }
  return lines.join('\n');
}

export function registerGate(program: Command): void {
  const gate = program.command('gate').description('Run the checks a phase transition requires, and list them');

  gate
    .command('check')
    .description("Run a transition's checks in the task's worktree; a pass is recorded for the worktree's commit")
    .argument('<task-id>')
    .argument('<transition>', 'FROM-TO, e.g. IMPLEMENT-CODE_REVIEW')
    .option('--json', 'print the result as JSON')
    .addHelpText('after', "\nExit status: 0 when the gate passed, 1 when it failed. See 'calm gate list' for every check.")
    .action(async (id: string, transition: string, opts: { json?: boolean }) => {
      await withOrchestration(async (o) => {
        const onProgress = process.stderr.isTTY && !opts.json ? (m: string) => void process.stderr.write(`  ${m}...\n`) : undefined;
        const result = await o.gates.check(id, transition, onProgress);
        print(result, opts, renderGate);
        if (!result.passed) process.exitCode = 1;
      });
    });

  gate
    .command('list')
    .description('List the checks of every transition')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const { gateRequirements } = await import('../services/orchestration/gates.js');
      const reqs = gateRequirements(); // static: no database needed
      print(reqs, opts, renderRequirements);
    });
}
