/**
 * @module The Qdrant RecordStore: one Qdrant collection per calm collection (CALM's names and payload
 * layout, cosine distance, created on first use with the embedder's dimension). Its parts, one concern
 * a file: client.ts (connection, errors), api.ts (the calls, paged and chunked), ids.ts (record id →
 * UUIDv5 point id), layout.ts (hidden payload keys, payload indexes), records.ts (point → record),
 * vectors.ts (the exact vector in the payload), filter-to-qdrant.ts (filters), keyword.ts (BM25 over
 * a full-text index), ordering.ts (scroll order), reembed.ts (shadow collection and its commit),
 * snapshots.ts (collection snapshots, the backup capability).
 *
 * Nothing is cached between calls: several processes (and machines) share one server, so every call
 * reads the collection's metadata afresh.
 */
import type { Schemas } from '@qdrant/js-client-rest';
import { CalmError } from '../../../errors.js';
import { nowIso } from '../../time.js';
import { assertCollectionName } from '../collections.js';
import { embedderMismatch } from '../embedder-mismatch.js';
import { type Filter, parseFilter } from '../filter.js';
import type {
  CollectionInfo, CollectionSpec, CollectionWrite, ConsistencyReport, NearDuplicateOptions, NearDuplicateQuery, RecordInput, RecordStore, ReembedVector, RepairReport,
  ScoredRecord, ScrollOptions, SearchOptions, SnapshotCapability, StoredRecord,
} from '../record-store.js';
import { sameSpecifics } from '../specifics.js';
import { validateRecordBatch } from '../validate-batch.js';
import { calmMeta, type LiveCollection, type Point, QdrantApi } from './api.js';
import type { QdrantConnection } from './client.js';
import { type QdrantFilter, toQdrantFilter } from './filter-to-qdrant.js';
import { ORIGINAL_ID_KEY, pointId } from './ids.js';
import { queryTerms, rankBm25 } from './keyword.js';
import { CREATED_KEY, HIDDEN_KEYS, isInternal, layoutOf, payloadIndexes, shadowName, TEXT_KEY, UPDATED_KEY, VECTOR_KEY } from './layout.js';
import { cmp, compareKeys } from './ordering.js';
import { payloadSelector, toRecord } from './records.js';
import { ShadowReembedding } from './reembed.js';
import { QdrantSnapshotClient } from './snapshots.js';
import { decodeVector, encodeVector } from './vectors.js';

function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) throw new CalmError('validation_error', `Limit ${limit} out of range. Must be between 1 and ${Number.MAX_SAFE_INTEGER}.`);
}

export class QdrantRecordStore implements RecordStore {
  readonly backend = 'qdrant' as const;
  private readonly api: QdrantApi;
  private readonly reembed: ShadowReembedding;
  /** Collection snapshots, for backups (snapshots.ts). */
  readonly snapshots: SnapshotCapability;

  constructor(conn: QdrantConnection) {
    this.api = new QdrantApi(conn);
    this.reembed = new ShadowReembedding(this.api);
    this.snapshots = new QdrantSnapshotClient(conn.url, {
      ...(conn.apiKey ? { apiKey: conn.apiKey } : {}),
      ...(conn.timeoutMs !== undefined ? { timeoutMs: conn.timeoutMs } : {}),
    });
  }

  get url(): string {
    return this.api.url;
  }

  // ---- collections -------------------------------------------------------------------------

  /** The calm collection `name`: null when missing or not calm's (a foreign collection is never touched). */
  private async live(name: string): Promise<LiveCollection | null> {
    let raw = await this.api.raw(name);
    let meta = raw ? calmMeta(raw) : undefined;
    if (!raw || meta?.pending?.committing) {
      // a commit of a re-embedding was interrupted: finish it before anyone reads
      if (await this.reembed.resumeCommit(name, raw, meta)) {
        raw = await this.api.raw(name);
        meta = raw ? calmMeta(raw) : undefined;
      }
    }
    if (!raw || !meta) return null;
    return { name, meta, raw };
  }

  private async require(name: string): Promise<LiveCollection> {
    assertCollectionName(name);
    const live = await this.live(name);
    if (!live) {
      if (await this.isForeign(name)) throw this.foreignError(name);
      throw new CalmError('not_found', `Collection not found: ${name}`);
    }
    return live;
  }

  private async isForeign(name: string): Promise<boolean> {
    const raw = await this.api.raw(name);
    return raw !== null && calmMeta(raw) === undefined;
  }

  private foreignError(name: string): CalmError {
    return new CalmError(
      'storage_error',
      `Qdrant at ${this.api.url} has a collection '${name}' that calm did not create (no calm metadata; CALM's collections look like this). ` +
        'calm never writes into it: bring it in with `calm import-calm`, or point CALM_QDRANT_URL at another Qdrant.',
    );
  }

  private async toInfo(live: LiveCollection): Promise<CollectionInfo> {
    const count = await this.api.exactCount(live.name);
    const p = live.meta.pending;
    const pending = p ? { embedder: p.embedder, dim: p.dim, done: (await this.shadowCount(live.name)) ?? 0 } : undefined;
    return { name: live.name, embedder: live.meta.embedder, dim: live.meta.dim, count, pending };
  }

  private async shadowCount(name: string): Promise<number | null> {
    const raw = await this.api.raw(shadowName(name));
    return raw ? this.api.exactCount(shadowName(name)) : null;
  }

  async ensureCollection(name: string, spec: CollectionSpec): Promise<CollectionInfo> {
    assertCollectionName(name);
    if (!Number.isInteger(spec.dim) || spec.dim < 1) throw new CalmError('validation_error', `Invalid dimension ${spec.dim}`);
    let live = await this.live(name);
    if (!live) {
      if (await this.isForeign(name)) throw this.foreignError(name);
      try {
        await this.api.createCollection(name, spec.dim, { format: 1, embedder: spec.embedder, dim: spec.dim });
      } catch (e) {
        // another process created it first: fall through to the check below
        if (!(e instanceof CalmError && /HTTP 409|already exists/i.test(e.message))) throw e;
      }
      live = await this.require(name);
    }
    if (live.meta.embedder !== spec.embedder || live.meta.dim !== spec.dim) throw embedderMismatch(name, live.meta, spec);
    return this.toInfo(live);
  }

  async listCollections(): Promise<CollectionInfo[]> {
    const names = (await this.api.collectionNames()).filter((n) => !isInternal(n)).sort();
    const out: CollectionInfo[] = [];
    for (const n of names) {
      const live = await this.live(n);
      if (live) out.push(await this.toInfo(live));
    }
    return out;
  }

  async info(name: string): Promise<CollectionInfo | null> {
    assertCollectionName(name);
    const live = await this.live(name);
    return live ? this.toInfo(live) : null;
  }

  async dropCollection(name: string): Promise<boolean> {
    assertCollectionName(name);
    const live = await this.live(name);
    this.reembed.forget(name);
    if (!live) return false; // a foreign collection is not calm's to drop
    if (await this.api.raw(shadowName(name))) await this.api.deleteCollection(shadowName(name));
    await this.api.deleteCollection(name);
    return true;
  }

  private translate(filter: Filter | undefined): QdrantFilter | undefined | null {
    return toQdrantFilter(parseFilter(filter));
  }

  // ---- writes ------------------------------------------------------------------------------

  /** Checks the batch and returns deep copies of the payloads; serialisation errors (cycles, BigInt) surface here, before anything is written. */
  private validateRecords(name: string, dim: number, records: readonly RecordInput[]): Record<string, unknown>[] {
    validateRecordBatch(name, dim, records, HIDDEN_KEYS);
    return records.map((r, i) => {
      try {
        return JSON.parse(JSON.stringify(r.payload)) as Record<string, unknown>;
      } catch (e) {
        throw new CalmError('validation_error', `record ${i} of the batch for '${name}': payload cannot be stored as JSON (${(e as Error).message})`);
      }
    });
  }


  async upsert(name: string, records: readonly RecordInput[]): Promise<void> {
    await this.upsertWith([{ collection: name, records }], () => undefined);
  }

  /**
   * Qdrant cannot join the SQLite transaction, so (per the interface): every record is checked first,
   * the records are written, then `alongside` runs. Should `alongside` fail, or a later request fail
   * halfway, the points are put back as they were (previous versions re-written, new ones deleted).
   */
  async upsertWith<T>(writes: readonly CollectionWrite[], alongside: () => T): Promise<T> {
    const checked: { live: LiveCollection; records: readonly RecordInput[]; payloads: Record<string, unknown>[] }[] = [];
    for (const w of writes) {
      const live = await this.require(w.collection);
      checked.push({ live, records: w.records, payloads: this.validateRecords(w.collection, live.meta.dim, w.records) });
    }
    const before = new Map<string, Map<string, Point>>();
    for (const { live, records } of checked) {
      if (records.length > 0) before.set(live.name, await this.api.retrieve(live.name, records.map((r) => r.id), true));
    }
    const restore = async (): Promise<void> => {
      for (const { live, records } of checked) {
        const previous = before.get(live.name) ?? new Map<string, Point>();
        const back = [...previous.values()].map((p) => ({
          id: String(p.id),
          vector: Array.from(decodeVector(p.payload?.[VECTOR_KEY]) ?? new Float32Array(live.meta.dim)),
          payload: p.payload ?? {},
        }));
        await this.api.upsertPoints(live.name, back);
        await this.api.deletePoints(live.name, records.filter((r) => !previous.has(r.id)).map((r) => pointId(r.id)));
      }
    };
    const now = nowIso();
    try {
      for (const { live, records, payloads } of checked) {
        const previous = before.get(live.name) ?? new Map<string, Point>();
        const points = records.map((r, i) => {
          const created = previous.get(r.id)?.payload?.[CREATED_KEY];
          return {
            id: pointId(r.id),
            vector: Array.from(r.vector),
            payload: {
              ...payloads[i]!,
              [ORIGINAL_ID_KEY]: r.id, [TEXT_KEY]: r.text, [VECTOR_KEY]: encodeVector(r.vector),
              [CREATED_KEY]: typeof created === 'string' ? created : now, [UPDATED_KEY]: now,
            },
          };
        });
        await this.api.upsertPoints(live.name, points);
        // the text may have changed: its vector for the pending embedder must be recomputed
        if (live.meta.pending && points.length > 0 && (await this.api.raw(shadowName(live.name)))) {
          await this.api.deletePoints(shadowName(live.name), points.map((p) => p.id));
        }
      }
    } catch (e) {
      await restore().catch(() => undefined);
      throw e;
    }
    let out: T;
    try {
      out = alongside();
    } catch (e) {
      await this.undo(restore, e);
      throw e;
    }
    if (out !== null && typeof out === 'object' && typeof (out as { then?: unknown }).then === 'function') {
      const refused = new CalmError('internal_error', 'upsertWith: `alongside` returned a promise; it must be synchronous');
      await this.undo(restore, refused);
      throw refused;
    }
    return out;
  }

  private async undo(restore: () => Promise<void>, cause: unknown): Promise<void> {
    try {
      await restore();
    } catch (e) {
      throw new CalmError('storage_error', `A write failed (${(cause as Error).message}) and its records could not be put back: ${(e as Error).message}`, { cause: e });
    }
  }

  async delete(name: string, target: { ids: readonly string[] } | { filter: Filter }): Promise<number> {
    const filter = 'filter' in target ? this.translate(target.filter) : undefined;
    const live = await this.require(name);
    let doomed: (string | number)[];
    if ('ids' in target) {
      doomed = [...(await this.api.retrieve(name, target.ids, { include: [ORIGINAL_ID_KEY] })).values()].map((p) => p.id);
    } else {
      if (filter === null) return 0;
      doomed = [];
      for await (const page of this.api.scan(name, filter, false)) doomed.push(...page.map((p) => p.id));
    }
    await this.api.deletePoints(name, doomed);
    if (live.meta.pending && (await this.api.raw(shadowName(name)))) await this.api.deletePoints(shadowName(name), doomed);
    return doomed.length;
  }

  // ---- reads -------------------------------------------------------------------------------

  async search(name: string, vector: Float32Array, options: SearchOptions): Promise<ScoredRecord[]> {
    const filter = this.translate(options.filter);
    const live = await this.require(name);
    checkLimit(options.limit);
    if (vector.length !== live.meta.dim) {
      throw new CalmError('validation_error', `Query vector has dimension ${vector.length}, collection '${name}' needs ${live.meta.dim}`);
    }
    if (filter === null) return [];
    const points = await this.api.query(name, {
      query: Array.from(vector),
      limit: options.limit,
      with_payload: payloadSelector(options.withVectors),
      with_vector: false,
      // a wider HNSW beam than the default: calm's collections are small and recall matters more
      params: { hnsw_ef: Math.max(128, options.limit) },
      ...(filter ? { filter } : {}),
    });
    return points
      .map((p) => ({ ...toRecord(p, options.withVectors), score: p.score ?? 0 }))
      .sort((a, b) => b.score - a.score || cmp(a.id, b.id));
  }

  /**
   * Qdrant's HNSW search is already sublinear: the duplicate lookup is a search cut at `score_threshold`,
   * paged until `limit` records with the query's specifics are found or none are left above the threshold.
   */
  async nearDuplicates(name: string, query: NearDuplicateQuery, options: NearDuplicateOptions): Promise<ScoredRecord[]> {
    const { vector, text } = query;
    const live = await this.require(name);
    checkLimit(options.limit);
    if (vector.length !== live.meta.dim) {
      throw new CalmError('validation_error', `Query vector has dimension ${vector.length}, collection '${name}' needs ${live.meta.dim}`);
    }
    if (!Number.isFinite(options.minScore)) throw new CalmError('validation_error', `minScore ${options.minScore} must be a number`);
    const page = Math.max(64, options.limit * 4);
    const found: ScoredRecord[] = [];
    for (let offset = 0; ; offset += page) {
      const points = await this.api.query(name, {
        query: Array.from(vector),
        limit: page,
        offset,
        score_threshold: options.minScore,
        with_payload: payloadSelector(false),
        with_vector: false,
        params: { hnsw_ef: Math.max(128, offset + page) },
      });
      for (const p of points) {
        const r = { ...toRecord(p, false), score: p.score ?? 0 };
        // the server compares in float32: keep the contract's "at least minScore" exact
        if (r.score >= options.minScore && sameSpecifics(r.text, text)) found.push(r);
      }
      if (points.length < page || found.length >= options.limit) break;
    }
    return found.sort((a, b) => b.score - a.score || cmp(a.id, b.id)).slice(0, options.limit);
  }

  async keyword(name: string, query: string, options: SearchOptions): Promise<ScoredRecord[]> {
    const conditions = parseFilter(options.filter);
    await this.require(name);
    checkLimit(options.limit);
    const terms = queryTerms(query);
    if (terms.length === 0) return [];
    const anyTerm: Schemas['Condition'] = { should: terms.map((t) => ({ key: TEXT_KEY, match: { text: t } })) };
    const filter = toQdrantFilter(conditions, [anyTerm]);
    if (filter === null) return [];
    const candidates: { id: string; text: string }[] = [];
    for await (const page of this.api.scan(name, filter ?? undefined, { include: [ORIGINAL_ID_KEY, TEXT_KEY] })) {
      for (const p of page) candidates.push({ id: toRecord(p).id, text: String(p.payload?.[TEXT_KEY] ?? '') });
    }
    if (candidates.length === 0) return [];
    const ranked = rankBm25(terms, candidates, await this.api.exactCount(name)).slice(0, options.limit);
    const points = await this.api.retrieve(name, ranked.map((r) => r.id), payloadSelector(options.withVectors));
    return ranked.flatMap((r) => {
      const p = points.get(r.id);
      return p ? [{ ...toRecord(p, options.withVectors), score: r.score }] : [];
    });
  }

  /**
   * Pages by position with an order by id or by a payload key. Qdrant pages by point id (UUIDs, which
   * follow neither), so the ids and sort keys of the matching points are read (light: two payload keys
   * each), sorted here, and only the requested page is fetched whole.
   */
  async scroll(name: string, options: ScrollOptions): Promise<StoredRecord[]> {
    const filter = this.translate(options.filter);
    await this.require(name);
    checkLimit(options.limit);
    const offset = options.offset ?? 0;
    if (!Number.isInteger(offset) || offset < 0) throw new CalmError('validation_error', `Offset ${offset} must be >= 0.`);
    if (options.after && offset > 0) throw new CalmError('validation_error', 'Give either an offset or a position to continue after, not both.');
    const key = options.orderBy?.key;
    if (key !== undefined) parseFilter({ [key]: 0 }); // validates the field name
    if (filter === null) return [];
    const entries: { id: string; key: unknown }[] = [];
    const include = key !== undefined ? [ORIGINAL_ID_KEY, key] : [ORIGINAL_ID_KEY];
    for await (const page of this.api.scan(name, filter, { include })) {
      for (const p of page) entries.push({ id: toRecord(p).id, key: key !== undefined ? p.payload?.[key] : undefined });
    }
    const dir = options.orderBy?.direction === 'desc' ? -1 : 1;
    const order = (a: { id: string; key: unknown }, b: { id: string; key: unknown }): number => dir * (compareKeys(a.key, b.key) || cmp(a.id, b.id));
    entries.sort(order);
    const after = options.after;
    const from = after ? entries.filter((e) => order(e, { id: after.id, key: key !== undefined ? after.key : undefined }) > 0) : entries;
    const wanted = from.slice(offset, offset + options.limit).map((e) => e.id);
    const points = await this.api.retrieve(name, wanted, payloadSelector(options.withVectors));
    return wanted.flatMap((id) => {
      const p = points.get(id);
      return p ? [toRecord(p, options.withVectors)] : [];
    });
  }

  async count(name: string, filter?: Filter): Promise<number> {
    const translated = this.translate(filter);
    await this.require(name);
    if (translated === null) return 0;
    return this.api.exactCount(name, translated);
  }

  async get(name: string, ids: readonly string[], options: { withVectors?: boolean } = {}): Promise<StoredRecord[]> {
    await this.require(name);
    const points = await this.api.retrieve(name, ids, payloadSelector(options.withVectors));
    return [...new Set(ids)].flatMap((id) => {
      const p = points.get(id);
      return p ? [toRecord(p, options.withVectors)] : [];
    });
  }

  // ---- re-embedding (reembed.ts) -----------------------------------------------------------

  async beginReembed(name: string, spec: CollectionSpec): Promise<{ done: number; total: number }> {
    if (!Number.isInteger(spec.dim) || spec.dim < 1) throw new CalmError('validation_error', `Invalid dimension ${spec.dim}`);
    return this.reembed.begin(await this.require(name), spec);
  }

  async pendingReembed(name: string, limit: number): Promise<StoredRecord[]> {
    const live = await this.require(name);
    checkLimit(limit);
    return this.reembed.pending(live, limit);
  }

  async writeReembed(name: string, vectors: readonly ReembedVector[]): Promise<void> {
    await this.reembed.write(await this.require(name), vectors);
  }

  async commitReembed(name: string): Promise<CollectionInfo> {
    await this.reembed.commit(await this.require(name));
    return this.toInfo(await this.require(name));
  }

  // ---- consistency -------------------------------------------------------------------------

  private async missingIndexes(live: LiveCollection): Promise<string[]> {
    const schema = live.raw.payload_schema ?? {};
    return payloadIndexes(layoutOf(live.name)).map(([field]) => field).filter((f) => !(f in schema));
  }

  async checkConsistency(name: string): Promise<ConsistencyReport> {
    const live = await this.require(name);
    const missingVectors: string[] = [];
    let badText = 0;
    const liveIds = new Set<string | number>();
    for await (const page of this.api.scan(name, undefined, { include: [ORIGINAL_ID_KEY, TEXT_KEY, VECTOR_KEY] })) {
      for (const p of page) {
        liveIds.add(p.id);
        if (decodeVector(p.payload?.[VECTOR_KEY])?.length !== live.meta.dim) missingVectors.push(toRecord(p).id);
        if (typeof p.payload?.[TEXT_KEY] !== 'string') badText++;
      }
    }
    let orphanVectors = 0;
    if (live.meta.pending && (await this.api.raw(shadowName(name)))) {
      for await (const page of this.api.scan(shadowName(name), undefined, false)) orphanVectors += page.filter((p) => !liveIds.has(p.id)).length;
    }
    const textIndexMissing = (await this.missingIndexes(live)).includes(TEXT_KEY);
    // no index of calm's own beside Qdrant's: its HNSW serves the duplicate lookup
    return { missingVectors: missingVectors.sort(), orphanVectors, keywordIndexMismatch: badText + (textIndexMissing ? liveIds.size : 0), nearDuplicateIndexMismatch: 0 };
  }

  async repair(name: string): Promise<RepairReport> {
    const live = await this.require(name);
    await this.api.createIndexes(name, layoutOf(name), await this.missingIndexes(live));
    let removed = 0;
    if (live.meta.pending && (await this.api.raw(shadowName(name)))) {
      const liveIds = new Set<string | number>();
      for await (const page of this.api.scan(name, undefined, false)) for (const p of page) liveIds.add(p.id);
      const orphans: (string | number)[] = [];
      for await (const page of this.api.scan(shadowName(name), undefined, false)) orphans.push(...page.filter((p) => !liveIds.has(p.id)).map((p) => p.id));
      await this.api.deletePoints(shadowName(name), orphans);
      removed = orphans.length;
    }
    return { orphanVectorsRemoved: removed, keywordIndexRebuilt: true, nearDuplicateIndexRebuilt: false };
  }

  async close(): Promise<void> {
    // the REST client holds no connection that needs closing
  }
}
