/**
 * A fake Qdrant REST server (node:http on loopback) for tests: no real Qdrant can run on the build
 * machines. It implements the endpoints calm calls, with Qdrant's documented semantics, and the request
 * and response shapes of the client's own OpenAPI types (`Schemas` from @qdrant/js-client-rest):
 *
 * - collections: list, get (CollectionInfo with config.metadata and payload_schema), exists, create
 *   (409 when it exists), update (metadata merged per top-level key), delete (false when missing), payload
 *   indexes; 404 `Not found: Collection ... doesn't exist!` for a missing collection;
 * - points: upsert (whole batch validated first; cosine vectors normalised on write, as Qdrant stores
 *   them), retrieve, delete by ids or filter, count, scroll in point-id order with `next_page_offset`,
 *   query and search (exact cosine);
 * - filters: must / should / must_not / min_should, nested filters, match value / any / except / text /
 *   text_any, numeric and datetime range, values_count, is_empty, is_null, has_id; an array payload
 *   matches when any element does; full-text match uses the text index's tokenizer when the field has
 *   one, else every query word must be a substring;
 * - snapshots: create (sha256 checksum in the description), list, download, delete, and recovery from a
 *   multipart upload (`snapshot` file part) with `priority` (replica | snapshot | no_sync) and
 *   `checksum` (400 on mismatch). A fake snapshot is JSON, not Qdrant's tar: only this fake reads it.
 *
 * - aliases: `POST /collections/aliases` with create_alias / delete_alias / rename_alias actions, all
 *   checked first and applied at once (or none); `GET /aliases`, `GET /collections/{name}/aliases`; every
 *   collection route resolves an alias to its collection except create and delete, which take physical
 *   names (a collection cannot be created under an alias's name, nor an alias under a collection's);
 *   deleting a collection deletes its aliases.
 *
 * Tests can require an API key, inject failures, rewrite results (lies such as a wrong checksum), read
 * the request log and stop the server to simulate an unreachable Qdrant.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Schemas } from '@qdrant/js-client-rest';

type Payload = Record<string, unknown>;
type PointId = string | number;
type Filter = Schemas['Filter'];
type Condition = Schemas['Condition'];

interface FakePoint {
  id: PointId;
  vector: number[];
  payload: Payload;
  version: number;
}

interface FakeCollection {
  size: number;
  distance: string;
  metadata: Payload | null;
  points: Map<string, FakePoint>;
  payloadSchema: Record<string, { data_type: string; params?: Record<string, unknown> }>;
  version: number;
}

interface SnapshotFile {
  readonly bytes: Buffer;
  readonly created: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface LoggedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: unknown;
  readonly contentType: string;
}

/** A fault: return `{status, error}` to fail a request instead of serving it. */
export type Fault = (req: LoggedRequest) => { status: number; error: string } | undefined;

/** A lie: return a replacement for a successful JSON result (a wrong checksum, say), or undefined to keep it. */
export type Rewrite = (req: LoggedRequest, result: unknown) => unknown;

const UUID_RE = /^(?:urn:uuid:)?\{?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\}?$/i;
const PRIORITIES = ['replica', 'snapshot', 'no_sync'];

function normaliseId(id: unknown): PointId {
  if (typeof id === 'number' && Number.isInteger(id) && id >= 0) return id;
  if (typeof id === 'string') {
    const m = UUID_RE.exec(id);
    if (m) return m.slice(1).join('-').toLowerCase();
  }
  throw new HttpError(400, `Format error in JSON body: value ${JSON.stringify(id)} is not a valid point ID, valid values are either an unsigned integer or a UUID`);
}

const idKey = (id: PointId): string => (typeof id === 'number' ? `n:${String(id).padStart(20, '0')}` : `u:${id}`);
/** Qdrant's point order: integers first (by value), then UUIDs (by their 128-bit value, i.e. hex order). */
const compareIds = (a: PointId, b: PointId): number => {
  const ka = idKey(a);
  const kb = idKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

function asList<T>(v: T | T[] | null | undefined | Record<string, unknown>): T[] {
  if (v === null || v === undefined) return [];
  return Array.isArray(v) ? v : [v as T];
}

/** Values at a payload path (`a.b`, `a[].b`); arrays are flattened one level, as Qdrant does. */
function valuesAt(payload: Payload, key: string): unknown[] {
  let current: unknown[] = [payload];
  for (const part of key.split('.')) {
    const flat = part.endsWith('[]');
    const name = flat ? part.slice(0, -2) : part;
    const next: unknown[] = [];
    for (const v of current) {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) continue;
      if (!Object.hasOwn(v, name)) continue;
      const child = (v as Payload)[name];
      if (Array.isArray(child)) next.push(...child);
      else next.push(child);
    }
    current = next;
  }
  return current;
}

const isInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

function tokenizer(params: Record<string, unknown> | undefined): (text: string) => string[] {
  const type = (params?.tokenizer as string | undefined) ?? 'word';
  const lower = params?.lowercase !== false;
  return (text: string) => {
    const t = lower ? text.toLowerCase() : text;
    const words = type === 'whitespace' ? t.split(/\s+/u) : t.split(/[^\p{L}\p{N}]+/u);
    const tokens = words.filter((w) => w.length > 0);
    if (type !== 'prefix') return tokens;
    return tokens.flatMap((w) => Array.from({ length: [...w].length }, (_, i) => [...w].slice(0, i + 1).join('')));
  };
}

function dateOf(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

function inRange(x: number, r: { gt?: number | null; gte?: number | null; lt?: number | null; lte?: number | null }): boolean {
  return (r.gt == null || x > r.gt) && (r.gte == null || x >= r.gte) && (r.lt == null || x < r.lt) && (r.lte == null || x <= r.lte);
}

export class FakeQdrant {
  readonly collections = new Map<string, FakeCollection>();
  /** Alias → collection. */
  readonly aliases = new Map<string, string>();
  readonly snapshots = new Map<string, Map<string, SnapshotFile>>();
  readonly requests: LoggedRequest[] = [];
  readonly faults: Fault[] = [];
  readonly rewrites: Rewrite[] = [];
  readonly version = '1.18.0';
  private server: Server | undefined;
  private port = 0;
  private snapshotSeq = 0;

  constructor(private readonly options: { apiKey?: string } = {}) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // the same port again after a stop(), so a store built on `url` reconnects
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Stops listening and drops open connections: clients now see a refused connection. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  // ---- plumbing ----------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const send = (status: number, body: unknown, raw?: Buffer): void => {
      if (raw) {
        res.writeHead(status, { 'content-type': 'application/octet-stream', 'content-length': raw.length });
        res.end(raw);
        return;
      }
      const time = Number(process.hrtime.bigint() - started) / 1e9;
      const text = JSON.stringify(status < 300 ? { result: body, status: 'ok', time } : { status: { error: body }, time });
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    try {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const raw = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', 'http://fake');
      const contentType = req.headers['content-type'] ?? '';
      let body: unknown;
      if (raw.length > 0 && contentType.includes('application/json')) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch (e) {
          throw new HttpError(400, `Format error in JSON body: ${(e as Error).message}`);
        }
      }
      const logged: LoggedRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, body, contentType };
      this.requests.push(logged);
      if (this.options.apiKey) {
        const bearer = req.headers.authorization?.replace(/^Bearer\s+/i, '');
        if (req.headers['api-key'] !== this.options.apiKey && bearer !== this.options.apiKey) {
          throw new HttpError(401, 'Must provide an API key or an Authorization bearer token');
        }
      }
      for (const fault of this.faults) {
        const f = fault(logged);
        if (f) throw new HttpError(f.status, f.error);
      }
      let out = await this.route(logged, raw, contentType);
      if (out instanceof Buffer) return send(200, undefined, out);
      for (const rewrite of this.rewrites) out = rewrite(logged, out) ?? out;
      send(200, out);
    } catch (e) {
      if (e instanceof HttpError) send(e.status, e.message);
      else send(500, `Service internal error: ${(e as Error).message}`);
    }
  }

  private collection(name: string): FakeCollection {
    const c = this.collections.get(name);
    if (!c) throw new HttpError(404, `Not found: Collection \`${name}\` doesn't exist!`);
    return c;
  }

  private async route(r: LoggedRequest, raw: Buffer, contentType: string): Promise<unknown> {
    const parts = r.path.split('/').filter(Boolean).map(decodeURIComponent);
    const m = r.method;
    const body = (r.body ?? {}) as Record<string, unknown>;
    if (parts.length === 0 && m === 'GET') return { title: 'qdrant - vector search engine', version: this.version };
    if (parts.length === 1 && parts[0] === 'aliases' && m === 'GET') return this.listAliases();
    if (parts[0] !== 'collections') throw new HttpError(404, `Not found: ${r.path}`);
    if (parts.length === 2 && parts[1] === 'aliases' && m === 'POST') return this.changeAliases(body as Schemas['ChangeAliasesOperation']);
    const [, given, sub, a, b] = parts;
    if (given === undefined) {
      if (m === 'GET') return { collections: [...this.collections.keys()].sort().map((n) => ({ name: n })) } satisfies Schemas['CollectionsResponse'];
      throw new HttpError(405, 'Method not allowed');
    }
    if (sub === undefined) {
      if (m === 'PUT') return this.create(given, body as Schemas['CreateCollection']);
      if (m === 'DELETE') return this.deleteCollection(given);
    }
    // every other route takes an alias where a collection name goes
    const name = this.aliases.get(given) ?? given;
    if (sub === undefined) {
      if (m === 'GET') return this.info(name);
      if (m === 'PATCH') return this.update(name, body as Schemas['UpdateCollection']);
    }
    if (sub === 'exists' && m === 'GET') return { exists: this.collections.has(name) } satisfies Schemas['CollectionExistence'];
    if (sub === 'aliases' && a === undefined && m === 'GET') {
      this.collection(name);
      return this.listAliases((target) => target === name);
    }
    if (sub === 'index') {
      if (m === 'PUT' && a === undefined) return this.createIndex(name, body as Schemas['CreateFieldIndex']);
      if (m === 'DELETE' && a !== undefined) {
        delete this.collection(name).payloadSchema[a];
        return this.updated(this.collection(name));
      }
    }
    if (sub === 'points') {
      if (a === undefined && m === 'PUT') return this.upsert(name, body as Schemas['PointInsertOperations']);
      if (a === undefined && m === 'POST') return this.retrieve(name, body as Schemas['PointRequest']);
      if (a === 'delete' && m === 'POST') return this.deletePoints(name, body as Schemas['PointsSelector']);
      if (a === 'scroll' && m === 'POST') return this.scroll(name, body as Schemas['ScrollRequest']);
      if (a === 'count' && m === 'POST') return { count: this.matching(name, body.filter as Filter | undefined).length } satisfies Schemas['CountResult'];
      if (a === 'query' && m === 'POST') return { points: this.query(name, body as Schemas['QueryRequest']) } satisfies Schemas['QueryResponse'];
      if (a === 'search' && m === 'POST') {
        const s = body as Schemas['SearchRequest'];
        return this.query(name, { ...s, query: s.vector as number[] } as Schemas['QueryRequest']);
      }
      if (a !== undefined && m === 'GET') {
        const [p] = this.retrieve(name, { ids: [a], with_payload: true, with_vector: true } as Schemas['PointRequest']);
        if (!p) throw new HttpError(404, `Not found: No point with id ${a} found`);
        return p;
      }
    }
    if (sub === 'snapshots') return this.snapshotRoute(m, name, a, b, r, raw, contentType);
    throw new HttpError(404, `Not found: ${m} ${r.path}`);
  }

  private updated(c: FakeCollection): Schemas['UpdateResult'] {
    c.version++;
    return { operation_id: c.version, status: 'completed' };
  }

  // ---- aliases -----------------------------------------------------------------------------

  private listAliases(which: (collection: string) => boolean = () => true): Schemas['CollectionsAliasesResponse'] {
    const aliases = [...this.aliases.entries()].filter(([, c]) => which(c)).sort(([x], [y]) => (x < y ? -1 : 1));
    return { aliases: aliases.map(([alias_name, collection_name]) => ({ alias_name, collection_name })) };
  }

  /** Qdrant applies the actions of one request together: they run on a copy, which replaces the aliases only when all succeeded. */
  private changeAliases(body: Schemas['ChangeAliasesOperation']): boolean {
    if (!Array.isArray(body.actions)) throw new HttpError(400, 'Format error in JSON body: missing field `actions`');
    const next = new Map(this.aliases);
    const free = (alias: string): void => {
      if (this.collections.has(alias)) throw new HttpError(409, `Wrong input: Collection \`${alias}\` already exists!`);
    };
    for (const action of body.actions as Record<string, Record<string, unknown> | undefined>[]) {
      if (action.create_alias) {
        const { collection_name: c, alias_name: alias } = action.create_alias as { collection_name: string; alias_name: string };
        if (!this.collections.has(c)) throw new HttpError(404, `Not found: Collection \`${c}\` doesn't exist!`);
        free(alias);
        next.set(alias, c); // an existing alias is moved, as in Qdrant
      } else if (action.delete_alias) {
        const { alias_name: alias } = action.delete_alias as { alias_name: string };
        if (!next.delete(alias)) throw new HttpError(404, `Not found: Alias ${alias} does not exists!`);
      } else if (action.rename_alias) {
        const { old_alias_name: from, new_alias_name: to } = action.rename_alias as { old_alias_name: string; new_alias_name: string };
        const c = next.get(from);
        if (c === undefined) throw new HttpError(404, `Not found: Alias ${from} does not exists!`);
        free(to);
        next.delete(from);
        next.set(to, c);
      } else throw new HttpError(400, 'Format error in JSON body: unknown alias operation');
    }
    this.aliases.clear();
    for (const [alias, c] of next) this.aliases.set(alias, c);
    return true;
  }

  // ---- collections -------------------------------------------------------------------------

  /** Deletes a collection by its own name (false when there is none) and the aliases pointing at it. */
  private deleteCollection(name: string): boolean {
    if (!this.collections.delete(name)) return false;
    for (const [alias, c] of [...this.aliases]) if (c === name) this.aliases.delete(alias);
    return true;
  }

  private info(name: string): Schemas['CollectionInfo'] {
    const c = this.collection(name);
    const schema: Record<string, Schemas['PayloadIndexInfo']> = {};
    for (const [field, s] of Object.entries(c.payloadSchema)) {
      schema[field] = { data_type: s.data_type, ...(s.params ? { params: s.params } : {}), points: [...c.points.values()].filter((p) => valuesAt(p.payload, field).length > 0).length } as Schemas['PayloadIndexInfo'];
    }
    return {
      status: 'green',
      optimizer_status: 'ok',
      indexed_vectors_count: 0,
      points_count: c.points.size,
      segments_count: 1,
      config: {
        params: { vectors: { size: c.size, distance: c.distance as Schemas['Distance'] }, shard_number: 1, replication_factor: 1, write_consistency_factor: 1, on_disk_payload: true },
        hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10000, max_indexing_threads: 0, on_disk: false },
        optimizer_config: { deleted_threshold: 0.2, vacuum_min_vector_number: 1000, default_segment_number: 0, max_segment_size: null, memmap_threshold: null, indexing_threshold: 20000, flush_interval_sec: 5, max_optimization_threads: null },
        wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0 },
        quantization_config: null,
        metadata: c.metadata,
      } as Schemas['CollectionConfig'],
      payload_schema: schema,
    };
  }

  private create(name: string, body: Schemas['CreateCollection']): boolean {
    if (!/^[^/\\:*?"<>|\0]{1,255}$/.test(name)) throw new HttpError(422, `Validation error in path parameters: [name]: collection name is invalid`);
    if (this.collections.has(name)) throw new HttpError(409, `Wrong input: Collection \`${name}\` already exists!`);
    if (this.aliases.has(name)) throw new HttpError(409, `Wrong input: Alias with name \`${name}\` already exists!`);
    const vectors = body.vectors as { size?: number; distance?: string } | undefined;
    if (!vectors || !isInteger(vectors.size) || vectors.size < 1 || typeof vectors.distance !== 'string') {
      throw new HttpError(400, 'Format error in JSON body: vectors: expected a vector config with size and distance');
    }
    if (!['Cosine', 'Euclid', 'Dot', 'Manhattan'].includes(vectors.distance)) throw new HttpError(400, `Format error in JSON body: unknown distance ${vectors.distance}`);
    const metadata = (body as { metadata?: Payload | null }).metadata ?? null;
    this.collections.set(name, { size: vectors.size, distance: vectors.distance, metadata, points: new Map(), payloadSchema: {}, version: 0 });
    return true;
  }

  private update(name: string, body: Schemas['UpdateCollection']): boolean {
    const c = this.collection(name);
    const metadata = (body as { metadata?: Payload | null }).metadata;
    if (metadata) c.metadata = Object.keys(metadata).length === 0 ? {} : { ...(c.metadata ?? {}), ...metadata };
    return true;
  }

  private createIndex(name: string, body: Schemas['CreateFieldIndex']): Schemas['UpdateResult'] {
    const c = this.collection(name);
    const schema = body.field_schema;
    if (typeof body.field_name !== 'string' || schema === undefined || schema === null) throw new HttpError(400, 'Format error in JSON body: field_name and field_schema are required');
    if (typeof schema === 'string') c.payloadSchema[body.field_name] = { data_type: schema };
    else {
      const { type, ...params } = schema as { type: string } & Record<string, unknown>;
      c.payloadSchema[body.field_name] = { data_type: type, params: { type, ...params } };
    }
    return this.updated(c);
  }

  // ---- points ------------------------------------------------------------------------------

  private upsert(name: string, body: Schemas['PointInsertOperations']): Schemas['UpdateResult'] {
    const c = this.collection(name);
    let incoming: { id: unknown; vector: unknown; payload?: unknown }[];
    if ('points' in body && Array.isArray(body.points)) incoming = body.points as typeof incoming;
    else if ('batch' in body && body.batch) {
      const batch = body.batch as { ids: unknown[]; vectors: unknown[]; payloads?: unknown[] | null };
      incoming = batch.ids.map((id, i) => ({ id, vector: batch.vectors[i], payload: batch.payloads?.[i] }));
    } else throw new HttpError(400, 'Format error in JSON body: expected `points` or `batch`');
    // the whole batch is checked before any point is written
    const points = incoming.map((p) => {
      const id = normaliseId(p.id);
      if (!Array.isArray(p.vector) || !p.vector.every((x) => typeof x === 'number' && Number.isFinite(x))) {
        throw new HttpError(400, `Format error in JSON body: the vector of point ${String(id)} must be a list of numbers`);
      }
      if (p.vector.length !== c.size) throw new HttpError(400, `Wrong input: Vector dimension error: expected dim: ${c.size}, got ${p.vector.length}`);
      if (p.payload !== undefined && p.payload !== null && (typeof p.payload !== 'object' || Array.isArray(p.payload))) {
        throw new HttpError(400, 'Format error in JSON body: payload must be an object');
      }
      return { id, vector: this.storeVector(c, p.vector as number[]), payload: (p.payload ?? {}) as Payload };
    });
    const op = this.updated(c);
    for (const p of points) c.points.set(idKey(p.id), { ...p, version: c.version });
    return op;
  }

  /** Qdrant stores float32, and normalises vectors of cosine collections on write. */
  private storeVector(c: FakeCollection, v: number[]): number[] {
    const f = v.map((x) => Math.fround(x));
    if (c.distance !== 'Cosine') return f;
    const norm = Math.sqrt(f.reduce((s, x) => s + x * x, 0));
    return norm < 1e-30 ? f : f.map((x) => Math.fround(x / norm));
  }

  private shape(p: FakePoint, withPayload: unknown, withVector: unknown): Schemas['Record'] {
    const out: Schemas['Record'] = { id: p.id };
    const payload = this.selectPayload(p.payload, withPayload);
    if (payload !== undefined) out.payload = payload;
    if (withVector === true) out.vector = [...p.vector];
    return out;
  }

  private selectPayload(payload: Payload, sel: unknown): Payload | undefined {
    if (sel === undefined || sel === false || sel === null) return undefined;
    if (sel === true) return structuredClone(payload);
    const pick = (keys: string[]): Payload => Object.fromEntries(Object.entries(payload).filter(([k]) => keys.includes(k)));
    if (Array.isArray(sel)) return structuredClone(pick(sel as string[]));
    const s = sel as { include?: string | string[]; exclude?: string | string[] };
    if (s.include !== undefined) return structuredClone(pick(asList(s.include)));
    if (s.exclude !== undefined) {
      const ex = asList(s.exclude);
      return structuredClone(Object.fromEntries(Object.entries(payload).filter(([k]) => !ex.includes(k))));
    }
    throw new HttpError(400, 'Format error in JSON body: with_payload must be a boolean, a list of keys, or {include} / {exclude}');
  }

  private retrieve(name: string, body: Schemas['PointRequest']): Schemas['Record'][] {
    const c = this.collection(name);
    if (!Array.isArray(body.ids)) throw new HttpError(400, 'Format error in JSON body: missing field `ids`');
    const out: Schemas['Record'][] = [];
    const seen = new Set<string>();
    for (const raw of body.ids) {
      const key = idKey(normaliseId(raw));
      const p = c.points.get(key);
      if (!p || seen.has(key)) continue;
      seen.add(key);
      out.push(this.shape(p, body.with_payload ?? true, body.with_vector ?? false));
    }
    return out;
  }

  private deletePoints(name: string, body: Schemas['PointsSelector']): Schemas['UpdateResult'] {
    const c = this.collection(name);
    if ('points' in body && Array.isArray(body.points)) {
      for (const id of body.points) c.points.delete(idKey(normaliseId(id)));
    } else if ('filter' in body && body.filter) {
      for (const p of this.matching(name, body.filter as Filter)) c.points.delete(idKey(p.id));
    } else throw new HttpError(400, 'Format error in JSON body: expected `points` or `filter`');
    return this.updated(c);
  }

  private matching(name: string, filter: Filter | null | undefined): FakePoint[] {
    const c = this.collection(name);
    const all = [...c.points.values()].sort((a, b) => compareIds(a.id, b.id));
    return filter ? all.filter((p) => this.check(c, p, filter)) : all;
  }

  private scroll(name: string, body: Schemas['ScrollRequest']): Schemas['ScrollResult'] {
    const limit = body.limit ?? 10;
    if (!isInteger(limit) || limit < 1) throw new HttpError(422, 'Validation error in JSON body: [limit]: value must be at least 1');
    let points = this.matching(name, body.filter as Filter | undefined);
    const orderBy = body.order_by as Schemas['OrderBy'] | string | null | undefined;
    if (orderBy) {
      const ob = typeof orderBy === 'string' ? { key: orderBy } : orderBy;
      const index = this.collection(name).payloadSchema[ob.key];
      if (!index || !['integer', 'float', 'datetime'].includes(index.data_type)) {
        throw new HttpError(400, `Bad request: No range index for \`order_by\` key: \`${ob.key}\`. Please create one to use \`order_by\`.`);
      }
      const value = (p: FakePoint): number | undefined => {
        const v = valuesAt(p.payload, ob.key)[0];
        return typeof v === 'number' ? v : dateOf(v);
      };
      const dir = ob.direction === 'desc' ? -1 : 1;
      points = points.filter((p) => value(p) !== undefined).sort((x, y) => dir * (value(x)! - value(y)!) || compareIds(x.id, y.id));
      return { points: points.slice(0, limit).map((p) => this.shape(p, body.with_payload ?? true, body.with_vector ?? false)), next_page_offset: null };
    }
    if (body.offset !== undefined && body.offset !== null) {
      const from = normaliseId(body.offset);
      points = points.filter((p) => compareIds(p.id, from) >= 0);
    }
    const page = points.slice(0, limit);
    return {
      points: page.map((p) => this.shape(p, body.with_payload ?? true, body.with_vector ?? false)),
      next_page_offset: points[limit]?.id ?? null,
    };
  }

  private query(name: string, body: Schemas['QueryRequest']): Schemas['ScoredPoint'][] {
    const c = this.collection(name);
    const q = body.query as unknown;
    const vector = Array.isArray(q) ? q : (q as { nearest?: unknown } | null)?.nearest;
    if (!Array.isArray(vector)) throw new HttpError(400, 'Bad request: this fake answers nearest-vector queries only');
    if (vector.length !== c.size) throw new HttpError(400, `Wrong input: Vector dimension error: expected dim: ${c.size}, got ${vector.length}`);
    const limit = body.limit ?? 10;
    const offset = body.offset ?? 0;
    const qv = this.storeVector(c, vector as number[]);
    const score = (p: FakePoint): number => {
      if (c.distance === 'Euclid') return Math.sqrt(p.vector.reduce((s, x, i) => s + (x - qv[i]!) ** 2, 0));
      return p.vector.reduce((s, x, i) => s + x * qv[i]!, 0);
    };
    const scored = this.matching(name, body.filter as Filter | undefined).map((p) => ({ p, score: score(p) }));
    const dir = c.distance === 'Euclid' ? 1 : -1;
    scored.sort((a, b) => dir * (a.score - b.score) || compareIds(a.p.id, b.p.id));
    const threshold = body.score_threshold;
    return scored
      .filter((s) => threshold === undefined || threshold === null || (dir < 0 ? s.score >= threshold : s.score <= threshold))
      .slice(offset, offset + limit)
      .map(({ p, score: s }) => ({ ...this.shape(p, body.with_payload ?? false, body.with_vector ?? false), version: p.version, score: s }) as Schemas['ScoredPoint']);
  }

  // ---- filters -----------------------------------------------------------------------------

  private check(c: FakeCollection, p: FakePoint, filter: Filter): boolean {
    const ok = (cond: Condition): boolean => this.condition(c, p, cond);
    const must = asList<Condition>(filter.must as Condition | Condition[] | null | undefined);
    const should = asList<Condition>(filter.should as Condition | Condition[] | null | undefined);
    const mustNot = asList<Condition>(filter.must_not as Condition | Condition[] | null | undefined);
    if (!must.every(ok)) return false;
    // an empty `should` is no constraint
    if (should.length > 0 && !should.some(ok)) return false;
    if (mustNot.some(ok)) return false;
    const min = filter.min_should as Schemas['MinShould'] | null | undefined;
    if (min && min.conditions.filter(ok).length < min.min_count) return false;
    return true;
  }

  private condition(c: FakeCollection, p: FakePoint, cond: Condition): boolean {
    const k = cond as Record<string, unknown>;
    if ('must' in k || 'should' in k || 'must_not' in k || 'min_should' in k) return this.check(c, p, cond as Filter);
    if ('has_id' in k) return (k.has_id as unknown[]).some((id) => idKey(normaliseId(id)) === idKey(p.id));
    if ('is_empty' in k && typeof k.is_empty === 'object' && k.is_empty !== null) {
      const vs = valuesAt(p.payload, (k.is_empty as { key: string }).key);
      return vs.length === 0 || vs.every((v) => v === null);
    }
    if ('is_null' in k && typeof k.is_null === 'object' && k.is_null !== null) {
      const key = (k.is_null as { key: string }).key;
      return valuesAt(p.payload, key).some((v) => v === null);
    }
    if ('nested' in k) {
      const { key, filter } = k.nested as { key: string; filter: Filter };
      return valuesAt(p.payload, key).some((v) => v !== null && typeof v === 'object' && this.check(c, { ...p, payload: v as Payload }, filter));
    }
    if ('has_vector' in k) return true;
    if (typeof k.key === 'string') return this.field(c, p, cond as Schemas['FieldCondition']);
    throw new HttpError(400, `Format error in JSON body: unknown condition ${JSON.stringify(cond)}`);
  }

  private field(c: FakeCollection, p: FakePoint, f: Schemas['FieldCondition']): boolean {
    const values = valuesAt(p.payload, f.key);
    const checks: boolean[] = [];
    if (f.match) checks.push(this.match(c, f.key, values, f.match as Schemas['Match']));
    if (f.range) {
      const r = f.range as Record<string, unknown>;
      const bounds = [r.gt, r.gte, r.lt, r.lte].filter((x) => x !== undefined && x !== null);
      if (bounds.every((x) => typeof x === 'number')) {
        checks.push(values.some((v) => typeof v === 'number' && inRange(v, r as Schemas['Range'])));
      } else {
        const d = (x: unknown): number | undefined => (x === undefined || x === null ? undefined : dateOf(x));
        const dr = { gt: d(r.gt), gte: d(r.gte), lt: d(r.lt), lte: d(r.lte) };
        checks.push(values.some((v) => dateOf(v) !== undefined && inRange(dateOf(v)!, dr)));
      }
    }
    if (f.values_count) {
      const raw = Object.hasOwn(p.payload, f.key) ? p.payload[f.key] : undefined;
      const n = raw === undefined || raw === null ? 0 : Array.isArray(raw) ? raw.length : 1;
      checks.push(inRange(n, f.values_count as Schemas['ValuesCount']));
    }
    if (f.is_empty === true) checks.push(values.length === 0 || values.every((v) => v === null));
    if (f.is_null === true) checks.push(values.some((v) => v === null));
    if (checks.length === 0) throw new HttpError(400, `Bad request: field condition on '${f.key}' has no match, range or count`);
    return checks.every(Boolean);
  }

  private match(c: FakeCollection, key: string, values: unknown[], m: Schemas['Match']): boolean {
    if ('value' in m) {
      const want = m.value;
      if (typeof want === 'number' && !Number.isInteger(want)) throw new HttpError(400, 'Format error in JSON body: match value must be a string, an integer or a boolean');
      return values.some((v) => v === want && typeof v === typeof want);
    }
    if ('any' in m) {
      const list = m.any as unknown[];
      if (list.some((x) => typeof x !== 'string' && !isInteger(x))) throw new HttpError(400, 'Format error in JSON body: match any takes strings or integers');
      return values.some((v) => (typeof v === 'string' || isInteger(v)) && list.includes(v));
    }
    if ('except' in m) {
      const list = m.except as unknown[];
      return values.some((v) => (typeof v === 'string' || isInteger(v)) && !list.includes(v));
    }
    const index = c.payloadSchema[key];
    const textIndex = index?.data_type === 'text' ? tokenizer(index.params) : undefined;
    const strings = values.filter((v): v is string => typeof v === 'string');
    if ('text' in m || 'text_any' in m || 'phrase' in m) {
      const query = 'text' in m ? m.text : 'text_any' in m ? m.text_any : (m as { phrase: string }).phrase;
      const any = 'text_any' in m;
      if (textIndex) {
        const q = textIndex(query);
        if (q.length === 0) return false;
        return strings.some((s) => {
          const tokens = textIndex(s);
          if ('phrase' in m) return tokens.join(' ').includes(q.join(' '));
          return any ? q.some((t) => tokens.includes(t)) : q.every((t) => tokens.includes(t));
        });
      }
      // without a full-text index: every (or any) query word is a substring of the value
      const words = query.split(/\s+/).filter(Boolean);
      return strings.some((s) => (any ? words.some((w) => s.includes(w)) : words.every((w) => s.includes(w))));
    }
    throw new HttpError(400, `Format error in JSON body: unknown match ${JSON.stringify(m)}`);
  }

  // ---- snapshots ---------------------------------------------------------------------------

  private snapshotList(name: string): Map<string, SnapshotFile> {
    let list = this.snapshots.get(name);
    if (!list) this.snapshots.set(name, (list = new Map()));
    return list;
  }

  private describe(name: string, file: SnapshotFile): Schemas['SnapshotDescription'] {
    return { name, creation_time: file.created, size: file.bytes.length, checksum: createHash('sha256').update(file.bytes).digest('hex') };
  }

  private async snapshotRoute(m: string, name: string, a: string | undefined, b: string | undefined, r: LoggedRequest, raw: Buffer, contentType: string): Promise<unknown> {
    if (a === undefined && m === 'POST') {
      const c = this.collection(name);
      const now = new Date();
      const snap = `${name}-${++this.snapshotSeq}-${now.toISOString().slice(0, 19).replace(/[T:]/g, '-')}.snapshot`;
      const bytes = Buffer.from(JSON.stringify({
        format: 'fake-qdrant-snapshot/1', collection: name, size: c.size, distance: c.distance, metadata: c.metadata, payload_schema: c.payloadSchema,
        points: [...c.points.values()].sort((x, y) => compareIds(x.id, y.id)),
      }));
      const file = { bytes, created: now.toISOString().slice(0, 19) };
      this.snapshotList(name).set(snap, file);
      return this.describe(snap, file);
    }
    if (a === undefined && m === 'GET') {
      this.collection(name);
      return [...this.snapshotList(name).entries()].map(([n, f]) => this.describe(n, f));
    }
    if (a === 'upload' && m === 'POST') return this.recover(name, r.query, raw, contentType);
    if (a !== undefined && b === undefined) {
      const file = this.snapshotList(name).get(a);
      if (!file) throw new HttpError(404, `Not found: Snapshot ${a} not found`);
      if (m === 'GET') return file.bytes;
      if (m === 'DELETE') {
        this.snapshotList(name).delete(a);
        return true;
      }
    }
    throw new HttpError(404, `Not found: ${m} ${r.path}`);
  }

  private async recover(name: string, query: URLSearchParams, raw: Buffer, contentType: string): Promise<boolean> {
    const priority = query.get('priority');
    if (priority !== null && !PRIORITIES.includes(priority)) {
      throw new HttpError(400, `Format error in query string: unknown variant \`${priority}\`, expected one of \`replica\`, \`snapshot\`, \`no_sync\``);
    }
    if (!contentType.startsWith('multipart/form-data')) throw new HttpError(400, 'Bad request: expected a multipart/form-data body with a `snapshot` file');
    const form = await new Request('http://fake/upload', { method: 'POST', headers: { 'content-type': contentType }, body: raw }).formData();
    const file = form.get('snapshot');
    if (!file || typeof file === 'string') throw new HttpError(400, 'Bad request: the form has no `snapshot` file part');
    const bytes = Buffer.from(await file.arrayBuffer());
    const checksum = query.get('checksum');
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (checksum !== null && checksum !== actual) throw new HttpError(400, `Bad request: Snapshot checksum mismatch: expected ${checksum}, got ${actual}`);
    let snap: { format?: string; size: number; distance: string; metadata: Payload | null; payload_schema: FakeCollection['payloadSchema']; points: FakePoint[] };
    try {
      snap = JSON.parse(bytes.toString('utf8')) as typeof snap;
      if (snap.format !== 'fake-qdrant-snapshot/1') throw new Error('unknown format');
    } catch {
      throw new HttpError(400, 'Bad request: the uploaded file is not a snapshot');
    }
    // recovery replaces the collection (or creates it) with the snapshot's data
    this.collections.set(name, {
      size: snap.size, distance: snap.distance, metadata: snap.metadata, payloadSchema: snap.payload_schema, version: 0,
      points: new Map(snap.points.map((p) => [idKey(p.id), p])),
    });
    return true;
  }
}

/** Starts a fake on a free loopback port. */
export async function startFakeQdrant(options: { apiKey?: string } = {}): Promise<FakeQdrant> {
  return new FakeQdrant(options).start();
}
