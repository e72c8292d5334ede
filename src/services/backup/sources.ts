/**
 * @module Which sources make up a backup for a backend. With Qdrant, the snapshots are the Qdrant
 * record store's snapshot capability and the JSONL export reads through that store.
 */
import { CalmError } from '../../errors.js';
import type { RecordStore, SnapshotCapability } from '../../store/records/record-store.js';
import type { FullBackupSettings } from '../settings.js';
import type { ImportDeps } from './export-import.js';
import { QdrantBackupSource } from './qdrant-source.js';
import type { BackupSource } from './source.js';
import { SqliteBackupSource } from './sqlite-source.js';

/** A record store's snapshot capability; a backend without one is refused clearly, not half-used. */
export function snapshotsOf(records: RecordStore): SnapshotCapability {
  if (!records.snapshots) throw new CalmError('internal_error', `The ${records.backend} record store cannot take collection snapshots`);
  return records.snapshots;
}

/** The snapshots of the Qdrant server calm is configured for (CALM_QDRANT_URL). */
export function qdrantSnapshots(config: Pick<FullBackupSettings, 'stores'>): SnapshotCapability {
  return snapshotsOf(config.stores.qdrant().records);
}

export function backupSources(
  config: FullBackupSettings,
  backend: 'embedded' | 'qdrant' = config.vectorBackend,
  qdrantStore?: ImportDeps,
): BackupSource[] {
  const sqlite = new SqliteBackupSource(config.paths.database);
  if (backend !== 'qdrant') return [sqlite];
  const store = config.stores.qdrant();
  return [sqlite, new QdrantBackupSource(snapshotsOf(store.records), qdrantStore ?? store)];
}
