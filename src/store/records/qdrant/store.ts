/**
 * @module The Qdrant RecordStore: one Qdrant collection per calm collection (CALM's names and payload
 * layout, cosine distance, created on first use with the embedder's dimension), points addressed by
 * UUIDv5 of the record id (ids.ts), hidden payload keys for what calm keeps beside CALM's payload
 * (layout.ts), payload indexes on the filtered fields, keyword search through a full-text payload index
 * (keyword.ts), and re-embedding into a shadow collection that is copied over at commit.
 *
 * Nothing is cached between calls: several processes (and machines) share one server, so every call
 * reads the collection's metadata afresh.
 */
import type { QdrantClient, Schemas } from '@qdrant/js-client-rest';
import { CalmError } from '../../../errors.js';
import { nowIso } from '../../time.js';
import { assertCollectionName } from '../collections.js';
import { embedderMismatch } from '../embedder-mismatch.js';
import { type Filter, parseFilter } from '../filter.js';
import type {
  CollectionInfo, CollectionSpec, CollectionWrite, ConsistencyReport, RecordInput, RecordStore, ReembedVector, ScoredRecord, ScrollOptions,
  SearchOptions, StoredRecord,
} from '../record-store.js';
import { createQdrantClient, isStatus, type QdrantConnection, qdrantError } from './client.js';
import { type QdrantFilter, toQdrantFilter } from './filter-to-qdrant.js';
import { ORIGINAL_ID_KEY, pointId } from './ids.js';
import { queryTerms, rankBm25 } from './keyword.js';
import {
  type CalmCollectionMeta, CREATED_KEY, HIDDEN_KEYS, payloadIndexes, SHADOW_SUFFIX, shadowName, TEXT_KEY, UPDATED_KEY, VECTOR_KEY,
} from './layout.js';
import { validateRecordBatch } from '../validate-batch.js';

type Point = { id: string | number; payload?: Record<string, unknown> | null; vector?: unknown; score?: number };
type PayloadSelector = Schemas['WithPayloadInterface'];

/** Points per request: keeps bodies far below Qdrant's 32 MB limit even for 768-d vectors. */
const WRITE_CHUNK = 256;
const READ_PAGE = 1000;

export function encodeVector(v: Float32Array): string {
  const copy = Buffer.alloc(v.length * 4);
  for (let i = 0; i < v.length; i++) copy.writeFloatLE(v[i]!, i * 4);
  return copy.toString('base64');
}

export function decodeVector(value: unknown): Float32Array | undefined {
  if (typeof value !== 'string') return undefined;
  const bytes = Buffer.from(value, 'base64');
  if (bytes.length === 0 || bytes.length % 4 !== 0) return undefined;
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) throw new CalmError('validation_error', `Limit ${limit} out of range. Must be between 1 and ${Number.MAX_SAFE_INTEGER}.`);
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** SQLite's json_extract ordering, so both backends sort alike: missing/null, then numbers (booleans as 0/1), then text. */
function sortKey(v: unknown): [number, number | string] {
  if (v === undefined || v === null) return [0, 0];
  if (typeof v === 'boolean') return [1, v ? 1 : 0];
  if (typeof v === 'number') return [1, v];
  if (typeof v === 'string') return [2, v];
  return [2, JSON.stringify(v)];
}

function compareKeys(a: unknown, b: unknown): number {
  const [ta, va] = sortKey(a);
  const [tb, vb] = sortKey(b);
  if (ta !== tb) return ta - tb;
  return typeof va === 'number' && typeof vb === 'number' ? va - vb : cmp(String(va), String(vb));
}

interface Live {
  readonly name: string;
  readonly meta: CalmCollectionMeta;
  readonly raw: Schemas['CollectionInfo'];
}

export class QdrantRecordStore implements RecordStore {
  readonly backend = 'qdrant' as const;
  private clientPromise: Promise<QdrantClient> | undefined;
  /** Where this process's re-embedding pass has got to, per collection (a point id; null = the start). */
  private readonly reembedCursor = new Map<string, string | number | null>();

  constructor(private readonly conn: QdrantConnection) {}

  get url(): string {
    return this.conn.url;
  }

  private client(): Promise<QdrantClient> {
    this.clientPromise ??= createQdrantClient(this.conn);
    return this.clientPromise;
  }

  /** Runs one client call; failures become CalmErrors (404 → not_found naming `collection`). */
  private async call<T>(what: string, fn: (c: QdrantClient) => Promise<T>, collection?: string): Promise<T> {
    const c = await this.client();
    try {
      return await fn(c);
    } catch (e) {
      throw qdrantError(e, this.conn.url, what, collection);
    }
  }

  // ---- collections -------------------------------------------------------------------------

  /** The raw collection, or null when Qdrant has none of that name. */
  private async raw(name: string): Promise<Schemas['CollectionInfo'] | null> {
    const c = await this.client();
    try {
      return await c.getCollection(name);
    } catch (e) {
      if (isStatus(e, 404)) return null;
      throw qdrantError(e, this.conn.url, `reading collection '${name}'`);
    }
  }

  private static calmMeta(raw: Schemas['CollectionInfo']): CalmCollectionMeta | undefined {
    const meta = (raw.config as { metadata?: Record<string, unknown> | null }).metadata?.calm as CalmCollectionMeta | undefined;
    return meta && typeof meta.embedder === 'string' && typeof meta.dim === 'number' ? meta : undefined;
  }

  /** The calm collection `name`: null when missing or not calm's (a foreign collection is never touched). */
  private async live(name: string): Promise<Live | null> {
    let raw = await this.raw(name);
    let meta = raw ? QdrantRecordStore.calmMeta(raw) : undefined;
    if (!raw || meta?.pending?.committing) {
      // a commit of a re-embedding was interrupted: finish it before anyone reads
      if (await this.resumeCommit(name, raw, meta)) {
        raw = await this.raw(name);
        meta = raw ? QdrantRecordStore.calmMeta(raw) : undefined;
      }
    }
    if (!raw || !meta) return null;
    return { name, meta, raw };
  }

  private async require(name: string): Promise<Live> {
    assertCollectionName(name);
    const live = await this.live(name);
    if (!live) {
      if (await this.isForeign(name)) throw this.foreignError(name);
      throw new CalmError('not_found', `Collection not found: ${name}`);
    }
    return live;
  }

  private async isForeign(name: string): Promise<boolean> {
    const raw = await this.raw(name);
    return raw !== null && QdrantRecordStore.calmMeta(raw) === undefined;
  }

  private foreignError(name: string): CalmError {
    return new CalmError(
      'storage_error',
      `Qdrant at ${this.conn.url} has a collection '${name}' that calm did not create (no calm metadata; CALM's collections look like this). ` +
        'calm never writes into it: bring it in with `calm import-calm`, or point CALM_QDRANT_URL at another Qdrant.',
    );
  }

  private async exactCount(name: string, filter?: QdrantFilter): Promise<number> {
    const r = await this.call(`count in '${name}'`, (c) => c.count(name, { exact: true, ...(filter ? { filter } : {}) }), name);
    return r.count;
  }

  private async toInfo(live: Live): Promise<CollectionInfo> {
    const count = await this.exactCount(live.name);
    const p = live.meta.pending;
    const pending = p ? { embedder: p.embedder, dim: p.dim, done: (await this.shadowCount(live.name)) ?? 0 } : undefined;
    return { name: live.name, embedder: live.meta.embedder, dim: live.meta.dim, count, pending };
  }

  private async shadowCount(name: string): Promise<number | null> {
    const raw = await this.raw(shadowName(name));
    return raw ? this.exactCount(shadowName(name)) : null;
  }

  private async createCollection(name: string, dim: number, meta: CalmCollectionMeta): Promise<void> {
    await this.call(`creating collection '${name}'`, (c) =>
      // through the generated API: the client's createCollection helper drops `metadata`
      c.api().createCollection({ collection_name: name, vectors: { size: dim, distance: 'Cosine' }, metadata: { calm: meta } }),
    );
    await this.createIndexes(name, name.endsWith(SHADOW_SUFFIX) ? name.slice(0, -SHADOW_SUFFIX.length) : name);
  }

  private async createIndexes(name: string, layoutOf: string): Promise<void> {
    for (const [field, schema] of payloadIndexes(layoutOf)) {
      await this.call(`indexing '${field}' in '${name}'`, (c) => c.createPayloadIndex(name, { field_name: field, field_schema: schema, wait: true }), name);
    }
  }

  private async setMeta(name: string, meta: CalmCollectionMeta): Promise<void> {
    // metadata merges per top-level key, so `calm` is replaced whole
    await this.call(`updating metadata of '${name}'`, (c) => c.updateCollection(name, { metadata: { calm: meta } } as Schemas['UpdateCollection']), name);
  }

  private async deleteCollection(name: string): Promise<void> {
    await this.call(`deleting collection '${name}'`, (c) => c.deleteCollection(name));
  }

  async ensureCollection(name: string, spec: CollectionSpec): Promise<CollectionInfo> {
    assertCollectionName(name);
    if (!Number.isInteger(spec.dim) || spec.dim < 1) throw new CalmError('validation_error', `Invalid dimension ${spec.dim}`);
    let live = await this.live(name);
    if (!live) {
      if (await this.isForeign(name)) throw this.foreignError(name);
      try {
        await this.createCollection(name, spec.dim, { format: 1, embedder: spec.embedder, dim: spec.dim });
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
    const all = await this.call('listing collections', (c) => c.getCollections());
    const names = all.collections.map((c) => c.name).filter((n) => !n.endsWith(SHADOW_SUFFIX)).sort();
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
    this.reembedCursor.delete(name);
    if (!live) return false; // a foreign collection is not calm's to drop
    if (await this.raw(shadowName(name))) await this.deleteCollection(shadowName(name));
    await this.deleteCollection(name);
    return true;
  }

  // ---- points ------------------------------------------------------------------------------

  private selector(withVectors: boolean | undefined): PayloadSelector {
    return withVectors ? true : { exclude: [VECTOR_KEY] };
  }

  private toRecord(p: Point, withVectors?: boolean): StoredRecord {
    const raw = p.payload ?? {};
    const payload: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw)) if (!HIDDEN_KEYS.includes(k)) payload[k] = v;
    const vector = withVectors ? decodeVector(raw[VECTOR_KEY]) ?? (Array.isArray(p.vector) ? Float32Array.from(p.vector as number[]) : undefined) : undefined;
    return {
      id: typeof raw[ORIGINAL_ID_KEY] === 'string' ? (raw[ORIGINAL_ID_KEY] as string) : String(p.id),
      text: typeof raw[TEXT_KEY] === 'string' ? (raw[TEXT_KEY] as string) : '',
      payload,
      createdAt: typeof raw[CREATED_KEY] === 'string' ? (raw[CREATED_KEY] as string) : '',
      updatedAt: typeof raw[UPDATED_KEY] === 'string' ? (raw[UPDATED_KEY] as string) : '',
      ...(vector ? { vector } : {}),
    };
  }

  /** Points by record id (requested order, missing ones left out, each id once). */
  private async retrieve(name: string, ids: readonly string[], withPayload: PayloadSelector): Promise<Map<string, Point>> {
    const byId = new Map<string, Point>();
    for (const part of chunks([...new Set(ids)], READ_PAGE)) {
      const points = (await this.call(`reading points of '${name}'`, (c) =>
        c.retrieve(name, { ids: part.map(pointId), with_payload: withPayload, with_vector: false }), name)) as Point[];
      const wanted = new Set(part);
      for (const p of points) {
        const original = p.payload?.[ORIGINAL_ID_KEY];
        const id = typeof original === 'string' ? original : String(p.id);
        if (wanted.has(id)) byId.set(id, p);
      }
    }
    return byId;
  }

  /** Every point matching `filter`, page by page, following `next_page_offset` (CALM read only the first page). */
  private async *scan(name: string, filter: QdrantFilter | undefined, withPayload: PayloadSelector, from: string | number | null = null): AsyncGenerator<Point[]> {
    let offset: string | number | null | undefined = from;
    do {
      const page = await this.call(`scrolling '${name}'`, (c) =>
        c.scroll(name, {
          limit: READ_PAGE, with_payload: withPayload, with_vector: false,
          ...(filter ? { filter } : {}), ...(offset !== null && offset !== undefined ? { offset } : {}),
        }), name);
      yield page.points as Point[];
      offset = page.next_page_offset as string | number | null | undefined;
    } while (offset !== null && offset !== undefined);
  }

  private async upsertPoints(name: string, points: readonly { id: string; vector: number[]; payload: Record<string, unknown> }[]): Promise<void> {
    for (const part of chunks(points, WRITE_CHUNK)) {
      await this.call(`writing to '${name}'`, (c) => c.upsert(name, { wait: true, points: part }), name);
    }
  }

  private async deletePoints(name: string, ids: readonly (string | number)[]): Promise<void> {
    for (const part of chunks(ids, READ_PAGE)) {
      await this.call(`deleting from '${name}'`, (c) => c.delete(name, { wait: true, points: part }), name);
    }
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
    const checked: { live: Live; records: readonly RecordInput[]; payloads: Record<string, unknown>[] }[] = [];
    for (const w of writes) {
      const live = await this.require(w.collection);
      checked.push({ live, records: w.records, payloads: this.validateRecords(w.collection, live.meta.dim, w.records) });
    }
    const before = new Map<string, Map<string, Point>>();
    for (const { live, records } of checked) {
      if (records.length > 0) before.set(live.name, await this.retrieve(live.name, records.map((r) => r.id), true));
    }
    const restore = async (): Promise<void> => {
      for (const { live, records } of checked) {
        const previous = before.get(live.name) ?? new Map<string, Point>();
        const back = [...previous.values()].map((p) => ({
          id: String(p.id),
          vector: Array.from(decodeVector(p.payload?.[VECTOR_KEY]) ?? new Float32Array(live.meta.dim)),
          payload: p.payload ?? {},
        }));
        await this.upsertPoints(live.name, back);
        await this.deletePoints(live.name, records.filter((r) => !previous.has(r.id)).map((r) => pointId(r.id)));
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
        await this.upsertPoints(live.name, points);
        // the text may have changed: its vector for the pending embedder must be recomputed
        if (live.meta.pending && points.length > 0 && (await this.raw(shadowName(live.name)))) {
          await this.deletePoints(shadowName(live.name), points.map((p) => p.id));
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
      doomed = [...(await this.retrieve(name, target.ids, { include: [ORIGINAL_ID_KEY] })).values()].map((p) => p.id);
    } else {
      if (filter === null) return 0;
      doomed = [];
      for await (const page of this.scan(name, filter, false)) doomed.push(...page.map((p) => p.id));
    }
    await this.deletePoints(name, doomed);
    if (live.meta.pending && (await this.raw(shadowName(name)))) await this.deletePoints(shadowName(name), doomed);
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
    const res = await this.call(`searching '${name}'`, (c) =>
      c.query(name, {
        query: Array.from(vector),
        limit: options.limit,
        with_payload: this.selector(options.withVectors),
        with_vector: false,
        // a wider HNSW beam than the default: calm's collections are small and recall matters more
        params: { hnsw_ef: Math.max(128, options.limit) },
        ...(filter ? { filter } : {}),
      }), name);
    const points = res.points as Point[];
    return points
      .map((p) => ({ ...this.toRecord(p, options.withVectors), score: p.score ?? 0 }))
      .sort((a, b) => b.score - a.score || cmp(a.id, b.id));
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
    for await (const page of this.scan(name, filter ?? undefined, { include: [ORIGINAL_ID_KEY, TEXT_KEY] })) {
      for (const p of page) candidates.push({ id: this.toRecord(p).id, text: String(p.payload?.[TEXT_KEY] ?? '') });
    }
    if (candidates.length === 0) return [];
    const ranked = rankBm25(terms, candidates, await this.exactCount(name)).slice(0, options.limit);
    const points = await this.retrieve(name, ranked.map((r) => r.id), this.selector(options.withVectors));
    return ranked.flatMap((r) => {
      const p = points.get(r.id);
      return p ? [{ ...this.toRecord(p, options.withVectors), score: r.score }] : [];
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
    const key = options.orderBy?.key;
    if (key !== undefined) parseFilter({ [key]: 0 }); // validates the field name
    if (filter === null) return [];
    const entries: { id: string; key: unknown }[] = [];
    const include = key !== undefined ? [ORIGINAL_ID_KEY, key] : [ORIGINAL_ID_KEY];
    for await (const page of this.scan(name, filter, { include })) {
      for (const p of page) entries.push({ id: this.toRecord(p).id, key: key !== undefined ? p.payload?.[key] : undefined });
    }
    const dir = options.orderBy?.direction === 'desc' ? -1 : 1;
    entries.sort((a, b) => dir * (compareKeys(a.key, b.key) || cmp(a.id, b.id)));
    const wanted = entries.slice(offset, offset + options.limit).map((e) => e.id);
    const points = await this.retrieve(name, wanted, this.selector(options.withVectors));
    return wanted.flatMap((id) => {
      const p = points.get(id);
      return p ? [this.toRecord(p, options.withVectors)] : [];
    });
  }

  async count(name: string, filter?: Filter): Promise<number> {
    const translated = this.translate(filter);
    await this.require(name);
    if (translated === null) return 0;
    return this.exactCount(name, translated);
  }

  async get(name: string, ids: readonly string[], options: { withVectors?: boolean } = {}): Promise<StoredRecord[]> {
    await this.require(name);
    const points = await this.retrieve(name, ids, this.selector(options.withVectors));
    return [...new Set(ids)].flatMap((id) => {
      const p = points.get(id);
      return p ? [this.toRecord(p, options.withVectors)] : [];
    });
  }

  // ---- re-embedding ------------------------------------------------------------------------

  private noReembed(name: string): CalmError {
    return new CalmError('validation_error', `No re-embedding in progress for '${name}'`);
  }

  async beginReembed(name: string, spec: CollectionSpec): Promise<{ done: number; total: number }> {
    if (!Number.isInteger(spec.dim) || spec.dim < 1) throw new CalmError('validation_error', `Invalid dimension ${spec.dim}`);
    const live = await this.require(name);
    const shadow = shadowName(name);
    const p = live.meta.pending;
    const same = p && p.embedder === spec.embedder && p.dim === spec.dim && (await this.raw(shadow)) !== null;
    if (!same) {
      if (await this.raw(shadow)) await this.deleteCollection(shadow);
      await this.createCollection(shadow, spec.dim, { format: 1, embedder: spec.embedder, dim: spec.dim, shadowOf: name });
      await this.setMeta(name, { ...live.meta, pending: { embedder: spec.embedder, dim: spec.dim } });
    }
    this.reembedCursor.delete(name);
    return { done: await this.exactCount(shadow), total: await this.exactCount(name) };
  }

  /** Live points from `points` whose vector for the pending embedder is missing or was computed from older text. */
  private async stale(name: string, points: readonly Point[]): Promise<Point[]> {
    if (points.length === 0) return [];
    const ids = points.map((p) => this.toRecord(p).id);
    const shadow = await this.retrieve(shadowName(name), ids, { include: [ORIGINAL_ID_KEY, TEXT_KEY] });
    return points.filter((p, i) => shadow.get(ids[i]!)?.payload?.[TEXT_KEY] !== p.payload?.[TEXT_KEY]);
  }

  async pendingReembed(name: string, limit: number): Promise<StoredRecord[]> {
    const live = await this.require(name);
    checkLimit(limit);
    if (!live.meta.pending) throw this.noReembed(name);
    const from = this.reembedCursor.get(name) ?? null;
    const collect = async (start: string | number | null): Promise<{ out: Point[]; next: string | number | null }> => {
      const out: Point[] = [];
      let offset = start;
      for (;;) {
        const page = await this.call(`scrolling '${name}'`, (c) =>
          c.scroll(name, { limit, with_payload: { exclude: [VECTOR_KEY] }, with_vector: false, ...(offset !== null ? { offset } : {}) }), name);
        const points = page.points as Point[];
        const stale = await this.stale(name, points);
        const room = limit - out.length;
        out.push(...stale.slice(0, room));
        const next = (page.next_page_offset ?? null) as string | number | null;
        if (stale.length > room) {
          // resume right after the last point handed out
          const last = stale[room - 1]!;
          const at = points.indexOf(last);
          return { out, next: points[at + 1]?.id ?? next };
        }
        if (out.length >= limit || next === null) return { out, next };
        offset = next;
      }
    };
    let { out, next } = await collect(from);
    // one more pass from the start catches records rewritten behind the cursor
    if (out.length === 0 && from !== null) ({ out, next } = await collect(null));
    this.reembedCursor.set(name, out.length > 0 ? next : null);
    return out.map((p) => this.toRecord(p));
  }

  async writeReembed(name: string, vectors: readonly ReembedVector[]): Promise<void> {
    const live = await this.require(name);
    const p = live.meta.pending;
    if (!p) throw this.noReembed(name);
    for (const v of vectors) {
      if (v.vector.length !== p.dim) throw new CalmError('validation_error', `Vector for '${v.id}' has dimension ${v.vector.length}, expected ${p.dim}`);
      for (const x of v.vector) if (!Number.isFinite(x)) throw new CalmError('validation_error', `Vector for '${v.id}' holds a non-finite number`);
    }
    const current = await this.retrieve(name, vectors.map((v) => v.id), { exclude: [VECTOR_KEY] });
    const points = vectors.flatMap((v) => {
      const point = current.get(v.id);
      if (!point) return []; // deleted meanwhile
      // rewritten since it was handed out: this vector is stale, the record stays pending
      if (v.text !== undefined && v.text !== point.payload?.[TEXT_KEY]) return [];
      return [{ id: pointId(v.id), vector: Array.from(v.vector), payload: { ...point.payload, [VECTOR_KEY]: encodeVector(v.vector) } }];
    });
    await this.upsertPoints(shadowName(name), points);
  }

  async commitReembed(name: string): Promise<CollectionInfo> {
    const live = await this.require(name);
    const p = live.meta.pending;
    if (!p) throw this.noReembed(name);
    let missing = 0;
    for await (const page of this.scan(name, undefined, { include: [ORIGINAL_ID_KEY, TEXT_KEY] })) missing += (await this.stale(name, page)).length;
    if (missing > 0) {
      throw new CalmError('storage_error', `Re-embedding of '${name}' is incomplete (${missing} records left); run \`calm reembed\` again`);
    }
    const shadow = shadowName(name);
    const shadowRaw = await this.raw(shadow);
    const shadowMeta = shadowRaw ? QdrantRecordStore.calmMeta(shadowRaw) : undefined;
    if (!shadowMeta) throw new CalmError('storage_error', `The re-embedding of '${name}' lost its shadow collection '${shadow}'; run \`calm reembed\` again`);
    // from here on the shadow holds every record: mark both, so an interrupted copy is finished by whoever comes next
    await this.setMeta(shadow, { ...shadowMeta, committing: true });
    await this.setMeta(name, { ...live.meta, pending: { ...p, committing: true } });
    await this.copyOver(name, true);
    this.reembedCursor.delete(name);
    return this.toInfo(await this.require(name));
  }

  /**
   * The swap, step by step, each step safe to repeat: drop the old collection, create it anew with the
   * new dimension (still marked committing), copy every shadow point in, clear the mark, drop the shadow.
   */
  private async copyOver(name: string, dropLive: boolean): Promise<void> {
    const shadow = shadowName(name);
    const shadowRaw = await this.raw(shadow);
    const meta = shadowRaw ? QdrantRecordStore.calmMeta(shadowRaw) : undefined;
    if (!meta) throw new CalmError('storage_error', `Cannot finish the re-embedding of '${name}': its shadow collection is gone`);
    const spec = { embedder: meta.embedder, dim: meta.dim };
    const committing = { format: 1, ...spec, pending: { ...spec, committing: true } } as CalmCollectionMeta;
    if (dropLive) {
      await this.deleteCollection(name);
      await this.createCollection(name, spec.dim, committing);
    }
    for await (const page of this.scan(shadow, undefined, true)) {
      await this.upsertPoints(name, page.map((pt) => ({
        id: String(pt.id),
        vector: Array.from(decodeVector(pt.payload?.[VECTOR_KEY]) ?? new Float32Array(spec.dim)),
        payload: pt.payload ?? {},
      })));
    }
    await this.setMeta(name, { format: 1, ...spec });
    await this.deleteCollection(shadow);
  }

  /** Finishes a commit that a crash interrupted; true when there was one. */
  private async resumeCommit(name: string, raw: Schemas['CollectionInfo'] | null, meta: CalmCollectionMeta | undefined): Promise<boolean> {
    const shadowRaw = await this.raw(shadowName(name));
    const shadowMeta = shadowRaw ? QdrantRecordStore.calmMeta(shadowRaw) : undefined;
    if (!shadowMeta?.committing) return false;
    if (!raw) {
      await this.createCollection(name, shadowMeta.dim, { format: 1, embedder: shadowMeta.embedder, dim: shadowMeta.dim, pending: { embedder: shadowMeta.embedder, dim: shadowMeta.dim, committing: true } } as CalmCollectionMeta);
      await this.copyOver(name, false);
      return true;
    }
    if (!meta?.pending?.committing) return false;
    // the old collection still stands (its dimension is the old one) unless the drop already happened
    const liveDim = (raw.config.params.vectors as { size?: number } | undefined)?.size;
    await this.copyOver(name, liveDim !== shadowMeta.dim || meta.embedder !== shadowMeta.embedder);
    return true;
  }

  // ---- consistency -------------------------------------------------------------------------

  private async missingIndexes(live: Live): Promise<string[]> {
    const schema = live.raw.payload_schema ?? {};
    return payloadIndexes(live.name).map(([field]) => field).filter((f) => !(f in schema));
  }

  async checkConsistency(name: string): Promise<ConsistencyReport> {
    const live = await this.require(name);
    const missingVectors: string[] = [];
    let badText = 0;
    const liveIds = new Set<string | number>();
    for await (const page of this.scan(name, undefined, { include: [ORIGINAL_ID_KEY, TEXT_KEY, VECTOR_KEY] })) {
      for (const p of page) {
        liveIds.add(p.id);
        if (decodeVector(p.payload?.[VECTOR_KEY])?.length !== live.meta.dim) missingVectors.push(this.toRecord(p).id);
        if (typeof p.payload?.[TEXT_KEY] !== 'string') badText++;
      }
    }
    let orphanVectors = 0;
    if (live.meta.pending && (await this.raw(shadowName(name)))) {
      for await (const page of this.scan(shadowName(name), undefined, false)) orphanVectors += page.filter((p) => !liveIds.has(p.id)).length;
    }
    const textIndexMissing = (await this.missingIndexes(live)).includes(TEXT_KEY);
    return { missingVectors: missingVectors.sort(), orphanVectors, keywordIndexMismatch: badText + (textIndexMissing ? liveIds.size : 0) };
  }

  async repair(name: string): Promise<{ orphanVectorsRemoved: number; keywordIndexRebuilt: boolean }> {
    const live = await this.require(name);
    for (const field of await this.missingIndexes(live)) {
      const schema = payloadIndexes(name).find(([f]) => f === field)![1];
      await this.call(`indexing '${field}' in '${name}'`, (c) => c.createPayloadIndex(name, { field_name: field, field_schema: schema, wait: true }), name);
    }
    let removed = 0;
    if (live.meta.pending && (await this.raw(shadowName(name)))) {
      const liveIds = new Set<string | number>();
      for await (const page of this.scan(name, undefined, false)) for (const p of page) liveIds.add(p.id);
      const orphans: (string | number)[] = [];
      for await (const page of this.scan(shadowName(name), undefined, false)) orphans.push(...page.filter((p) => !liveIds.has(p.id)).map((p) => p.id));
      await this.deletePoints(shadowName(name), orphans);
      removed = orphans.length;
    }
    return { orphanVectorsRemoved: removed, keywordIndexRebuilt: true };
  }

  async close(): Promise<void> {
    // the REST client holds no connection that needs closing
  }
}
