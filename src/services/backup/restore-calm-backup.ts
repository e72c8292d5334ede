/**
 * @module `calm backup restore NAME` for one of CALM's backups (`NAME.db` + `NAME.qdrant/`): the calm
 * store becomes what that backup held, brought in through the import CALM users already go through
 * (import-calm.ts: CALM's tables, and its memories, GHAP axes and values from Qdrant).
 *
 * 1. Verify it (calm-backups.ts); a damaged one is refused and nothing changes.
 * 2. Qdrant snapshots are Qdrant's own storage format (a tar of segment files that only Qdrant reads),
 *    so their points can only be read through a Qdrant server: each snapshot is recovered into a
 *    temporary collection on the configured Qdrant (`CALM_QDRANT_URL`, CALM's `qdrant.url` after
 *    `calm init`), read from there, and the temporary collection is deleted. Without a reachable Qdrant
 *    the restore stops before anything changed and says so (`--skip-qdrant` imports the SQLite part).
 * 3. A safety backup of the current calm store, as every restore takes.
 * 4. The import is built in a new database in a staging folder under backups/ (swept by the next
 *    backup if this process dies), then copied into the live database in one SQLite write transaction
 *    (sqlite-source.ts), so the store is the old state or the new one, never a mix.
 */
import { closeSync, existsSync, openSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CalmError } from '../../errors.js';
import { daemonStatus, isProcessAlive } from '../daemon.js';
import { type ImportCalmResult, importCalm } from '../import-calm.js';
import type { RestoreSettings } from '../settings.js';
import { IMPORTED_COLLECTIONS, SKIPPED_COLLECTIONS } from '../import-calm/calm-collections.js';
import { existingCalmBackup, SNAPSHOT_SUFFIX, verifyCalmBackup } from './calm-backups.js';
import { stagingDir } from './catalog.js';
import { createBackup } from './create.js';
import { sha256File } from './manifest.js';
import type { RestoreResult } from './restore-result.js';
import { qdrantSnapshots } from './sources.js';
import { SQLITE_FILE, SqliteBackupSource } from './sqlite-source.js';
import { describeProblems } from './verify.js';

export interface RestoreCalmOptions {
  /** Import only the SQLite part, leaving the Qdrant snapshots out (the result lists them as not included). */
  readonly skipQdrant?: boolean;
}

export interface CalmRestoreResult extends RestoreResult {
  readonly kind: 'calm';
  readonly imported: { readonly collections: ImportCalmResult['collections']; readonly tables: ImportCalmResult['tables'] };
}

/** Temporary collections: `calm-restore-<pid>-<ms>-<collection>` (a killed restore's are deleted by the next). */
const tempCollection = (collection: string): string => `calm-restore-${process.pid}-${Date.now()}-${collection}`;

export async function restoreCalmBackup(config: RestoreSettings, name: string, options: RestoreCalmOptions = {}): Promise<CalmRestoreResult> {
  const report = verifyCalmBackup(config, name);
  if (!report.ok) {
    throw new CalmError('storage_error', `CALM's backup '${name}' failed verification, nothing was changed: ${describeProblems(report.problems)}`);
  }
  if (config.vectorBackend === 'qdrant') {
    throw new CalmError(
      'validation_error',
      `CALM's backup '${name}' is imported into the embedded store: run \`CALM_VECTOR_BACKEND=embedded calm backup restore ${name}\`, ` +
        'then `calm migrate --to qdrant`. Nothing was changed.',
    );
  }
  const backup = existingCalmBackup(config, name);
  const notIncluded: { what: string; reason: string }[] = [
    { what: "CALM's journal", reason: "CALM's backups hold its database and Qdrant snapshots only" },
  ];
  const wanted = backup.snapshots.filter((c) => (IMPORTED_COLLECTIONS as readonly string[]).includes(c));
  for (const c of backup.snapshots.filter((c) => !wanted.includes(c))) {
    notIncluded.push({ what: `snapshot of ${c}`, reason: SKIPPED_COLLECTIONS[c] ?? 'not a collection calm imports' });
  }
  const upload = options.skipQdrant ? [] : wanted;
  if (options.skipQdrant) for (const c of wanted) notIncluded.push({ what: `snapshot of ${c}`, reason: '--skip-qdrant' });
  // the configured Qdrant server reads CALM's snapshots for the import (the store itself stays embedded)
  const snapshots = qdrantSnapshots(config);
  let existing: string[] = [];
  if (upload.length > 0) {
    try {
      existing = await snapshots.listCollections();
    } catch (e) {
      throw new CalmError(
        'not_available',
        `CALM's backup '${name}' holds Qdrant snapshots (${upload.join(', ')}). A Qdrant snapshot can only be read by a Qdrant server, ` +
          `and the one calm is configured for is unreachable (${(e as Error).message}). Start it (or point CALM_QDRANT_URL at one) and ` +
          `run this again, or pass --skip-qdrant to import only the SQLite part. Nothing was changed.`,
        { cause: e },
      );
    }
  }

  const safety = existsSync(config.paths.database)
    ? await createBackup(config, { kind: 'safety', reason: `before importing CALM's backup '${name}'` })
    : null;

  const staging = stagingDir(config);
  const temps: string[] = [];
  // temporary collections of restores that were killed
  for (const c of existing) {
    const pid = /^calm-restore-(\d+)-/.exec(c)?.[1];
    if (pid && !isProcessAlive(Number(pid))) await snapshots.deleteCollection(c).catch(() => undefined);
  }
  let imported: ImportCalmResult;
  try {
    const tmpDb = join(staging, SQLITE_FILE);
    closeSync(openSync(tmpDb, 'a', 0o600));
    const sources = new Map<string, string>();
    for (const c of upload) {
      const temp = tempCollection(c);
      const file = join(backup.qdrantDir!, `${c}${SNAPSHOT_SUFFIX}`);
      temps.push(temp);
      await snapshots.uploadSnapshot(temp, file, sha256File(file));
      sources.set(c, temp);
    }
    // calm's stores on the staging database, opened by the composition root (src/app-settings.ts)
    const app = config.importTargets.open(tmpDb);
    try {
      imported = await importCalm(app, { qdrantUrl: config.qdrantUrl, qdrantApiKey: config.qdrantApiKey || undefined, db: backup.db, dbExplicit: true, sources });
    } finally {
      await app.close();
    }
    await new SqliteBackupSource(config.paths.database).restore(staging);
  } catch (e) {
    const keep = safety ? ` The current state is also in backup '${safety.name}'.` : '';
    if (e instanceof CalmError) throw new CalmError(e.type, `${e.message}; the calm store is unchanged.${keep}`, { cause: e });
    throw e;
  } finally {
    rmSync(staging, { recursive: true, force: true });
    for (const t of temps) await snapshots.deleteCollection(t).catch(() => undefined);
  }
  const daemon = daemonStatus(config);
  return {
    kind: 'calm',
    name,
    safety_backup: safety?.name ?? null,
    restored: [{ source: 'calm-import', detail: `imported CALM's backup into ${config.paths.database}` }],
    not_included: [...notIncluded, ...imported.skipped.map((s) => ({ what: s.what, reason: s.reason }))],
    records: imported.collections.reduce((s, c) => s + c.imported, 0),
    daemon_pid: daemon.running ? (daemon.pid ?? null) : null,
    imported: { collections: imported.collections, tables: imported.tables },
  };
}
