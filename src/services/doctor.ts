/**
 * @module `calm doctor`: checks the database, every collection's vectors and keyword index, and that
 * every collection was built by the configured embedder. Each problem carries the command that fixes it.
 */
import type { Embedder } from '../embedding/embedder.js';
import { type EmbedderChoice, isAvailableOffline } from '../embedding/registry.js';
import type { CalmPaths } from '../paths.js';
import type { Db } from '../store/db.js';
import type { RecordStore } from '../store/records/record-store.js';
import { findLoosePermissions, octal } from './home-permissions.js';
import { SCHEMA_VERSION } from '../store/migrations.js';
import { schemaVersion } from '../store/db.js';
import { integrityProblems } from '../store/db-file.js';
import { describeRecovery, readJournal, type RecoveryOutcome, recoverInterruptedRestore, type RestoreJournal } from './backup/restore-journal.js';
import { isProcessAlive } from './daemon.js';

/** What the checks read and the repair writes through: an App satisfies it. */
export interface DoctorDeps {
  readonly settings: { readonly paths: Pick<CalmPaths, 'home' | 'database' | 'models'>; readonly modelDownload: boolean };
  readonly db: Db;
  readonly records: RecordStore;
  readonly embedderChoice: EmbedderChoice;
  embedder(): Promise<Embedder>;
}

export type CheckStatus = 'ok' | 'warning' | 'problem';

export interface DoctorCheck {
  readonly name: string;
  readonly status: CheckStatus;
  readonly detail: string;
  readonly fix?: string;
}

export interface DoctorReport {
  readonly healthy: boolean;
  readonly checks: DoctorCheck[];
}

const sample = (ids: readonly string[]): string => ids.slice(0, 5).join(', ') + (ids.length > 5 ? `, … (${ids.length} in all)` : '');

/** The restore journal, or why it cannot be read. */
function peekJournal(home: string): RestoreJournal | null | Error {
  try {
    return readJournal(home);
  } catch (e) {
    return e as Error;
  }
}

/**
 * A restore killed half way (restore-journal.ts): the store completes or undoes it on its first use, so
 * the journal is read before the checks use the store and again after.
 */
function restoreCheck(before: RestoreJournal | null | Error, now: RestoreJournal | null | Error): DoctorCheck {
  const name = 'interrupted restore';
  if (now instanceof Error) return { name, status: 'problem', detail: now.message, fix: 'move the journal away, then run `calm doctor --fix`' };
  if (now) {
    if (isProcessAlive(now.pid)) return { name, status: 'warning', detail: describeRecovery({ action: 'running', journal: now }) };
    return {
      name, status: 'problem',
      detail: `the restore of '${now.backup}' was interrupted ${now.phase === 'committed' ? 'after' : 'before'} its commit point and is not completed yet`,
      fix: 'run `calm doctor --fix` (it needs the Qdrant server)',
    };
  }
  if (before && !(before instanceof Error)) {
    const action = before.phase === 'committed' ? 'rolled-forward' : 'rolled-back';
    return { name, status: 'ok', detail: `${describeRecovery({ action, journal: before })}, when the store was opened` };
  }
  return { name, status: 'ok', detail: 'no interrupted restore' };
}

/** `doctor --fix`: completes or undoes a restore whose process was killed (Qdrant backend; nothing to do on the embedded one). */
export async function repairInterruptedRestore(app: Pick<DoctorDeps, 'settings' | 'records'>): Promise<RecoveryOutcome> {
  const snapshots = app.records.snapshots;
  if (!snapshots) return { action: 'none' };
  const before = readJournal(app.settings.paths.home);
  const outcome = await recoverInterruptedRestore({ home: app.settings.paths.home, database: app.settings.paths.database, snapshots });
  // the store's first use (this very call) may have done it already
  if (outcome.action === 'none' && before && !isProcessAlive(before.pid)) {
    return { action: before.phase === 'committed' ? 'rolled-forward' : 'rolled-back', journal: before };
  }
  return outcome;
}

export async function runDoctor(app: DoctorDeps): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  const journalBefore = peekJournal(app.settings.paths.home);
  const integrity = integrityProblems(app.db);
  checks.push(
    integrity.length === 0
      ? { name: 'sqlite integrity', status: 'ok', detail: 'integrity_check: ok' }
      : {
          name: 'sqlite integrity',
          status: 'problem',
          detail: integrity.join('; '),
          fix: 'restore a backup: `calm backup list`, then `calm backup restore NAME`',
        },
  );

  const version = schemaVersion(app.db);
  checks.push(
    version === SCHEMA_VERSION
      ? { name: 'schema version', status: 'ok', detail: `schema ${version}` }
      : { name: 'schema version', status: 'problem', detail: `schema ${version}, expected ${SCHEMA_VERSION}`, fix: 'run `calm init`' },
  );

  const loose = findLoosePermissions(app.settings.paths.home);
  checks.push(
    loose.length === 0
      ? { name: 'file permissions', status: 'ok', detail: `everything under ${app.settings.paths.home} is owner-only` }
      : {
          name: 'file permissions',
          status: 'problem',
          detail: `${loose.length} path(s) readable by others: ${loose.slice(0, 5).map((p) => `${p.path} (${octal(p.mode)})`).join(', ')}${loose.length > 5 ? ', …' : ''}`,
          fix: 'run `calm doctor --fix` (folders become 0700, files lose group and other bits)',
        },
  );

  const configured = app.embedderChoice;
  const offline = await isAvailableOffline(configured, app.settings.paths.models);
  checks.push(
    offline
      ? { name: 'embedder', status: 'ok', detail: `${configured.id} is available on this machine` }
      : {
          name: 'embedder',
          status: 'warning',
          detail: `${configured.id} weights are not in ${app.settings.paths.models}; they will be downloaded on first use`,
          fix: app.settings.modelDownload ? 'run `calm init` to download them now' : 'allow downloads (CALM_MODEL_DOWNLOAD=true) or set CALM_EMBEDDER=hash',
        },
  );

  for (const info of await app.records.listCollections()) {
    const prefix = `collection ${info.name}`;
    if (info.embedder !== configured.id) {
      checks.push({
        name: `${prefix}: embedder`,
        status: 'problem',
        detail: `built with ${info.embedder} (${info.dim}-d), but calm is configured for ${configured.id}`,
        fix: `run \`calm reembed\` (or set CALM_EMBEDDER back to the embedder it was built with)`,
      });
    } else {
      checks.push({ name: `${prefix}: embedder`, status: 'ok', detail: `${info.embedder}, ${info.dim}-d, ${info.count} records` });
    }
    if (info.pending) {
      checks.push({
        name: `${prefix}: re-embedding`,
        status: 'warning',
        detail: `an interrupted re-embedding to ${info.pending.embedder} is ${info.pending.done}/${info.count} done`,
        fix: 'run `calm reembed` to finish it',
      });
    }
    const report = await app.records.checkConsistency(info.name);
    if (report.missingVectors.length > 0 || report.orphanVectors > 0) {
      const parts = [];
      if (report.missingVectors.length > 0) parts.push(`${report.missingVectors.length} records have no vector (${sample(report.missingVectors)})`);
      if (report.orphanVectors > 0) parts.push(`${report.orphanVectors} vectors have no record`);
      checks.push({ name: `${prefix}: vectors`, status: 'problem', detail: parts.join('; '), fix: 'run `calm doctor --fix`' });
    } else {
      checks.push({ name: `${prefix}: vectors`, status: 'ok', detail: 'every record has its vector and every vector its record' });
    }
    checks.push(
      report.keywordIndexMismatch > 0
        ? { name: `${prefix}: keyword index`, status: 'problem', detail: `${report.keywordIndexMismatch} entries out of step`, fix: 'run `calm doctor --fix`' }
        : { name: `${prefix}: keyword index`, status: 'ok', detail: 'in step with the records' },
      report.nearDuplicateIndexMismatch > 0
        ? { name: `${prefix}: duplicate index`, status: 'problem', detail: `${report.nearDuplicateIndexMismatch} entries out of step with the vectors`, fix: 'run `calm doctor --fix`' }
        : { name: `${prefix}: duplicate index`, status: 'ok', detail: 'in step with the vectors' },
    );
  }
  checks.push(restoreCheck(journalBefore, peekJournal(app.settings.paths.home)));
  return { healthy: checks.every((c) => c.status !== 'problem'), checks };
}

export interface RepairResult {
  readonly collection: string;
  readonly orphanVectorsRemoved: number;
  readonly vectorsRecomputed: number;
  readonly skipped?: string;
}

/** Repairs what can be repaired without data loss: orphan vectors, the keyword index, missing vectors. */
export async function repairCollections(app: Omit<DoctorDeps, 'settings' | 'db'>): Promise<RepairResult[]> {
  const results: RepairResult[] = [];
  for (const info of await app.records.listCollections()) {
    const report = await app.records.checkConsistency(info.name);
    if (report.missingVectors.length === 0 && report.orphanVectors === 0 && report.keywordIndexMismatch === 0 && report.nearDuplicateIndexMismatch === 0) continue;
    const { orphanVectorsRemoved } = await app.records.repair(info.name);
    let vectorsRecomputed = 0;
    let skipped: string | undefined;
    if (report.missingVectors.length > 0) {
      if (info.embedder !== app.embedderChoice.id) {
        skipped = `missing vectors need ${info.embedder}, but calm is configured for ${app.embedderChoice.id}; run \`calm reembed\``;
      } else {
        const embedder = await app.embedder();
        for (let i = 0; i < report.missingVectors.length; i += 64) {
          const records = await app.records.get(info.name, report.missingVectors.slice(i, i + 64));
          const vectors = await embedder.embed(records.map((r) => r.text));
          await app.records.upsert(info.name, records.map((r, j) => ({ id: r.id, text: r.text, payload: r.payload, vector: vectors[j]! })));
          vectorsRecomputed += records.length;
        }
      }
    }
    results.push({ collection: info.name, orphanVectorsRemoved, vectorsRecomputed, ...(skipped ? { skipped } : {}) });
  }
  return results;
}
