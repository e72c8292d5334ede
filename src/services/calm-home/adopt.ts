/**
 * @module `calm init` on a CALM home: bringing it over without losing anything.
 *
 * 1. CALM's files are copied byte for byte into `calm-original-<UTC time>/` and verified (preserve.ts).
 * 2. calm's database is built in a temporary file beside CALM's: CALM's Qdrant collections (when
 *    reachable), its SQLite tables and its GHAP journal are imported into it.
 * 3. Only then are CALM's `metadata.db` (with `-wal`/`-shm`) moved out and calm's moved in (renames in
 *    one folder), and config.yaml is replaced by calm's, translated from CALM's. Until that point
 *    nothing of CALM's has been touched, and a failure removes what was made; a failure during the swap
 *    puts CALM's files back.
 * 4. Templates missing from roles/, workflows/ and skills/ are added; CALM's own are kept as they are.
 *
 * CALM's copy stays in the home; `calm restore-calm` puts it back (preserve.ts).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { translateCalmConfig, type TranslatedCalmConfig } from '../../calm-env.js';
import { renderConfigDocument } from '../../config-file.js';
import type { EmbedderLoadOptions } from '../../embedding/registry.js';
import { CalmError } from '../../errors.js';
import { writeFileAtomic } from '../../fs-atomic.js';
import { isProcessAlive, readPidFile } from '../daemon.js';
import { selectEmbedder } from '../embedder-selection.js';
import { type ImportCalmResult, importCalm, type ImportTarget } from '../import-calm.js';
import type { EmbedderSettings, QdrantSettings } from '../settings.js';
import type { CalmPaths } from '../../paths.js';
import { installTemplates, type TemplateInstall } from '../templates.js';
import { type CalmHomeEvidence, detectCalmHome } from './detect.js';
import { importCalmJournal, type JournalImport } from './journal-import.js';
import { preserveOriginals, utcStamp } from './preserve.js';

export interface AdoptResult {
  readonly adopted: true;
  readonly home: string;
  readonly evidence: string[];
  readonly originals: { readonly dir: string; readonly files: number; readonly verified: true };
  readonly database: string;
  readonly embedder: { readonly setting: string; readonly id: string; readonly reason: string };
  readonly qdrant: { readonly url: string; readonly imported: boolean; readonly error: string | null; readonly import_later: string | null };
  readonly collections: ImportCalmResult['collections'];
  readonly tables: ImportCalmResult['tables'];
  readonly ghap_entries_from_qdrant: number;
  readonly journal: JournalImport;
  readonly config: { readonly mapped: TranslatedCalmConfig['mapped']; readonly not_carried: TranslatedCalmConfig['notCarried'] };
  readonly templates: TemplateInstall;
  readonly skipped: { what: string; reason: string }[];
  readonly restore_command: string;
}

function readCalmConfigFile(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  try {
    const doc = parseYaml(readFileSync(file, 'utf8')) as unknown;
    return doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>) : {};
  } catch (e) {
    throw new CalmError('config_error', `CALM's ${file} is not valid YAML (${(e as Error).message.split('\n')[0]}); nothing was changed`);
  }
}

/** What adoption reads: the home's paths, CALM's Qdrant and the embedder choice. */
export interface AdoptSettings extends EmbedderSettings, QdrantSettings {
  readonly paths: CalmPaths;
}

/** What the composition root hands adoption (src/app.ts, adoptionDeps). */
export interface AdoptDeps<S extends AdoptSettings> {
  /** calm's settings for the home once `doc` (CALM's config.yaml, translated) is its config file. */
  settingsFor(doc: Record<string, unknown>): S;
  /** The stores and services the import writes through, on `database` with the embedder `embedder`. */
  openTarget(settings: S, database: string, embedder: string): ImportTarget & { close(): Promise<void> };
}

/** CALM's server holds its database open: adopting under it would lose its next writes. */
function assertCalmServerStopped(home: string): void {
  const pid = readPidFile(join(home, 'server.pid'));
  if (pid !== undefined && pid !== process.pid && isProcessAlive(pid)) {
    throw new CalmError('validation_error', `A server is running on this home (PID ${pid}, ${join(home, 'server.pid')}): stop CALM's server first; nothing was changed`);
  }
}

/** Renames `from` → `to` for each pair, undoing the ones done if one fails. */
function renameAll(pairs: readonly [string, string][]): () => void {
  const done: [string, string][] = [];
  try {
    for (const [a, b] of pairs) {
      renameSync(a, b);
      done.push([a, b]);
    }
  } catch (e) {
    for (const [a, b] of done.reverse()) renameSync(b, a);
    throw e;
  }
  return () => {
    for (const [a, b] of [...done].reverse()) renameSync(b, a);
  };
}

export async function adoptCalmHome<S extends AdoptSettings>(
  deps: AdoptDeps<S>,
  home: string,
  options: { evidence?: CalmHomeEvidence; onProgress?: EmbedderLoadOptions['onProgress'] } = {},
): Promise<AdoptResult> {
  const evidence = options.evidence ?? (await detectCalmHome(home));
  if (!evidence) throw new CalmError('validation_error', `${home} is not a CALM home`);
  assertCalmServerStopped(home);
  const dbFile = join(home, 'metadata.db');
  const configFile = join(home, 'config.yaml');
  const translated = translateCalmConfig(readCalmConfigFile(configFile));
  const base = deps.settingsFor(translated.doc);

  const preserved = preserveOriginals(home);
  const stamp = utcStamp();
  const tmpDb = join(home, `.metadata.db.calm-adopt-${stamp}.tmp`);
  const cleanTmp = (): void => {
    for (const s of ['', '-wal', '-shm', '-journal']) rmSync(tmpDb + s, { force: true });
  };
  let result: Omit<AdoptResult, 'templates'>;
  try {
    const selection = await selectEmbedder(base, options.onProgress);
    const embedderSetting = selection.setting;
    await selection.embedder.dispose?.();
    const app = deps.openTarget(base, tmpDb, embedderSetting);
    let imported: ImportCalmResult;
    let journal: JournalImport;
    try {
      imported = await importCalm(app, {
        qdrantUrl: base.qdrantUrl, qdrantApiKey: base.qdrantApiKey || undefined, db: dbFile, qdrantOptional: true,
      });
      journal = await importCalmJournal(app, join(home, 'journal'));
    } finally {
      await app.close();
    }
    const qdrantDone = imported.qdrant_unreachable === null;
    result = {
      adopted: true, home, evidence: evidence.signs,
      originals: { dir: preserved.dir, files: preserved.manifest.files.length, verified: true },
      database: dbFile,
      embedder: { setting: embedderSetting, id: imported.embedder, reason: selection.reason },
      qdrant: {
        url: base.qdrantUrl, imported: qdrantDone, error: imported.qdrant_unreachable,
        import_later: qdrantDone ? null : `calm import-calm --qdrant-url ${base.qdrantUrl} --db ${join(preserved.dir, 'metadata.db')}`,
      },
      collections: imported.collections, tables: imported.tables, ghap_entries_from_qdrant: imported.ghap_entries, journal,
      config: { mapped: translated.mapped, not_carried: translated.notCarried },
      skipped: [...imported.skipped, ...journal.skipped, ...journal.damaged.map((d) => ({ what: d, reason: 'damaged (not valid JSON)' }))],
      restore_command: `calm restore-calm ${preserved.dir}`,
    };

    // the swap: CALM's database files out (their copies are verified in the preserved folder), calm's in
    const aside = join(home, `.calm-adopt-${stamp}`);
    mkdirSync(aside, { mode: 0o700 });
    const moves: [string, string][] = ['metadata.db', 'metadata.db-wal', 'metadata.db-shm']
      .filter((f) => existsSync(join(home, f)))
      .map((f) => [join(home, f), join(aside, f)]);
    const undo = renameAll([...moves, [tmpDb, dbFile]]);
    try {
      writeFileAtomic(configFile, renderConfigDocument(translated.doc, { embedder: embedderSetting }));
    } catch (e) {
      undo();
      rmSync(aside, { recursive: true, force: true });
      throw e;
    }
    rmSync(aside, { recursive: true, force: true });
  } catch (e) {
    cleanTmp();
    rmSync(preserved.dir, { recursive: true, force: true });
    throw e;
  }
  for (const dir of [base.paths.workflows, base.paths.roles, base.paths.sessions, base.paths.skills, base.paths.journal, base.paths.backups, base.paths.models]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
  return { ...result, templates: installTemplates(home) };
}
