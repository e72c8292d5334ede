/**
 * @module `calm backup restore`: verify (a damaged backup is refused and nothing changes), take a
 * safety backup of the current state, restore, then check the live counts against the manifest. The
 * SQLite source restores through SQLite's backup API inside one write transaction (see sqlite-source.ts
 * for why this, not a file rename); with the Qdrant backend everything is staged first and switched in
 * one step, with a journal that recovery completes after a crash (staged-restore.ts).
 *
 * A running daemon is not stopped: its connection sees the restored data on its next read, and SQLite
 * serialises its writes with the restore. It may still hold per-process state about the old data
 * (which collections exist and their embedder), so the result says it is running and should be restarted.
 */
import { existsSync } from 'node:fs';
import type { RestoreSettings } from '../settings.js';
import { CalmError } from '../../errors.js';
import { SCHEMA_VERSION } from '../../store/migrations.js';
import { daemonStatus } from '../daemon.js';
import { findBackup } from './catalog.js';
import { createBackup } from './create.js';
import type { ImportDeps } from './export-import.js';
import type { NotIncluded } from './manifest.js';
import type { RestoreResult } from './restore-result.js';
import type { SourceRestoreReport } from './source.js';
import { backupSources } from './sources.js';
import { SqliteBackupSource } from './sqlite-source.js';
import { restoreStaged } from './staged-restore.js';
import { describeProblems, verifyBackup } from './verify.js';

export type RestoreStep = 'verified' | 'safety-backup' | 'restore' | 'check';

export interface RestoreOptions {
  /** Called as each step starts (the CLI reports progress). */
  readonly onStep?: (step: RestoreStep) => void | Promise<void>;
  readonly qdrantStore?: ImportDeps;
  /** CALM's backups only: import the SQLite part without the Qdrant snapshots. */
  readonly skipQdrant?: boolean;
}

export type { RestoreResult } from './restore-result.js';

export async function restoreBackup(config: RestoreSettings, name: string, options: RestoreOptions = {}): Promise<RestoreResult> {
  if (findBackup(config, name).kind === 'calm') {
    const { restoreCalmBackup } = await import('./restore-calm-backup.js');
    return restoreCalmBackup(config, name, { skipQdrant: options.skipQdrant ?? false });
  }
  const step = async (s: RestoreStep): Promise<void> => {
    await options.onStep?.(s);
  };
  const report = await verifyBackup(config, name);
  if (!report.ok || !report.manifest) {
    throw new CalmError('storage_error', `Backup '${name}' failed verification, nothing was changed: ${describeProblems(report.problems)}`);
  }
  const manifest = report.manifest;
  if (manifest.schema_version > SCHEMA_VERSION) {
    throw new CalmError(
      'storage_error',
      `Backup '${name}' has schema ${manifest.schema_version}, newer than this calm (${SCHEMA_VERSION}); upgrade calm to restore it`,
    );
  }
  if (manifest.backend !== config.vectorBackend) {
    throw new CalmError(
      'validation_error',
      `Backup '${name}' was taken with the ${manifest.backend} backend, but calm is configured for ${config.vectorBackend}; ` +
        `set CALM_VECTOR_BACKEND=${manifest.backend} to restore it, or move records with \`calm export\` / \`calm import\``,
    );
  }
  await step('verified');

  await step('safety-backup');
  const safety = existsSync(config.paths.database)
    ? await createBackup(config, { kind: 'safety', reason: `before restoring '${name}'`, sources: backupSources(config, manifest.backend, options.qdrantStore) })
    : null;

  await step('restore');
  const sources = backupSources(config, manifest.backend, options.qdrantStore);
  // Qdrant backend: staged, then switched in one step with a journal (staged-restore.ts)
  const restored: SourceRestoreReport[] =
    manifest.backend === 'qdrant'
      ? await restoreStaged(config, name, report.path, manifest, options.qdrantStore)
      : [await new SqliteBackupSource(config.paths.database).restore(report.path)];

  await step('check');
  const mismatches = (await Promise.all(sources.map((s) => s.checkRestored(manifest)))).flat();
  if (mismatches.length > 0) {
    throw new CalmError(
      'storage_error',
      `Restored '${name}', but the live data does not match its manifest: ${mismatches.join('; ')}` +
        (safety ? `. The previous state is in backup '${safety.name}'.` : ''),
    );
  }
  const daemon = daemonStatus(config);
  return {
    name,
    safety_backup: safety?.name ?? null,
    restored,
    not_included: manifest.not_included,
    records: manifest.collections.reduce((s, c) => s + c.count, 0),
    daemon_pid: daemon.running ? (daemon.pid ?? null) : null,
  };
}
