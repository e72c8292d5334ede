/** @module Backup names: what a user may type, and the timestamped names calm makes itself. */
import { validationError } from '../../errors.js';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/**
 * A name is one directory under `backups/`: letters, digits, `.`, `_`, `-`, at most 100, starting
 * with a letter or digit (so no `..`, no hidden staging names, no path separators).
 */
export function validateBackupName(name: string): string {
  if (typeof name !== 'string' || name.length === 0) throw validationError('Backup name must not be empty');
  if (name.includes('/') || name.includes('\\')) throw validationError(`Invalid backup name '${name}': path separators are not allowed`);
  if (name.includes('..')) throw validationError(`Invalid backup name '${name}': '..' is not allowed`);
  if (!NAME_RE.test(name)) {
    throw validationError(
      `Invalid backup name '${name}': use 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  }
  return name;
}

/** `YYYYMMDD_HHMMSS` in UTC: sorts as text, like CALM's names (which used local time). */
export function timestampName(date = new Date()): string {
  const iso = date.toISOString(); // 2026-02-12T01:14:48.123Z
  return `${iso.slice(0, 10).replaceAll('-', '')}_${iso.slice(11, 19).replaceAll(':', '')}`;
}

export const AUTO_PREFIX = 'auto_';
export const SAFETY_PREFIX = 'pre-restore_';
