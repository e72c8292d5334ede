/** @module What `calm status` reports: home, backend, embedder, collections and table counts. */
import { existsSync, statSync } from 'node:fs';
import { parseEmbedderChoice } from '../embedding/registry.js';
import type { CalmPaths } from '../paths.js';
import { type Db, schemaVersion, tableCounts } from '../store/db.js';
import type { CollectionInfo, RecordStore } from '../store/records/record-store.js';
import type { Backend, SettingSource } from './settings.js';

export interface StatusSettings {
  readonly paths: Pick<CalmPaths, 'home' | 'database'>;
  readonly vectorBackend: Backend;
  readonly embedder: string;
  readonly sources: { readonly embedder: SettingSource };
}

/** What a full report reads: an App satisfies it. */
export interface StatusDeps {
  readonly settings: StatusSettings;
  readonly db: Db;
  readonly records: RecordStore;
}

/** Whether `calm init` made the database (nothing else is opened to tell). */
export function isInitialized(settings: { readonly paths: Pick<CalmPaths, 'database'> }): boolean {
  return existsSync(settings.paths.database);
}

export interface StatusReport {
  readonly home: string;
  readonly initialized: boolean;
  readonly backend: string;
  readonly embedder: { readonly setting: string; readonly id: string; readonly source: string };
  readonly database?: { readonly path: string; readonly sizeBytes: number; readonly schemaVersion: number };
  readonly collections: CollectionInfo[];
  readonly tables: Record<string, number>;
}

export function uninitializedStatus(config: StatusSettings): StatusReport {
  return {
    home: config.paths.home,
    initialized: isInitialized(config),
    backend: config.vectorBackend,
    embedder: { setting: config.embedder, id: parseEmbedderChoice(config.embedder).id, source: config.sources.embedder },
    collections: [],
    tables: {},
  };
}

export async function statusReport(app: StatusDeps): Promise<StatusReport> {
  const config = app.settings;
  const files = [config.paths.database, `${config.paths.database}-wal`];
  const sizeBytes = files.reduce((sum, f) => sum + (statSync(f, { throwIfNoEntry: false })?.size ?? 0), 0);
  return {
    ...uninitializedStatus(config),
    initialized: true,
    database: { path: config.paths.database, sizeBytes, schemaVersion: schemaVersion(app.db) },
    collections: await app.records.listCollections(),
    tables: tableCounts(app.db),
  };
}
