/**
 * @module Restore on the Qdrant backend, crash-atomic: stage everything, commit, switch (see
 * restore-journal.ts). Staging loads each collection into a new generation collection and copies
 * `metadata.db` into a staged folder, with the live store untouched; the journal's `committed` phase is
 * the commit point; the switch points every live name at its generation in one alias request, copies
 * the staged SQLite file in, and drops the old generations. A failure before the commit point (an
 * upload refused, Qdrant gone) drops what was staged: nothing changed, and the error names what failed.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, copyFileSync, fsyncSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { CalmError } from '../../errors.js';
import type { FullBackupSettings } from '../settings.js';
import type { ImportDeps } from './export-import.js';
import type { Manifest } from './manifest.js';
import { QdrantBackupSource } from './qdrant-source.js';
import { describeRecovery, type RecoveryDeps, recoverInterruptedRestore, type RestoreJournal, rollBack, rollForward, writeJournal } from './restore-journal.js';
import type { SourceRestoreReport } from './source.js';
import { snapshotsOf } from './sources.js';
import { SQLITE_FILE } from './sqlite-source.js';

/** Lower-case letters and digits: a generation name is a valid collection name. */
const restoreId = (): string => `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

/** Copies the backup's SQLite file into the staged folder, flushed to disk before the commit point can name it. */
function stageSqlite(backupDir: string, stagedDir: string): void {
  mkdirSync(stagedDir, { recursive: true, mode: 0o700 });
  const target = join(stagedDir, SQLITE_FILE);
  closeSync(openSync(target, 'w', 0o600)); // owner-only before any byte is in it
  copyFileSync(join(backupDir, SQLITE_FILE), target);
  const fd = openSync(target, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export async function restoreStaged(
  config: FullBackupSettings,
  name: string,
  backupDir: string,
  manifest: Manifest,
  qdrantStore?: ImportDeps,
): Promise<SourceRestoreReport[]> {
  const store = qdrantStore ?? config.stores.qdrant();
  const snapshots = snapshotsOf(store.records);
  const deps: RecoveryDeps = { home: config.paths.home, database: config.paths.database, snapshots };
  // a restore killed earlier is completed or undone first; a running one is not raced
  const earlier = await recoverInterruptedRestore(deps);
  if (earlier.action === 'running') throw new CalmError('storage_error', `Cannot restore '${name}': ${describeRecovery(earlier)}; nothing was changed`);

  const id = restoreId();
  const targets = manifest.collections.filter((c) => c.source === 'qdrant').map((c) => ({ name: c.name, generation: snapshots.generationName(c.name, id) }));
  let journal: RestoreJournal = {
    format: 1, id, backup: name, pid: process.pid, phase: 'staging', started_at: new Date().toISOString(),
    staged_sqlite: join(config.paths.home, `.restore-${id}`), collections: targets,
  };
  // written before anything is staged, so a kill at any later moment leaves a journal to roll back
  writeJournal(config.paths.home, journal);
  let staged: string[];
  try {
    stageSqlite(backupDir, journal.staged_sqlite);
    staged = await new QdrantBackupSource(snapshots, store).stage(backupDir, manifest, targets);
    const previous: (string | null)[] = [];
    for (const t of targets) {
      const current = await snapshots.resolve(t.name);
      previous.push(current !== null && current !== t.name ? current : null);
    }
    journal = { ...journal, phase: 'committed', collections: targets.map((t, i) => ({ ...t, previous: previous[i] ?? null })) };
  } catch (e) {
    await rollBack(deps, journal).catch(() => undefined); // what it leaves, the next recovery drops (this process will be gone)
    if (e instanceof CalmError) throw new CalmError(e.type, `Restore of '${name}' failed before anything was switched, the store is unchanged: ${e.message}`, { cause: e });
    throw e;
  }
  writeJournal(config.paths.home, journal); // the commit point
  try {
    await rollForward(deps, journal);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new CalmError(
      'storage_error',
      `Restore of '${name}' is committed but its switch stopped (${why}); the next calm command, or \`calm doctor --fix\`, completes it`,
      { cause: e },
    );
  }
  return [
    { source: 'sqlite', detail: `metadata.db restored into ${config.paths.database}` },
    { source: 'qdrant', detail: staged.length ? `restored ${staged.join(', ')}, switched in one step` : 'no Qdrant collections in this backup' },
  ];
}
