/**
 * @module `calm migrate --to qdrant|embedded`: moves every record, with its vector, from the backend in
 * use to the other one, checks the copy, then switches the configuration. Relational tables stay in
 * SQLite either way.
 *
 * The source is only ever read, so an interrupted migration loses nothing: calm keeps using the source
 * until the switch, which is the last step. Running the command again resumes: a state file in
 * CALM_HOME records the collections already copied and checked, and upserts are idempotent for the one
 * that was under way. The target ends up a mirror of the source: records it holds that the source does
 * not (left from an earlier stay on that backend) are removed from it.
 *
 * Check: every collection's count in the target equals the source's, and a sample of records (up to
 * SAMPLE per collection, spread over the whole id range) have the same text, payload and vector bits.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { CalmError } from '../errors.js';
import { openDatabase } from '../store/db.js';
import type { CollectionInfo, RecordStore, StoredRecord } from '../store/records/record-store.js';
import { nowIso } from '../store/time.js';
import { type ConfigFileAction, setConfigValue } from '../config-file.js';
import type { CalmPaths } from '../paths.js';
import { daemonStatus } from './daemon.js';
import type { Backend, QdrantSettings, RecordStores, SettingSource } from './settings.js';

/** The backends on both sides, where the resume state and config.yaml live, and the record stores. */
export interface MigrateSettings extends QdrantSettings {
  readonly paths: Pick<CalmPaths, 'home' | 'database' | 'configFile' | 'pidFile'>;
  readonly vectorBackend: Backend;
  readonly sources: { readonly [K in 'vectorBackend' | 'qdrantUrl' | 'qdrantApiKey']: SettingSource };
  readonly stores: RecordStores;
}

const PAGE = 256;
const SAMPLE = 32;

export interface MigrateProgress {
  readonly collection: string;
  readonly done: number;
  readonly total: number;
}

export interface MigrateOptions {
  readonly onProgress?: (p: MigrateProgress) => void | Promise<void>;
  /** Records per page (default 256). */
  readonly pageSize?: number;
  /** Test hook: called after each copied page; throwing simulates an interruption. */
  readonly afterPage?: (p: MigrateProgress) => void;
}

export interface MigratedCollection {
  readonly collection: string;
  readonly embedder: string;
  readonly dim: number;
  readonly records: number;
  /** Records the target held that the source does not (removed from the target). */
  readonly removed: number;
  readonly sampled: number;
  readonly status: 'copied' | 'already copied' | 'empty';
}

export interface MigrateResult {
  readonly from: Backend;
  readonly to: Backend;
  readonly target: string;
  readonly resumed: boolean;
  readonly collections: MigratedCollection[];
  readonly config_file: ConfigFileAction;
  /** What the user still has to do (environment overrides, a running daemon). */
  readonly notes: string[];
}

interface MigrationState {
  readonly from: Backend;
  readonly to: Backend;
  readonly started_at: string;
  readonly verified: string[];
}

const statePath = (config: MigrateSettings): string => join(config.paths.home, 'migrate-state.json');

function readState(config: MigrateSettings, from: Backend, to: Backend): MigrationState | undefined {
  try {
    const s = JSON.parse(readFileSync(statePath(config), 'utf8')) as MigrationState;
    return s.from === from && s.to === to && Array.isArray(s.verified) ? s : undefined;
  } catch {
    return undefined;
  }
}

function writeState(config: MigrateSettings, state: MigrationState): void {
  const file = statePath(config);
  writeFileSync(`${file}.tmp`, JSON.stringify(state, null, 2), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

export function describeBackend(config: MigrateSettings, backend: Backend): string {
  return backend === 'qdrant' ? `Qdrant at ${config.qdrantUrl}` : `the embedded store (${config.paths.database})`;
}

/** All ids of a collection, in the store's id order. */
async function allIds(store: RecordStore, name: string): Promise<string[]> {
  const ids: string[] = [];
  for (let offset = 0; ; offset += 5000) {
    const page = await store.scroll(name, { limit: 5000, offset });
    ids.push(...page.map((r) => r.id));
    if (page.length < 5000) return ids;
  }
}

const sameVector = (a: Float32Array | undefined, b: Float32Array | undefined): boolean =>
  a !== undefined && b !== undefined && a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;

function sameRecord(a: StoredRecord, b: StoredRecord): boolean {
  return a.id === b.id && a.text === b.text && isDeepStrictEqual(a.payload, b.payload) && sameVector(a.vector, b.vector);
}

async function verify(source: RecordStore, target: RecordStore, info: CollectionInfo, ids: readonly string[]): Promise<number> {
  const count = await target.count(info.name);
  if (count !== ids.length) {
    throw new CalmError('storage_error', `Migration check failed for '${info.name}': the target holds ${count} records, the source ${ids.length}; run \`calm migrate\` again`);
  }
  // spread over the id range, so the first and last pages are always looked at
  const step = Math.max(1, Math.floor(ids.length / SAMPLE));
  const sample = [...new Set([...ids.filter((_, i) => i % step === 0).slice(0, SAMPLE), ...ids.slice(-1)])];
  const [a, b] = await Promise.all([source.get(info.name, sample, { withVectors: true }), target.get(info.name, sample, { withVectors: true })]);
  const byId = new Map(b.map((r) => [r.id, r]));
  for (const r of a) {
    const t = byId.get(r.id);
    if (!t || !sameRecord(r, t)) {
      throw new CalmError('storage_error', `Migration check failed for '${info.name}': record '${r.id}' differs in the target; run \`calm migrate\` again`);
    }
  }
  return sample.length;
}

async function copyCollection(
  source: RecordStore,
  target: RecordStore,
  info: CollectionInfo,
  options: MigrateOptions,
): Promise<{ ids: string[]; removed: number }> {
  // vectors are copied as they are, so the target collection is built for the source's embedder
  await target.ensureCollection(info.name, { embedder: info.embedder, dim: info.dim });
  const ids: string[] = [];
  const size = options.pageSize ?? PAGE;
  for (let offset = 0; ; offset += size) {
    const page = await source.scroll(info.name, { limit: size, offset, withVectors: true });
    if (page.length > 0) {
      await target.upsert(info.name, page.map((r) => ({ id: r.id, text: r.text, payload: r.payload, vector: r.vector! })));
    }
    ids.push(...page.map((r) => r.id));
    const progress = { collection: info.name, done: ids.length, total: info.count };
    await options.onProgress?.(progress);
    options.afterPage?.(progress);
    if (page.length < size) break;
  }
  const keep = new Set(ids);
  const stale = (await allIds(target, info.name)).filter((id) => !keep.has(id));
  const removed = stale.length > 0 ? await target.delete(info.name, { ids: stale }) : 0;
  return { ids, removed };
}

export async function migrateBackend(config: MigrateSettings, to: Backend, options: MigrateOptions = {}): Promise<MigrateResult> {
  const from = config.vectorBackend;
  if (from === to) throw new CalmError('validation_error', `calm already uses the ${to} backend; nothing to migrate`);
  if (!existsSync(config.paths.database)) throw new CalmError('not_found', `calm is not initialized at ${config.paths.home}; run \`calm init\` first`);
  const db = openDatabase(config.paths.database);
  const source = config.stores.open(from, db);
  const target = config.stores.open(to, db);
  try {
    const collections = await source.listCollections();
    await target.listCollections(); // fails early, before any copy, when the target cannot be reached
    const busy = collections.filter((c) => c.pending);
    if (busy.length > 0) {
      throw new CalmError('validation_error', `Re-embedding is in progress for ${busy.map((c) => c.name).join(', ')}: finish it with \`calm reembed\` first`);
    }
    const previous = readState(config, from, to);
    const state: MigrationState = previous ?? { from, to, started_at: nowIso(), verified: [] };
    writeState(config, state);
    const results: MigratedCollection[] = [];
    for (const info of collections) {
      const base = { collection: info.name, embedder: info.embedder, dim: info.dim };
      if (state.verified.includes(info.name)) {
        // copied and checked by the interrupted run; checked again, since calm may have been used meanwhile
        const ids = await allIds(source, info.name);
        const sampled = await verify(source, target, info, ids).catch(() => undefined);
        if (sampled !== undefined) {
          results.push({ ...base, records: ids.length, removed: 0, sampled, status: 'already copied' });
          continue;
        }
      }
      const { ids, removed } = await copyCollection(source, target, info, options);
      const sampled = await verify(source, target, info, ids);
      state.verified.push(info.name);
      writeState(config, state);
      results.push({ ...base, records: ids.length, removed, sampled, status: ids.length === 0 ? 'empty' : 'copied' });
    }

    // the switch comes last: until here calm kept using the source
    const action = setConfigValue(config, 'vectorBackend', to);
    const notes: string[] = [];
    if (to === 'qdrant' && config.sources.qdrantUrl === 'environment') setConfigValue(config, 'qdrantUrl', config.qdrantUrl);
    if (to === 'qdrant' && config.sources.qdrantApiKey === 'environment') {
      notes.push('The Qdrant API key came from CALM_QDRANT_API_KEY and was not written to config.yaml: keep it in the environment.');
    }
    if (config.sources.vectorBackend === 'environment') {
      notes.push(`CALM_VECTOR_BACKEND=${from} in your environment still overrides config.yaml: set it to ${to} or unset it.`);
    }
    const daemon = daemonStatus(config);
    if (daemon.running) notes.push(`The calm server (PID ${daemon.pid}) still uses the ${from} backend: restart it with \`calm server restart\`.`);
    notes.push(`The records also stay in ${describeBackend(config, from)}; nothing was deleted there.`);
    rmSync(statePath(config), { force: true });
    return { from, to, target: describeBackend(config, to), resumed: previous !== undefined, collections: results, config_file: action, notes };
  } finally {
    await source.close();
    await target.close();
    db.close();
  }
}
