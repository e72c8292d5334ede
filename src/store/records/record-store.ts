/**
 * @module The RecordStore: collections of records, each a text, a JSON payload and one vector.
 *
 * Both backends (embedded SQLite + sqlite-vec, and Qdrant) implement this interface with the same
 * semantics, pinned by one contract suite (test/store/records/contract.ts). A store never calls an
 * embedding model: callers embed, the store checks dimension and embedder before any write.
 */
import type { Filter } from './filter.js';

export interface RecordInput {
  readonly id: string;
  /** The text the vector was computed from; kept so vectors can always be re-derived. */
  readonly text: string;
  readonly payload: Readonly<Record<string, unknown>>;
  readonly vector: Float32Array;
}

export interface StoredRecord {
  readonly id: string;
  readonly text: string;
  readonly payload: Record<string, unknown>;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly vector?: Float32Array;
}

export interface ScoredRecord extends StoredRecord {
  /** Cosine similarity for vector search; a relevance in (0, 1) for keyword search. Higher is better. */
  readonly score: number;
}

/** Records for one collection, as part of a write that spans several. */
export interface CollectionWrite {
  readonly collection: string;
  readonly records: readonly RecordInput[];
}

export interface CollectionSpec {
  readonly embedder: string;
  readonly dim: number;
}

export interface CollectionInfo extends CollectionSpec {
  readonly name: string;
  readonly count: number;
  /** Set while `calm reembed` is moving this collection to another embedder. */
  readonly pending?: (CollectionSpec & { readonly done: number }) | undefined;
}

export interface SearchOptions {
  readonly limit: number;
  readonly filter?: Filter | undefined;
  readonly withVectors?: boolean;
}

/** Where a keyset page ends: the last record's sort key (when ordered by a payload key) and id. */
/** What a new record would be: its vector and its text. */
export interface NearDuplicateQuery {
  readonly vector: Float32Array;
  readonly text: string;
}

export interface NearDuplicateOptions {
  /** Only records whose cosine similarity to the vector is at least this. */
  readonly minScore: number;
  readonly limit: number;
}

export interface ScrollPosition {
  readonly key?: string | number | null | undefined;
  readonly id: string;
}

export interface ScrollOptions {
  readonly limit: number;
  readonly offset?: number;
  /**
   * Keyset paging: only records after this position in the scroll order (combine with `offset` 0).
   * Unlike an offset, a page boundary stays put while records are added or removed in front of it.
   */
  readonly after?: ScrollPosition | undefined;
  readonly filter?: Filter | undefined;
  /** Order by a payload field (numbers or ISO strings); ties and the default order are by id. */
  readonly orderBy?: { readonly key: string; readonly direction?: 'asc' | 'desc' } | undefined;
  readonly withVectors?: boolean;
}

export interface ReembedVector {
  readonly id: string;
  readonly vector: Float32Array;
  /** The text the vector was computed from; when the record's text has changed since, the write is skipped. */
  readonly text?: string;
}

export interface ConsistencyReport {
  /** Records that have no vector (their ids). */
  readonly missingVectors: string[];
  /** Vectors with no record behind them. */
  readonly orphanVectors: number;
  /** Records missing from the keyword index, or index entries with no record. */
  readonly keywordIndexMismatch: number;
  /** Vectors missing from the near-duplicate index, or index entries with no vector (0 where the backend has none of its own). */
  readonly nearDuplicateIndexMismatch: number;
}

export interface RepairReport {
  readonly orphanVectorsRemoved: number;
  readonly keywordIndexRebuilt: boolean;
  readonly nearDuplicateIndexRebuilt: boolean;
}

/**
 * What backups need from a backend whose records live in a server of its own (Qdrant), rather than in
 * calm's database file (which the SQLite backup copies whole): whole collections saved and recovered
 * in the server's own snapshot format. Names are the server's collection names, calm's or not.
 */
export interface SnapshotCapability {
  /** Every live collection name on the server (calm's, CALM's, scratch ones), not the generations behind aliases. */
  listCollections(): Promise<string[]>;
  /** Points in a collection (a live name or a physical one), as the server counts them. */
  pointsCount(collection: string): Promise<number>;
  /** The physical collection behind a live name: its alias's target, the name itself when it is a collection, null when neither. */
  resolve(name: string): Promise<string | null>;
  /** The name of generation `id` of the live collection `name` (where a restore stages it). */
  generationName(name: string, id: string): string;
  /**
   * Points each live name at its generation collection, all in ONE alias request, which the server applies
   * atomically. A live name that is still a physical collection (a layout from before generations) is
   * deleted first; that part is not atomic, so a caller that must survive a crash journals the switch and
   * calls this again (it is idempotent).
   */
  switchAliases(targets: readonly { readonly name: string; readonly generation: string }[]): Promise<void>;
  /** Snapshots `collection` into `file` (owner-only), checked against the server's checksum; a damaged download is deleted. */
  snapshotTo(collection: string, file: string): Promise<{ size: number; sha256: string }>;
  /** Recovers `collection` from a snapshot file; the server checks `sha256` and refuses a damaged file. */
  uploadSnapshot(collection: string, file: string, sha256: string): Promise<void>;
  /** Deletes a whole collection, calm's or not: only for the scratch collections a restore recovered into. */
  deleteCollection(collection: string): Promise<void>;
}

export interface RecordStore {
  readonly backend: 'embedded' | 'qdrant';
  /**
   * Present when the backend's records live outside calm's database file and it can snapshot them
   * (Qdrant). The embedded backend has none: its records are in the file the SQLite backup copies, and
   * sqlite-vec/describe.ts says what a copy holds. Export needs no capability: it reads through `scroll`.
   */
  readonly snapshots?: SnapshotCapability;

  /**
   * Creates the collection for this embedder, or checks that the existing one was built by it.
   * A different embedder or dimension is an `embedder_mismatch` error that names `calm reembed`.
   */
  ensureCollection(name: string, spec: CollectionSpec): Promise<CollectionInfo>;
  listCollections(): Promise<CollectionInfo[]>;
  info(name: string): Promise<CollectionInfo | null>;
  dropCollection(name: string): Promise<boolean>;

  /** All or nothing: a failure anywhere in the batch leaves the collection as it was. */
  upsert(name: string, records: readonly RecordInput[]): Promise<void>;
  /**
   * Upserts into several collections and runs `alongside`, a synchronous write to calm's relational tables
   * (e.g. a repository call), as one unit: if `alongside` throws or any record is refused, nothing is
   * written. Compute vectors before calling: nothing slow or asynchronous may run inside.
   * Embedded backend: one SQLite transaction. A backend whose records live in another server cannot join
   * that transaction; it must write the records first (upserts are idempotent, so a retry converges) and
   * run `alongside` last, so the relational state never refers to records that are not there.
   */
  upsertWith<T>(writes: readonly CollectionWrite[], alongside: () => T): Promise<T>;
  search(name: string, vector: Float32Array, options: SearchOptions): Promise<ScoredRecord[]>;
  /**
   * Records that may state the same as `query`: cosine similarity to its vector at least `minScore` and the
   * same specifics as its text (numbers and identifiers, specifics.ts), best first (ties by id), at most
   * `limit`. Found through an index that stays fast as the collection grows (the duplicate check of every
   * store); scores are exact, and the embedded backend's index may, rarely, miss a record near `minScore`
   * (sqlite-vec/band-index.ts has the measured recall).
   */
  nearDuplicates(name: string, query: NearDuplicateQuery, options: NearDuplicateOptions): Promise<ScoredRecord[]>;
  keyword(name: string, query: string, options: SearchOptions): Promise<ScoredRecord[]>;
  scroll(name: string, options: ScrollOptions): Promise<StoredRecord[]>;
  count(name: string, filter?: Filter): Promise<number>;
  get(name: string, ids: readonly string[], options?: { withVectors?: boolean }): Promise<StoredRecord[]>;
  /** Returns how many records were deleted (row, vector and keyword entry together). */
  delete(name: string, target: { ids: readonly string[] } | { filter: Filter }): Promise<number>;

  /** Re-embedding: vectors for another embedder are built beside the live ones, then swapped in at once. */
  beginReembed(name: string, spec: CollectionSpec): Promise<{ done: number; total: number }>;
  /** Records that still need a vector for the pending embedder, in a stable order. */
  pendingReembed(name: string, limit: number): Promise<StoredRecord[]>;
  writeReembed(name: string, vectors: readonly ReembedVector[]): Promise<void>;
  commitReembed(name: string): Promise<CollectionInfo>;

  checkConsistency(name: string): Promise<ConsistencyReport>;
  /**
   * Restores consistency: drops orphan vectors, rebuilds the keyword index and, when out of step, the
   * near-duplicate index. Missing vectors need an embedder: the caller recomputes them.
   */
  repair(name: string): Promise<RepairReport>;
  close(): Promise<void>;
}
