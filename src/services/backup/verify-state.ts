/**
 * @module The outcome of each backup's last verification, so a listing can show checksum state without
 * hashing every file again. Kept in `backups/.verified.json` (hidden: not a backup, never swept), keyed by
 * backup name and the manifest's creation time, so a backup replaced under the same name starts unverified.
 * Only a record of what `verify` found: it never replaces running it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../fs-atomic.js';

export interface Verification {
  readonly ok: boolean;
  readonly problems: number;
  readonly verified_at: string;
  /** The manifest's created_at when verified: a different backup under the same name is not this one. */
  readonly backup_created_at: string;
}

const stateFile = (backupsDir: string): string => join(backupsDir, '.verified.json');

export function readVerifications(backupsDir: string): Record<string, Verification> {
  const file = stateFile(backupsDir);
  if (!existsSync(file)) return {};
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, Verification>) : {};
  } catch {
    return {}; // a damaged record only means "not verified yet"
  }
}

export function recordVerification(backupsDir: string, name: string, verification: Verification): void {
  if (!existsSync(backupsDir)) return;
  const all = readVerifications(backupsDir);
  all[name] = verification;
  // backups deleted since are dropped, so the file does not grow forever
  for (const n of Object.keys(all)) if (!existsSync(join(backupsDir, n))) delete all[n];
  try {
    writeFileAtomic(stateFile(backupsDir), `${JSON.stringify(all, null, 2)}\n`, { durable: false });
  } catch {
    // a read-only backups directory can still be verified; only the record is lost
  }
}
