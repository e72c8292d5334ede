/**
 * @module The light half of the composition root: the settings every service is handed, built from the
 * configuration without opening anything. Entry points that cannot open the store yet (init, install,
 * restore-calm, backups, migrate between backends) take these; the rest ask src/app.ts for an App,
 * which is built on the same settings.
 *
 *   createAppSettings(config) → AppSettings    paths, values, the record-store factory, and the import
 *                                              targets a CALM backup's restore builds its import in
 *   createApp(config)         → App            database, record store, embedder, services
 */
import type { CalmConfig } from './config.js';
import { lazyEmbedder } from './embedding/lazy.js';
import { parseEmbedderChoice } from './embedding/registry.js';
import { type Db, openDatabase } from './store/db.js';
import { QdrantRecordStore, qdrantConnection } from './store/records/qdrant/index.js';
import type { RecordStore } from './store/records/record-store.js';
import { SqliteVecRecordStore } from './store/records/sqlite-vec/index.js';
import { withRestoreRecovery } from './services/backup/recovering-store.js';
import type { Backend, ImportTargets, RecordStores } from './services/settings.js';

/** The configuration plus what services need to reach a backend; every service's settings type is a slice of it. */
export interface AppSettings extends CalmConfig {
  readonly stores: RecordStores;
  /** calm's stores on another database file (a CALM backup's restore builds its import there). */
  readonly importTargets: ImportTargets;
}

/** The one place a record store backend is picked and built. Relational tables always stay in SQLite; only records move. */
function recordStores(config: CalmConfig): RecordStores {
  // a restore killed half way is completed or undone before the store's first use (restore-journal.ts)
  const qdrant = (): RecordStore => withRestoreRecovery(new QdrantRecordStore(qdrantConnection(config)), config.paths);
  const open = (backend: Backend, db: Db): RecordStore => (backend === 'qdrant' ? qdrant() : new SqliteVecRecordStore(db));
  return {
    open,
    qdrant: () => ({
      records: qdrant(),
      embedder: lazyEmbedder(parseEmbedderChoice(config.embedder), { modelsDir: config.paths.models, allowDownload: config.modelDownload }),
    }),
  };
}

/**
 * The database at `database` (created and migrated), the configured backend's record store on it and the
 * configured embedder: what an import needs, opened here so a restore gets it without the App.
 */
function importTargets(config: CalmConfig, stores: RecordStores): ImportTargets {
  return {
    open(database) {
      const embedderChoice = parseEmbedderChoice(config.embedder); // a bad choice fails before anything is opened
      const embedder = lazyEmbedder(embedderChoice, { modelsDir: config.paths.models, allowDownload: config.modelDownload });
      const db = openDatabase(database);
      const records = stores.open(config.vectorBackend, db);
      return {
        settings: { ...config, paths: { ...config.paths, database } },
        db,
        records,
        embedderChoice,
        embedder,
        async close() {
          await (await embedder.loaded())?.dispose?.();
          await records.close();
          if (db.open) db.close();
        },
      };
    },
  };
}

export function createAppSettings(config: CalmConfig | AppSettings): AppSettings {
  if ('stores' in config) return config;
  const stores = recordStores(config);
  return { ...config, stores, importTargets: importTargets(config, stores) };
}
