/**
 * @module A private copy of CALM's database to read from. Opening CALM's WAL-mode file itself, even
 * read-only, writes read marks into its `-shm` (and replays an unclean `-wal`), so the file with its
 * `-wal` and `-shm` is copied into a temporary folder, checkpointed there, and read from the copy.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export interface CalmDbSnapshot {
  readonly file: string;
  dispose(): void;
}

export function snapshotCalmDb(file: string): CalmDbSnapshot {
  const dir = mkdtempSync(join(tmpdir(), 'calm-read-'));
  const copy = join(dir, 'metadata.db');
  try {
    copyFileSync(file, copy);
    for (const suffix of ['-wal', '-shm']) if (existsSync(file + suffix)) copyFileSync(file + suffix, copy + suffix);
    const db = new Database(copy);
    try {
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.pragma('journal_mode = DELETE');
    } finally {
      db.close();
    }
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return { file: copy, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}
