/**
 * @module `calm import-calm`: brings an existing CALM installation into calm. From CALM's Qdrant: the
 * memories, GHAP axes and values (calm-collections.ts), written into whichever backend calm uses; from
 * CALM's SQLite file: the orchestration tables, sessions and journal (sqlite-tables.ts). Resolved GHAP
 * entries also become rows of calm's `ghap_entries`, written with their axis records as one unit.
 *
 * Vectors: CALM embedded these collections with nomic-embed-text-v1.5 (768-d, no task prefix). calm's
 * `nomic` preset uses the model's task prompts, so that is another embedding: CALM's vectors are kept
 * only for an embedder with CALM's very id, and otherwise the texts are embedded again, since calm
 * never mixes embedders in a collection.
 *
 * A dry run reads everything and reports what would come in (per collection and table, and how much of
 * it calm already has), writing nothing. A real run can be repeated: records are upserted by id and
 * table rows that calm already has are skipped.
 */
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import type { Embedder } from '../embedding/embedder.js';
import type { EmbedderChoice } from '../embedding/registry.js';
import { CalmError } from '../errors.js';
import type { Db } from '../store/db.js';
import { privateCopy } from '../store/db-file.js';
import { GhapRepository } from '../store/ghap-repository.js';
// CALM's server is a source to read, not calm's record store: a plain client for it
import { createQdrantClient, qdrantError } from '../store/records/qdrant/client.js';
import type { RecordInput, RecordStore } from '../store/records/record-store.js';
import { CollectionGuard } from './collection-guard.js';
import { type CalmPoint, IMPORTED_COLLECTIONS, readCalmCollection, SKIPPED_COLLECTIONS } from './import-calm/calm-collections.js';
import { importCalmTables, insertGhapEntries, skippedTables, type TableImport } from './import-calm/sqlite-tables.js';

/** CALM's defaults. */
export const CALM_QDRANT_URL = 'http://localhost:6333';
const CALM_DIM = 768;

export interface ImportCalmOptions {
  readonly qdrantUrl?: string | undefined;
  readonly qdrantApiKey?: string | undefined;
  /** CALM's database; when it was not named explicitly a missing file is reported, not an error. */
  readonly db: string;
  readonly dbExplicit?: boolean;
  readonly dryRun?: boolean;
  /** Go on without CALM's Qdrant when it cannot be reached (the result says so), instead of failing. */
  readonly qdrantOptional?: boolean;
  readonly onProgress?: (p: { collection: string; done: number; total: number }) => void | Promise<void>;
  /**
   * Which Qdrant collection to read each CALM collection from (default: the same name, all of
   * IMPORTED_COLLECTIONS); an empty map reads nothing from Qdrant. A restored CALM backup's snapshots
   * are recovered into temporary collections and read through this.
   */
  readonly sources?: ReadonlyMap<string, string>;
}

export interface CollectionImport {
  readonly collection: string;
  readonly found: number;
  /** Records calm does not have yet. */
  readonly new: number;
  readonly imported: number;
  readonly reembedded: number;
}

export interface ImportCalmResult {
  readonly dry_run: boolean;
  readonly qdrant_url: string;
  readonly db: string;
  readonly embedder: string;
  readonly vectors: 'kept' | 're-embedded';
  readonly collections: CollectionImport[];
  readonly ghap_entries: number;
  readonly tables: TableImport[];
  readonly skipped: { what: string; reason: string }[];
  /** Why CALM's Qdrant was not read (only with `qdrantOptional`); null when it was. */
  readonly qdrant_unreachable: string | null;
}

/** Where the import writes: calm's database, record store and embedder (an App satisfies it). */
export interface ImportTarget {
  readonly settings: { readonly qdrantUrl: string; readonly paths: { readonly database: string } };
  readonly db: Db;
  readonly records: RecordStore;
  readonly embedderChoice: EmbedderChoice;
  embedder(): Promise<Embedder>;
}

const BATCH = 64;
/** The embedder id of CALM's own vectors: nomic-embed-text-v1.5 without prompts. */
const CALM_EMBEDDER_ID = 'onnx:nomic-ai/nomic-embed-text-v1.5';
const sameUrl = (a: string, b: string): boolean => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

export async function importCalm(app: ImportTarget, options: ImportCalmOptions): Promise<ImportCalmResult> {
  const url = options.qdrantUrl ?? CALM_QDRANT_URL;
  const dryRun = options.dryRun ?? false;
  const dbPath = resolve(options.db);
  const skipped: { what: string; reason: string }[] = [];
  const choice = app.embedderChoice;
  // CALM's vectors are kept only for the very embedding CALM made (nomic, mean pooling, no task prefix);
  // calm's nomic preset uses the model's search_query/search_document prompts, so it embeds again
  const keepVectors = choice.id === CALM_EMBEDDER_ID;

  if (app.records.backend === 'qdrant' && sameUrl(url, app.settings.qdrantUrl)) {
    throw new CalmError(
      'validation_error',
      `CALM's collections are on the Qdrant calm itself uses (${url}), under the names calm needs. Import into the embedded backend ` +
        '(CALM_VECTOR_BACKEND=embedded calm import-calm), move CALM\'s collections out of the way (snapshot, then delete them), ' +
        'and then `calm migrate --to qdrant`.',
    );
  }
  const dbPresent = existsSync(dbPath);
  if (!dbPresent && options.dbExplicit) throw new CalmError('not_found', `No CALM database at ${dbPath}`);
  if (dbPresent && dbPath === resolve(app.settings.paths.database)) {
    throw new CalmError('validation_error', `${dbPath} is calm's own database; pass CALM's with --db`);
  }

  // read CALM's side first: an unreachable Qdrant fails the import before anything is written
  const client = await createQdrantClient({ url, apiKey: options.qdrantApiKey });
  const sourceOf = (name: string): string | undefined => (options.sources ? options.sources.get(name) : name);
  let present: string[] = [];
  let unreachable: string | null = null;
  try {
    if (options.sources?.size !== 0) present = (await client.getCollections()).collections.map((c) => c.name);
  } catch (e) {
    const err = qdrantError(e, url, 'listing collections');
    if (!options.qdrantOptional) throw err;
    unreachable = err.message;
  }
  for (const [name, reason] of Object.entries(SKIPPED_COLLECTIONS)) if (present.includes(sourceOf(name) ?? '')) skipped.push({ what: `collection ${name}`, reason });

  const guard = new CollectionGuard(app.records, () => app.embedder());
  const collections: CollectionImport[] = [];
  let ghapEntries = 0;
  for (const name of IMPORTED_COLLECTIONS) {
    const source = sourceOf(name);
    if (source === undefined || !present.includes(source)) continue;
    let total: number;
    try {
      const info = await client.getCollection(source);
      if ((info.config as { metadata?: { calm?: unknown } | null }).metadata?.calm) {
        skipped.push({ what: `collection ${name}`, reason: "it is calm's own collection, not CALM's" });
        continue;
      }
      total = (await client.count(source, { exact: true })).count;
    } catch (e) {
      throw qdrantError(e, url, `reading collection '${name}'`, name);
    }
    const exists = (await app.records.info(name)) !== null;
    let found = 0;
    let fresh = 0;
    let imported = 0;
    let reembedded = 0;
    try {
      for await (const page of readCalmCollection(client, source, BATCH, name)) {
        found += page.length;
        const known = exists ? new Set((await app.records.get(name, page.map((p) => p.id))).map((r) => r.id)) : new Set<string>();
        fresh += page.filter((p) => !known.has(p.id)).length;
        if (!dryRun && page.length > 0) {
          const done = await writePage(app, guard, name, page, keepVectors);
          imported += page.length;
          reembedded += done.reembedded;
          ghapEntries += done.ghapEntries;
        }
        await options.onProgress?.({ collection: name, done: found, total });
      }
    } catch (e) {
      if (e instanceof CalmError) throw e;
      throw qdrantError(e, url, `reading collection '${name}'`, name);
    }
    collections.push({ collection: name, found, new: fresh, imported, reembedded });
  }

  let tables: TableImport[] = [];
  if (dbPresent) {
    const copy = privateCopy(dbPath); // CALM's WAL-mode file is never opened itself
    try {
      tables = importCalmTables(app.db, copy.file, dryRun);
      for (const s of skippedTables(copy.file)) skipped.push({ what: `table ${s.table}`, reason: s.reason });
    } finally {
      copy.dispose();
    }
  } else {
    skipped.push({ what: 'CALM tables', reason: `no CALM database at ${dbPath}` });
  }
  return {
    dry_run: dryRun, qdrant_url: url, db: dbPath, embedder: choice.id, vectors: keepVectors ? 'kept' : 're-embedded',
    collections, ghap_entries: ghapEntries, tables, skipped, qdrant_unreachable: unreachable,
  };
}

/** One page into calm: vectors kept or recomputed, and for ghap_full the entry rows in the same write. */
async function writePage(
  app: ImportTarget,
  guard: CollectionGuard,
  name: string,
  page: readonly CalmPoint[],
  keepVectors: boolean,
): Promise<{ reembedded: number; ghapEntries: number }> {
  await guard.ensure(name);
  const embedder = await app.embedder();
  const keep = (p: CalmPoint): boolean => keepVectors && p.vector?.length === embedder.dim && embedder.dim === CALM_DIM;
  const redo = page.filter((p) => !keep(p));
  const vectors = redo.length > 0 ? await embedder.embed(redo.map((p) => p.text)) : [];
  const fresh = new Map(redo.map((p, i) => [p, vectors[i]!] as const));
  const records: RecordInput[] = page.map((p) => ({ id: p.id, text: p.text, payload: p.payload, vector: keep(p) ? p.vector! : fresh.get(p)! }));
  let ghapEntries = 0;
  await app.records.upsertWith([{ collection: name, records }], () => {
    if (name === 'ghap_full') ghapEntries = insertGhapEntries(new GhapRepository(app.db), page.map((p) => p.payload));
  });
  return { reembedded: redo.length, ghapEntries };
}
