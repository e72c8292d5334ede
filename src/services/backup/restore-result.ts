/** @module What a restore reports, for calm's backups (restore.ts) and CALM's (restore-calm-backup.ts). */
import type { NotIncluded } from './manifest.js';
import type { SourceRestoreReport } from './source.js';

export interface RestoreResult {
  readonly name: string;
  /** The backup of the state before the restore; null when there was no database to save. */
  readonly safety_backup: string | null;
  readonly restored: SourceRestoreReport[];
  readonly not_included: NotIncluded[];
  readonly records: number;
  /** The daemon's PID when one is running: restart it (`calm server restart`). */
  readonly daemon_pid: number | null;
}
