/**
 * @module The Qdrant calls the store makes, each turning failures into CalmErrors, with the paging and
 * chunking that keep requests small: collections (read, create with payload indexes, metadata, drop),
 * exact counts, and points (retrieve by record id, scan by filter, upsert, delete).
 *
 * Nothing is cached between calls: several processes (and machines) share one server, so every call
 * reads afresh.
 */
import type { QdrantClient, Schemas } from '@qdrant/js-client-rest';
import { createQdrantClient, isStatus, type QdrantConnection, qdrantError } from './client.js';
import type { QdrantFilter } from './filter-to-qdrant.js';
import { ORIGINAL_ID_KEY, pointId } from './ids.js';
import { type CalmCollectionMeta, isGeneration, layoutOf, payloadIndexes } from './layout.js';

export type Point = { id: string | number; payload?: Record<string, unknown> | null; vector?: unknown; score?: number };
export type PayloadSelector = Schemas['WithPayloadInterface'];
export type RawCollection = Schemas['CollectionInfo'];
export type NewPoint = { id: string; vector: number[]; payload: Record<string, unknown> };

/** A collection calm created, with its metadata. */
export interface LiveCollection {
  readonly name: string;
  readonly meta: CalmCollectionMeta;
  readonly raw: RawCollection;
}

/** Points per request: keeps bodies far below Qdrant's 32 MB limit even for 768-d vectors. */
const WRITE_CHUNK = 256;
export const READ_PAGE = 1000;

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** calm's metadata of a collection; undefined for one calm did not create. */
export function calmMeta(raw: RawCollection): CalmCollectionMeta | undefined {
  const meta = (raw.config as { metadata?: Record<string, unknown> | null }).metadata?.calm as CalmCollectionMeta | undefined;
  return meta && typeof meta.embedder === 'string' && typeof meta.dim === 'number' ? meta : undefined;
}

export class QdrantApi {
  private clientPromise: Promise<QdrantClient> | undefined;

  constructor(private readonly conn: QdrantConnection) {}

  get url(): string {
    return this.conn.url;
  }

  private client(): Promise<QdrantClient> {
    this.clientPromise ??= createQdrantClient(this.conn);
    return this.clientPromise;
  }

  /** Runs one client call; failures become CalmErrors (404 → not_found naming `collection`). */
  async call<T>(what: string, fn: (c: QdrantClient) => Promise<T>, collection?: string): Promise<T> {
    const c = await this.client();
    try {
      return await fn(c);
    } catch (e) {
      throw qdrantError(e, this.conn.url, what, collection);
    }
  }

  // ---- collections -------------------------------------------------------------------------

  /** The raw collection, or null when Qdrant has none of that name. */
  async raw(name: string): Promise<RawCollection | null> {
    const c = await this.client();
    try {
      return await c.getCollection(name);
    } catch (e) {
      if (isStatus(e, 404)) return null;
      throw qdrantError(e, this.conn.url, `reading collection '${name}'`);
    }
  }

  /** Live names: aliases (restored collections) and physical collections that are not a generation behind one. */
  async collectionNames(): Promise<string[]> {
    const all = await this.call('listing collections', (c) => c.getCollections());
    const aliases = await this.aliases();
    return [...new Set([...all.collections.map((c) => c.name).filter((n) => !isGeneration(n)), ...aliases.keys()])];
  }

  /** Alias → the collection it points at. */
  async aliases(): Promise<Map<string, string>> {
    const r = await this.call('listing aliases', (c) => c.getAliases());
    return new Map(r.aliases.map((a) => [a.alias_name, a.collection_name]));
  }

  async exactCount(name: string, filter?: QdrantFilter): Promise<number> {
    const r = await this.call(`count in '${name}'`, (c) => c.count(name, { exact: true, ...(filter ? { filter } : {}) }), name);
    return r.count;
  }

  async createCollection(name: string, dim: number, meta: CalmCollectionMeta): Promise<void> {
    await this.call(`creating collection '${name}'`, (c) =>
      // through the generated API: the client's createCollection helper drops `metadata`
      c.api().createCollection({ collection_name: name, vectors: { size: dim, distance: 'Cosine' }, metadata: { calm: meta } }),
    );
    await this.createIndexes(name, layoutOf(name));
  }

  /** The payload indexes calm's layout of `layoutOf` filters on. */
  async createIndexes(name: string, layoutOf: string, only?: readonly string[]): Promise<void> {
    for (const [field, schema] of payloadIndexes(layoutOf)) {
      if (only && !only.includes(field)) continue;
      await this.call(`indexing '${field}' in '${name}'`, (c) => c.createPayloadIndex(name, { field_name: field, field_schema: schema, wait: true }), name);
    }
  }

  async setMeta(name: string, meta: CalmCollectionMeta): Promise<void> {
    // metadata merges per top-level key, so `calm` is replaced whole
    await this.call(`updating metadata of '${name}'`, (c) => c.updateCollection(name, { metadata: { calm: meta } } as Schemas['UpdateCollection']), name);
  }

  /** Deletes a collection; a live name that is an alias deletes the generation behind it (its alias goes with it). */
  async deleteCollection(name: string): Promise<void> {
    const target = (await this.aliases()).get(name) ?? name;
    await this.call(`deleting collection '${target}'`, (c) => c.deleteCollection(target));
  }

  // ---- points ------------------------------------------------------------------------------

  /** Points by record id (requested order, missing ones left out, each id once). */
  async retrieve(name: string, ids: readonly string[], withPayload: PayloadSelector): Promise<Map<string, Point>> {
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

  /** One page of points in point-id order, from `offset` (null: the start). */
  async page(name: string, limit: number, withPayload: PayloadSelector, offset: string | number | null, filter?: QdrantFilter): Promise<{ points: Point[]; next: string | number | null }> {
    const page = await this.call(`scrolling '${name}'`, (c) =>
      c.scroll(name, {
        limit, with_payload: withPayload, with_vector: false,
        ...(filter ? { filter } : {}), ...(offset !== null && offset !== undefined ? { offset } : {}),
      }), name);
    return { points: page.points as Point[], next: (page.next_page_offset ?? null) as string | number | null };
  }

  /** Every point matching `filter`, page by page, following `next_page_offset` (CALM read only the first page). */
  async *scan(name: string, filter: QdrantFilter | undefined, withPayload: PayloadSelector, from: string | number | null = null): AsyncGenerator<Point[]> {
    let offset: string | number | null = from;
    do {
      const page = await this.page(name, READ_PAGE, withPayload, offset, filter);
      yield page.points;
      offset = page.next;
    } while (offset !== null);
  }

  async upsertPoints(name: string, points: readonly NewPoint[]): Promise<void> {
    for (const part of chunks(points, WRITE_CHUNK)) {
      await this.call(`writing to '${name}'`, (c) => c.upsert(name, { wait: true, points: part }), name);
    }
  }

  async deletePoints(name: string, ids: readonly (string | number)[]): Promise<void> {
    for (const part of chunks(ids, READ_PAGE)) {
      await this.call(`deleting from '${name}'`, (c) => c.delete(name, { wait: true, points: part }), name);
    }
  }

  /** A search by vector. */
  async query(name: string, body: Parameters<QdrantClient['query']>[1]): Promise<Point[]> {
    const res = await this.call(`searching '${name}'`, (c) => c.query(name, body), name);
    return res.points as Point[];
  }
}
