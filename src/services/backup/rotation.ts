/**
 * @module Automatic backups: `auto_<timestamp>`, taken by `calm backup auto`, once a day by the daemon,
 * and before every schema migration. Rotation keeps the newest `CALM_MAX_BACKUPS` automatic backups and
 * touches nothing else: named and safety backups are only ever deleted by the user.
 */
import type { BackupSettings, FullBackupSettings } from '../settings.js';
import { CalmError, validationError } from '../../errors.js';
import type { Migration } from '../../store/migrations.js';
import { deleteBackup, listBackups } from './catalog.js';
import { createBackup, createBackupSync, type CreatedBackup } from './create.js';

export const DAY_MS = 24 * 60 * 60 * 1000;

/** Deletes the oldest automatic backups beyond `max`; returns their names. */
export function rotateAutoBackups(config: BackupSettings, max = config.maxBackups): string[] {
  if (!Number.isInteger(max) || max < 1) throw validationError(`max backups must be at least 1 (got ${max})`);
  const autos = listBackups(config).filter((b) => b.kind === 'auto'); // newest first
  const removed: string[] = [];
  for (const b of autos.slice(max)) {
    deleteBackup(config, b.name);
    removed.push(b.name);
  }
  return removed;
}

export interface AutoBackupResult {
  readonly backup: CreatedBackup;
  readonly rotated: string[];
}

/** What the daemon calls (daily, and before migrations it runs itself) and `calm backup auto` runs. */
export async function autoBackup(config: FullBackupSettings, reason: string, maxBackups = config.maxBackups): Promise<AutoBackupResult> {
  if (!Number.isInteger(maxBackups) || maxBackups < 1) throw validationError(`max backups must be at least 1 (got ${maxBackups})`);
  const backup = await createBackup(config, { kind: 'auto', reason });
  return { backup, rotated: rotateAutoBackups(config, maxBackups) };
}

/**
 * The daemon's daily backup: takes one when the newest automatic backup is older than `intervalMs`
 * (or there is none), so restarts neither skip a day nor pile up backups. Returns null when not due.
 */
export async function autoBackupIfDue(config: FullBackupSettings, intervalMs = DAY_MS, now = Date.now()): Promise<AutoBackupResult | null> {
  const newest = listBackups(config).find((b) => b.kind === 'auto' && b.created_at);
  if (newest && now - Date.parse(newest.created_at!) < intervalMs) return null;
  return autoBackup(config, 'daily');
}

/**
 * `openDatabase`'s `beforeMigrate` hook: an automatic backup of the database as it is, before the
 * first pending migration runs. If the backup fails, the migration does not run.
 */
export function backupBeforeMigration(config: BackupSettings): (fromVersion: number, pending: readonly Migration[]) => void {
  return (fromVersion, pending) => {
    const to = pending[pending.length - 1]?.version ?? fromVersion;
    try {
      createBackupSync(config, { kind: 'auto', reason: `before migrating the schema from ${fromVersion} to ${to}` });
      rotateAutoBackups(config);
    } catch (e) {
      throw new CalmError(
        'storage_error',
        `Could not back up the database before migrating it (schema ${fromVersion} to ${to}): ${(e as Error).message}. ` +
          `Nothing was migrated; fix the problem (e.g. free disk space in ${config.paths.backups}) and try again.`,
        { cause: e },
      );
    }
  };
}
