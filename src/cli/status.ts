import type { Command } from 'commander';
import type { StatusReport } from '../services/status.js';
import { cliConfig, withApp } from './app-context.js';
import { formatBytes, print, table } from './output.js';
import type { ActiveSummary } from '../services/orchestration/health.js';
import { orchestrationSummary, registerStatusSubcommands, renderSummary } from './status-orchestration.js';

function render(r: StatusReport): string {
  const lines = ['=== calm status ===', '', `Home:     ${r.home}`, `Backend:  ${r.backend}`, `Embedder: ${r.embedder.setting} (${r.embedder.id}, from ${r.embedder.source})`];
  if (!r.initialized || !r.database) {
    lines.push('', "Not initialized: run 'calm init'");
    return lines.join('\n');
  }
  lines.push(`Database: ${r.database.path} (${formatBytes(r.database.sizeBytes)}, schema ${r.database.schemaVersion})`, '', 'Collections:');
  if (r.collections.length === 0) lines.push('  (none yet)');
  else {
    const rows = r.collections.map((c) => ({ ...c, pending: c.pending ? `reembed to ${c.pending.embedder}: ${c.pending.done}/${c.count}` : '' }));
    lines.push(...table(rows, ['name', 'count', 'embedder', 'dim', 'pending'], ['Name', 'Records', 'Embedder', 'Dim', 'Pending']).split('\n').map((l) => `  ${l}`));
  }
  lines.push('', 'Tables:');
  lines.push(...Object.entries(r.tables).map(([name, n]) => `  ${name.padEnd(20)} ${n}`));
  return lines.join('\n');
}

export function registerStatus(program: Command): void {
  const status = program
    .command('status')
    .description('Show home, backend, embedder, and record counts per collection and table')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { json?: boolean }) => {
      const { statusReport, uninitializedStatus } = await import('../services/status.js');
      const { isInitialized } = await import('../app.js');
      const config = await cliConfig();
      const report: StatusReport & { orchestration?: ActiveSummary } = isInitialized(config)
        ? await withApp(async (app) => ({ ...(await statusReport(app)), orchestration: await orchestrationSummary(app) }))
        : uninitializedStatus(config);
      print(report, opts, (r) => render(r) + renderSummary(r.orchestration));
    });
  registerStatusSubcommands(status);
}
