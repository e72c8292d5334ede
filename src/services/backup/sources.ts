/** @module Which sources make up a backup for a backend; with Qdrant, the JSONL export reads through the Qdrant record store. */
import type { FullBackupSettings, QdrantSettings } from '../settings.js';
import type { ImportDeps } from './export-import.js';
import { QdrantBackupSource } from './qdrant-source.js';
import { QdrantSnapshotClient } from './qdrant-snapshots.js';
import type { BackupSource } from './source.js';
import { SqliteBackupSource } from './sqlite-source.js';

export function qdrantClient(config: QdrantSettings): QdrantSnapshotClient {
  return new QdrantSnapshotClient(config.qdrantUrl, config.qdrantApiKey ? { apiKey: config.qdrantApiKey } : {});
}

export function backupSources(
  config: FullBackupSettings,
  backend: 'embedded' | 'qdrant' = config.vectorBackend,
  qdrantStore?: ImportDeps,
): BackupSource[] {
  const sqlite = new SqliteBackupSource(config.paths.database);
  if (backend !== 'qdrant') return [sqlite];
  return [sqlite, new QdrantBackupSource(qdrantClient(config), qdrantStore ?? config.stores.qdrant())];
}
