/**
 * @module `calm backup …`: create, list, show, verify, restore, delete, auto. Exit status: 0 done,
 * 1 failure (e.g. verify found damage), 2 usage, 3 partial backup (something was not captured, e.g.
 * Qdrant unreachable: the SQLite part is saved and the output says exactly what is missing).
 */
import type { Command } from 'commander';
import type { CalmBackup } from '../services/backup/calm-backups.js';
import type { BackupEntry } from '../services/backup/catalog.js';
import type { CreatedBackup } from '../services/backup/create.js';
import type { Manifest } from '../services/backup/manifest.js';
import type { CalmRestoreResult } from '../services/backup/restore-calm-backup.js';
import type { RestoreStep } from '../services/backup/restore.js';
import type { VerifyReport } from '../services/backup/verify.js';
import { cliSettings } from './app-context.js';
import { confirm } from './confirm.js';
import { intOption } from './options.js';
import { formatBytes, print, table } from './output.js';

/** Exit status of a backup that is missing something it should hold. */
export const PARTIAL_EXIT_CODE = 3;

function notIncludedLines(manifest: Manifest): string[] {
  return manifest.not_included.map((n) => `Not included: ${n.what} (${n.reason})`);
}

function renderCreated(label: string, b: CreatedBackup): string {
  const m = b.manifest;
  return [
    `${label}: ${b.name}`,
    `Path: ${b.path}`,
    `Size: ${formatBytes(b.size)}`,
    `Records: ${m.collections.map((c) => `${c.name} ${c.count}`).join(', ') || 'none'}`,
    ...notIncludedLines(m),
    ...(m.partial ? ['Partial backup: see "Not included" above.'] : []),
  ].join('\n');
}

function markPartial(b: CreatedBackup): void {
  if (!b.manifest.partial) return;
  process.stderr.write(`Warning: backup '${b.name}' is partial: ${b.manifest.not_included.map((n) => `${n.what}: ${n.reason}`).join('; ')}\n`);
  process.exitCode = PARTIAL_EXIT_CODE;
}

function renderList({ backups: rows, max_backups: max }: { backups: BackupEntry[]; max_backups: number }): string {
  if (rows.length === 0) return `No backups found. (automatic backups kept: ${max})`;
  const autos = rows.filter((r) => r.kind === 'auto').length;
  const calms = rows.filter((r) => r.kind === 'calm').length;
  return [
    `${rows.length} backups (${autos} automatic, the newest ${max} kept${calms ? `; ${calms} CALM's, from before \`calm init\`, never rotated` : ''})`,
    '',
    table(
      rows.map((r) => ({
        ...r,
        size: formatBytes(r.size),
        created: r.created_at?.replace('T', ' ').slice(0, 19) ?? '',
        records: r.kind === 'calm' ? '' : r.records,
        status: r.damaged ? 'DAMAGED' : r.partial ? 'partial' : r.kind === 'calm' ? (r.qdrant_snapshots?.length ? `CALM + Qdrant (${r.qdrant_snapshots.join(', ')})` : 'CALM, SQLite only') : 'ok',
      })),
      ['name', 'kind', 'size', 'records', 'created', 'status'],
      ['Name', 'Kind', 'Size', 'Records', 'Created (UTC)', 'Status'],
    ),
  ].join('\n');
}

function renderCalmShow(b: CalmBackup): string {
  return [
    `Name:       ${b.name} (CALM's backup, from before \`calm init\`; never rotated)`,
    `Created:    ${b.createdAt ?? 'unknown'}`,
    `Database:   ${b.db}`,
    `Qdrant:     ${b.qdrantDir ? `${b.qdrantDir} (${b.snapshots.map((c) => `${c}.snapshot`).join(', ') || 'no snapshots'})` : 'not included'}`,
    `Size:       ${formatBytes(b.size)}`,
    `Restore:    calm backup restore ${b.name} (imports it; a safety backup of calm's current state is taken first)`,
  ].join('\n');
}

function renderShow(v: { path: string; size: number; manifest: Manifest } | { kind: 'calm'; backup: CalmBackup }): string {
  if ('kind' in v) return renderCalmShow(v.backup);
  const m = v.manifest;
  return [
    `Name:       ${m.name} (${m.kind}: ${m.reason})`,
    `Created:    ${m.created_at}`,
    `Path:       ${v.path}`,
    `Size:       ${formatBytes(v.size)}`,
    `calm:       ${m.calm_version}, schema ${m.schema_version}, backend ${m.backend}`,
    '',
    m.collections.length === 0 ? 'Collections: none' : table(m.collections, ['name', 'embedder', 'dim', 'count', 'vectors', 'source']),
    '',
    table(Object.entries(m.tables).map(([t, n]) => ({ table: t, rows: n })), ['table', 'rows'], ['Table', 'Rows']),
    '',
    table(m.files.map((f) => ({ ...f, size: formatBytes(f.size) })), ['path', 'size', 'sha256'], ['File', 'Size', 'sha256']),
    ...(m.not_included.length ? ['', ...notIncludedLines(m)] : []),
  ].join('\n');
}

function renderVerify(r: VerifyReport): string {
  if (r.ok && r.kind === 'calm') return `CALM's backup ${r.name} is readable: ${r.files} files checked. ${r.note ?? ''}`.trimEnd();
  if (r.ok) return `Backup ${r.name} is intact: ${r.files} files match their checksums, integrity_check ok, counts match the manifest.`;
  return [`Backup ${r.name} is DAMAGED:`, ...r.problems.map((p) => `  ${p.file}: ${p.problem}`)].join('\n');
}

function importedLine(r: CalmRestoreResult): string {
  const parts = [...r.imported.collections.map((c) => `${c.collection} ${c.imported}`), ...r.imported.tables.map((t) => `${t.table} ${t.added}`)];
  return parts.join(', ') || 'nothing';
}

/** What each step of a restore does, printed on stderr as it starts (a large restore takes a while). */
const RESTORE_STEPS: Record<RestoreStep, string> = {
  verified: 'the backup is verified',
  'safety-backup': 'saving the current state as a pre-restore backup',
  restore: 'copying the backup into place',
  check: 'checking the restored data against the manifest',
};

function reportStep(step: RestoreStep): void {
  process.stderr.write(`restore step: ${step} (${RESTORE_STEPS[step]})\n`);
}

export function registerBackup(program: Command): void {
  const backup = program
    .command('backup')
    .description('Back up, verify and restore everything calm stores (exit 3: partial backup)');

  backup
    .command('create')
    .description('Create a backup (default name: a UTC timestamp); exit 3 if something could not be included')
    .argument('[name]', "letters, digits, '.', '_' or '-' (max 100)")
    .option('-f, --force', 'replace an existing backup of that name')
    .option('--json', 'print the manifest as JSON')
    .action(async (name: string | undefined, opts: { force?: boolean; json?: boolean }) => {
      const { createBackup } = await import('../services/backup/create.js');
      const created = await createBackup(await cliSettings(), { name, force: opts.force });
      print(created, opts, (b) => renderCreated('Created backup', b));
      markPartial(created);
    });

  backup
    .command('list')
    .description('List backups, newest first')
    .option('--json', 'print the list as JSON')
    .action(async (opts: { json?: boolean }) => {
      const { listBackups } = await import('../services/backup/catalog.js');
      const config = await cliSettings();
      print({ backups: listBackups(config), max_backups: config.maxBackups }, opts, renderList);
    });

  backup
    .command('show')
    .description('Show what a backup holds: versions, collections, table counts, files and checksums')
    .argument('<name>', 'backup name')
    .option('--json', 'print as JSON')
    .action(async (name: string, opts: { json?: boolean }) => {
      const { showAnyBackup } = await import('../services/backup/catalog.js');
      print(showAnyBackup(await cliSettings(), name), opts, renderShow);
    });

  backup
    .command('verify')
    .description('Check checksums, SQLite integrity and counts against the manifest (exit 1 when damaged)')
    .argument('<name>', 'backup name')
    .option('--json', 'print the report as JSON')
    .action(async (name: string, opts: { json?: boolean }) => {
      const { verifyBackup } = await import('../services/backup/verify.js');
      const report = await verifyBackup(await cliSettings(), name);
      print(report, opts, renderVerify);
      if (!report.ok) process.exitCode = 1;
    });

  backup
    .command('restore')
    .description('Restore a backup (verified first; the current state is saved as a pre-restore backup)')
    .argument('<name>', 'backup name')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--skip-qdrant', "CALM's backups only: import the SQLite part and leave the Qdrant snapshots out")
    .option('--json', 'print the result as JSON')
    .action(async (name: string, opts: { yes?: boolean; json?: boolean; skipQdrant?: boolean }) => {
      const { findBackup } = await import('../services/backup/catalog.js');
      const { restoreBackup } = await import('../services/backup/restore.js');
      const config = await cliSettings();
      const found = findBackup(config, name);
      const what = found.kind === 'calm' ? `CALM's backup '${name}'? It is imported and` : `backup '${name}'? This`;
      if (!(await confirm(`Restore ${what} replaces all current calm data (a safety backup is taken first).`, opts.yes))) {
        process.stderr.write('Aborted.\n');
        return;
      }
      const result = await restoreBackup(config, name, { onStep: reportStep, skipQdrant: opts.skipQdrant ?? false });
      print(result, opts, (r) =>
        [
          `Restored from backup: ${r.name} (${r.records} records)`,
          ...('imported' in r ? [`Imported from CALM's backup: ${importedLine(r as CalmRestoreResult)}`] : []),
          r.safety_backup ? `Previous state saved as backup: ${r.safety_backup}` : 'There was no database before: no safety backup taken.',
          ...r.not_included.map((n) => `Not in this backup: ${n.what} (${n.reason})`),
          ...(r.daemon_pid ? [`The calm server (PID ${r.daemon_pid}) is running: restart it with \`calm server restart\`.`] : []),
        ].join('\n'),
      );
    });

  backup
    .command('delete')
    .description('Delete a backup')
    .argument('<name>', 'backup name')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--json', 'print the result as JSON')
    .action(async (name: string, opts: { yes?: boolean; json?: boolean }) => {
      const { deleteBackup, findBackup } = await import('../services/backup/catalog.js');
      const config = await cliSettings();
      findBackup(config, name);
      if (!(await confirm(`Delete backup '${name}'?`, opts.yes))) {
        process.stderr.write('Aborted.\n');
        return;
      }
      print(deleteBackup(config, name), opts, (r) => `Deleted backup: ${r.deleted}`);
    });

  backup
    .command('auto')
    .description('Create an automatic backup and keep only the newest N automatic ones (named backups are never rotated)')
    .option('--max-backups <n>', 'automatic backups to keep (default: CALM_MAX_BACKUPS, 10)', intOption(1, 10_000))
    .option('--json', 'print the result as JSON')
    .action(async (opts: { maxBackups?: number; json?: boolean }) => {
      const { autoBackup } = await import('../services/backup/rotation.js');
      const config = await cliSettings();
      const result = await autoBackup(config, 'calm backup auto', opts.maxBackups ?? config.maxBackups);
      print(result, opts, (r) =>
        [renderCreated('Created auto-backup', r.backup), ...r.rotated.map((n) => `Rotated away: ${n}`)].join('\n'),
      );
      markPartial(result.backup);
    });
}
