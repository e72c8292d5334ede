import type { Command } from 'commander';
import type { DoctorReport } from '../services/doctor.js';
import { withApp } from './app-context.js';
import { print } from './output.js';

const MARK = { ok: '[ok]     ', warning: '[warning]', problem: '[PROBLEM]' } as const;

function render(r: DoctorReport & { repairs?: unknown[] }): string {
  const lines = r.checks.map((c) => `${MARK[c.status]} ${c.name}: ${c.detail}${c.fix ? `\n           fix: ${c.fix}` : ''}`);
  lines.push('', r.healthy ? 'calm is healthy.' : 'Problems found: run the fixes above.');
  return lines.join('\n');
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('Check database integrity, vectors, keyword index and embedder consistency (exit 1 on a problem)')
    .option('--fix', 'repair what can be repaired safely: an interrupted restore, orphan vectors, the keyword index, missing vectors, loose file permissions')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { json?: boolean; fix?: boolean }) => {
      const [{ runDoctor, repairCollections, repairInterruptedRestore }, { tightenPermissions, octal }, { describeRecovery }] = await Promise.all([
        import('../services/doctor.js'), import('../services/home-permissions.js'), import('../services/backup/restore-journal.js'),
      ]);
      await withApp(async (app) => {
        let repairs;
        let tightened;
        let restore;
        if (opts.fix) {
          tightened = tightenPermissions(app.settings.paths.home);
          restore = await repairInterruptedRestore(app);
          repairs = await repairCollections(app);
          if (!opts.json) {
            if (restore.action !== 'none') process.stdout.write(`Restore journal: ${describeRecovery(restore)}\n`);
            for (const p of tightened) process.stdout.write(`Tightened ${p.path}: ${octal(p.mode)} → ${octal(p.wanted)}\n`);
            for (const r of repairs) {
              process.stdout.write(
                `Repaired ${r.collection}: ${r.orphanVectorsRemoved} orphan vectors removed, ${r.vectorsRecomputed} vectors recomputed, keyword index rebuilt` +
                  `${r.skipped ? ` (${r.skipped})` : ''}\n`,
              );
            }
          }
        }
        const report = await runDoctor(app);
        const repaired = repairs && { repairs, permissions_tightened: tightened!.map((p) => p.path), restore_recovery: restore!.action };
        print(repaired ? { ...report, ...repaired } : report, opts, render);
        if (!report.healthy) process.exitCode = 1;
      });
    });
}
