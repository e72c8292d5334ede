/**
 * @module The journal of a restore on the Qdrant backend (`$CALM_HOME/restore-journal.json`), and the
 * recovery of a restore that was killed. A restore stages everything first (each collection in a new
 * generation collection, the SQLite part in a staged file), then commits by rewriting the journal with
 * phase `committed` (an atomic rename), then switches: every live name becomes an alias onto its new
 * generation in one alias request, and the staged file is copied into the live database.
 *
 * Recovery reads the journal of a restore whose process is gone: before the commit point it rolls back
 * (drops the staged generations and the staged file: the old state), after it rolls forward (finishes
 * the switch and the copy: the new state). Every step of both is idempotent, so a recovery that is
 * itself killed is simply run again; processes that open the store at once take turns (a lock file).
 */
import { closeSync, existsSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { CalmError } from '../../errors.js';
import { writeFileAtomic } from '../../fs-atomic.js';
import type { SnapshotCapability } from '../../store/records/record-store.js';
import { isProcessAlive } from '../daemon.js';
import { SqliteBackupSource } from './sqlite-source.js';

export type RestorePhase = 'staging' | 'committed';

export interface JournalCollection {
  /** The live name (an alias after the switch). */
  readonly name: string;
  /** The generation collection the backup is staged in. */
  readonly generation: string;
  /** At the commit point: the generation the live name pointed at before, dropped after the switch (null: none, or the live name was a collection). */
  readonly previous?: string | null;
}

export interface RestoreJournal {
  readonly format: 1;
  readonly id: string;
  readonly backup: string;
  /** The restoring process: while it lives, nobody else recovers its restore. */
  readonly pid: number;
  readonly phase: RestorePhase;
  readonly started_at: string;
  /** A folder holding the staged `metadata.db`. */
  readonly staged_sqlite: string;
  readonly collections: readonly JournalCollection[];
}

/** What recovery needs: the home (where the journal lives), the live database, and the Qdrant capability. */
export interface RecoveryDeps {
  readonly home: string;
  readonly database: string;
  readonly snapshots: SnapshotCapability;
}

export type RecoveryOutcome =
  | { readonly action: 'none' }
  | { readonly action: 'running'; readonly journal: RestoreJournal }
  | { readonly action: 'rolled-back' | 'rolled-forward'; readonly journal: RestoreJournal };

export const journalPath = (home: string): string => join(home, 'restore-journal.json');

export function readJournal(home: string): RestoreJournal | null {
  const file = journalPath(home);
  if (!existsSync(file)) return null;
  let j: RestoreJournal;
  try {
    j = JSON.parse(readFileSync(file, 'utf8')) as RestoreJournal;
  } catch (e) {
    throw new CalmError('storage_error', `The restore journal ${file} cannot be read (${(e as Error).message}); move it away and run \`calm doctor\``, { cause: e });
  }
  if (j.format !== 1 || (j.phase !== 'staging' && j.phase !== 'committed') || !Array.isArray(j.collections)) {
    throw new CalmError('storage_error', `The restore journal ${file} is not one this calm wrote; move it away and run \`calm doctor\``);
  }
  return j;
}

export function writeJournal(home: string, journal: RestoreJournal): void {
  writeFileAtomic(journalPath(home), `${JSON.stringify(journal, null, 2)}\n`); // durable, owner-only
}

/** Before the commit point: drop what was staged. The old state stays as it was. */
export async function rollBack(deps: RecoveryDeps, journal: RestoreJournal): Promise<void> {
  const live = new Set<string>();
  for (const c of journal.collections) {
    const target = await deps.snapshots.resolve(c.name);
    if (target) live.add(target);
  }
  for (const c of journal.collections) {
    // never a generation a live name points at (the switch has not happened, but be sure)
    if (!live.has(c.generation) && (await deps.snapshots.resolve(c.generation)) === c.generation) await deps.snapshots.deleteCollection(c.generation);
  }
  rmSync(journal.staged_sqlite, { recursive: true, force: true });
  rmSync(journalPath(deps.home), { force: true });
}

/** After the commit point: point the live names at the new generations, copy the staged SQLite file in, drop the old generations. */
export async function rollForward(deps: RecoveryDeps, journal: RestoreJournal): Promise<void> {
  await deps.snapshots.switchAliases(journal.collections.map((c) => ({ name: c.name, generation: c.generation })));
  // the staged folder is removed only after its copy went in: a missing one means the copy is done
  if (existsSync(join(journal.staged_sqlite, 'metadata.db'))) await new SqliteBackupSource(deps.database).restore(journal.staged_sqlite);
  for (const c of journal.collections) {
    if (c.previous && c.previous !== c.generation && (await deps.snapshots.resolve(c.previous)) === c.previous) {
      await deps.snapshots.deleteCollection(c.previous);
    }
  }
  rmSync(journal.staged_sqlite, { recursive: true, force: true });
  rmSync(journalPath(deps.home), { force: true });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Several calm processes may open the store at once after a kill (a hook, an MCP server, the CLI): one
 * recovers, the others wait for it (an exclusive lock file holding its pid; a dead holder's is taken over).
 */
async function withRecoveryLock<T>(home: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${journalPath(home)}.lock`;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder = Number.NaN;
    let age = 0;
    try {
      holder = Number(readFileSync(lock, 'utf8'));
      age = Date.now() - statSync(lock).mtimeMs;
    } catch {
      continue; // released meanwhile
    }
    // this process holds it: a recovery in progress here reached a store that recovers on first use
    // (restore and doctor call through such a store); it runs inside the holder, which waits for it
    if (holder === process.pid) return fn();
    // no pid yet: its holder is between creating and writing it, unless that was long ago
    const stale = Number.isInteger(holder) && holder > 0 ? !isProcessAlive(holder) : age > 10_000;
    if (stale) rmSync(lock, { force: true });
    else await sleep(50);
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** Completes a restore whose process is gone (see the module comment); a running one is left alone. */
export async function recoverInterruptedRestore(deps: RecoveryDeps): Promise<RecoveryOutcome> {
  const seen = readJournal(deps.home);
  if (!seen) return { action: 'none' };
  if (seen.pid === process.pid || isProcessAlive(seen.pid)) return { action: 'running', journal: seen };
  return withRecoveryLock(deps.home, async (): Promise<RecoveryOutcome> => {
    const journal = readJournal(deps.home); // another process may have recovered it while this one waited
    if (!journal) return { action: 'none' };
    if (journal.pid === process.pid || isProcessAlive(journal.pid)) return { action: 'running', journal };
    if (journal.phase === 'committed') {
      await rollForward(deps, journal);
      return { action: 'rolled-forward', journal };
    }
    await rollBack(deps, journal);
    return { action: 'rolled-back', journal };
  });
}

/** One line for people: what a recovery did. */
export function describeRecovery(o: RecoveryOutcome): string {
  switch (o.action) {
    case 'none':
      return 'no interrupted restore';
    case 'running':
      return `a restore of '${o.journal.backup}' is running (pid ${o.journal.pid}, ${o.journal.phase})`;
    case 'rolled-back':
      return `the interrupted restore of '${o.journal.backup}' was rolled back (it stopped before its commit point): the store is as it was before it`;
    case 'rolled-forward':
      return `the interrupted restore of '${o.journal.backup}' was completed (it stopped after its commit point): the store is the backup's state`;
  }
}
