/**
 * @module The settings services are handed by the composition root (src/app-settings.ts builds them from
 * the configuration): each service names only the paths and values it reads, with the configuration's
 * field names, so the composition root's settings object satisfies every one of them and no service
 * depends on the configuration itself.
 */
import type { Embedder } from '../embedding/embedder.js';
import type { CalmPaths } from '../paths.js';
import type { Db } from '../store/db.js';
import type { RecordStore } from '../store/records/record-store.js';
import type { ImportTarget } from './import-calm.js';

export type Backend = 'embedded' | 'qdrant';
export type SettingSource = 'default' | 'config file' | 'environment';

/** Where the daemon listens and keeps its PID and log files. */
export interface DaemonSettings {
  readonly serverHost: string;
  readonly serverPort: number;
  readonly paths: Pick<CalmPaths, 'home' | 'pidFile' | 'logFile'>;
}

/** The Qdrant server of the qdrant backend. */
export interface QdrantSettings {
  readonly qdrantUrl: string;
  readonly qdrantApiKey: string;
}

/** What picks and loads the embedder (`calm init`, adoption). */
export interface EmbedderSettings {
  readonly embedder: string;
  readonly offlineEmbedder: 'use' | 'hash';
  readonly modelDownload: boolean;
  readonly sources: { readonly embedder: SettingSource };
  readonly paths: Pick<CalmPaths, 'models' | 'configFile'>;
}

/**
 * Record stores by backend, made by the composition root, for the services that work across backends
 * (backups, migrate) and so cannot take the one the App was built with.
 */
export interface RecordStores {
  /** A record store of `backend`; the embedded one keeps its records in `db`. */
  open(backend: Backend, db: Db): RecordStore;
  /** The Qdrant record store, with the configured embedder loaded on first use (backups export and restore through it). */
  qdrant(): { readonly records: RecordStore; embedder(): Promise<Embedder> };
}

/** Where backups live. */
export interface BackupLocation {
  readonly paths: Pick<CalmPaths, 'backups'>;
}

/** What a SQLite-only backup (the pre-migration one), rotation and the catalog need. */
export interface BackupSettings extends BackupLocation {
  readonly paths: Pick<CalmPaths, 'home' | 'database' | 'backups' | 'pidFile'>;
  readonly vectorBackend: Backend;
  readonly maxBackups: number;
}

/** A backup of any backend: its sources read through the record stores. */
export interface FullBackupSettings extends BackupSettings, QdrantSettings {
  readonly stores: RecordStores;
}

/** calm's stores on another database file, made by the composition root: where an import is built before it is swapped in. */
export interface ImportTargets {
  open(database: string): ImportTarget & { close(): Promise<void> };
}

/** A restore of any backup: one of CALM's is imported into a staging database opened through `importTargets`. */
export interface RestoreSettings extends FullBackupSettings {
  readonly importTargets: ImportTargets;
}
