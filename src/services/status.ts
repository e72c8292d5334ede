/** @module What `calm status` reports: home, backend, embedder, collections and table counts. */
import { statSync } from 'node:fs';
import { type App, isInitialized } from '../app.js';
import type { CalmConfig } from '../config.js';
import { parseEmbedderChoice } from '../embedding/registry.js';
import { schemaVersion, tableCounts } from '../store/db.js';
import type { CollectionInfo } from '../store/records/record-store.js';

export interface StatusReport {
  readonly home: string;
  readonly initialized: boolean;
  readonly backend: string;
  readonly embedder: { readonly setting: string; readonly id: string; readonly source: string };
  readonly database?: { readonly path: string; readonly sizeBytes: number; readonly schemaVersion: number };
  readonly collections: CollectionInfo[];
  readonly tables: Record<string, number>;
}

export function uninitializedStatus(config: CalmConfig): StatusReport {
  return {
    home: config.paths.home,
    initialized: isInitialized(config),
    backend: config.vectorBackend,
    embedder: { setting: config.embedder, id: parseEmbedderChoice(config.embedder).id, source: config.sources.embedder },
    collections: [],
    tables: {},
  };
}

export async function statusReport(app: App): Promise<StatusReport> {
  const { config } = app;
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
