/**
 * @module Record stores by backend, for the services that work across backends (backups, migrate,
 * import-calm) and so cannot take the one the App was built with. Relational tables always stay in
 * SQLite; only records move.
 */
import type { CalmConfig } from '../config.js';
import type { Embedder } from '../embedding/embedder.js';
import { loadEmbedder, parseEmbedderChoice } from '../embedding/registry.js';
import type { Db } from '../store/db.js';
import { QdrantRecordStore, qdrantConnection } from '../store/records/qdrant/index.js';
import type { RecordStore } from '../store/records/record-store.js';
import { SqliteVecRecordStore } from '../store/records/sqlite-vec/index.js';

export type Backend = 'embedded' | 'qdrant';

export function recordStoreFor(backend: Backend, config: CalmConfig, db: Db): RecordStore {
  return backend === 'qdrant' ? new QdrantRecordStore(qdrantConnection(config)) : new SqliteVecRecordStore(db);
}

/** The configured embedder, loaded on first call (most callers never need it). */
export function lazyEmbedder(config: CalmConfig): () => Promise<Embedder> {
  let loading: Promise<Embedder> | undefined;
  return () => {
    loading ??= loadEmbedder(parseEmbedderChoice(config.embedder), { modelsDir: config.paths.models, allowDownload: config.modelDownload }).catch(
      (e: unknown) => {
        loading = undefined;
        throw e;
      },
    );
    return loading;
  };
}

/** The Qdrant record store and embedder the backup sources read and restore through. */
export function qdrantStoreDeps(config: CalmConfig): { records: RecordStore; embedder: () => Promise<Embedder> } {
  return { records: new QdrantRecordStore(qdrantConnection(config)), embedder: lazyEmbedder(config) };
}
