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
    .option('--fix', 'repair what can be repaired safely: orphan vectors, the keyword index, missing vectors, loose file permissions')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { json?: boolean; fix?: boolean }) => {
      const [{ runDoctor, repairCollections }, { tightenPermissions, octal }] = await Promise.all([
        import('../services/doctor.js'), import('../services/home-permissions.js'),
      ]);
      await withApp(async (app) => {
        let repairs;
        let tightened;
        if (opts.fix) {
          tightened = tightenPermissions(app.settings.paths.home);
          repairs = await repairCollections(app);
          if (!opts.json) {
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
        print(repairs ? { ...report, repairs, permissions_tightened: tightened!.map((p) => p.path) } : report, opts, render);
        if (!report.healthy) process.exitCode = 1;
      });
    });
}
