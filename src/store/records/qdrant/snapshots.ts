/**
 * @module The Qdrant backend's snapshot capability (record-store.ts `SnapshotCapability`): a small REST
 * client on plain `fetch` for collection snapshots: create, download (checking Qdrant's sha256), delete,
 * and upload for recovery with `priority=snapshot` and the checksum, so Qdrant rejects a damaged file and
 * the snapshot, not a replica, becomes the source of truth. Streams files instead of buffering them,
 * which the JS client cannot. Connection failures are `not_available` errors (the caller degrades);
 * HTTP errors are `storage_error`s.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, openAsBlob } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { CalmError } from '../../../errors.js';
import type { SnapshotCapability } from '../record-store.js';
import { generationName, isGeneration } from './layout.js';

export interface SnapshotDescription {
  readonly name: string;
  readonly size: number;
  /** sha256 hex, as Qdrant reports it (absent on old servers). */
  readonly checksum?: string;
}

export interface QdrantClientOptions {
  readonly apiKey?: string;
  /** Per request, milliseconds (snapshots of large collections take a while). */
  readonly timeoutMs?: number;
}

export class QdrantSnapshotClient implements SnapshotCapability {
  private readonly base: string;

  constructor(
    url: string,
    private readonly options: QdrantClientOptions = {},
  ) {
    this.base = url.replace(/\/+$/, '');
  }

  get url(): string {
    return this.base;
  }

  private async request(method: string, path: string, init: { body?: FormData; query?: Record<string, string>; json?: unknown } = {}): Promise<Response> {
    const query = init.query ? `?${new URLSearchParams(init.query).toString()}` : '';
    const headers: Record<string, string> = {};
    if (this.options.apiKey) headers['api-key'] = this.options.apiKey;
    let body: FormData | string | undefined = init.body;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    }
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}${query}`, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 300_000),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (e as Error).message;
      throw new CalmError('not_available', `Qdrant at ${this.base} is unreachable (${why})`, { cause: e });
    }
    if (!res.ok) {
      let detail = '';
      try {
        const body = (await res.json()) as { status?: { error?: string } };
        detail = body.status?.error ? `: ${body.status.error}` : '';
      } catch {
        // not JSON
      }
      throw new CalmError('storage_error', `Qdrant ${method} ${path} failed with HTTP ${res.status}${detail}`);
    }
    return res;
  }

  private async result<T>(method: string, path: string, init?: { query?: Record<string, string>; json?: unknown }): Promise<T> {
    const body = (await (await this.request(method, path, init)).json()) as { result: T };
    return body.result;
  }

  private async physical(): Promise<string[]> {
    const r = await this.result<{ collections: { name: string }[] }>('GET', '/collections');
    return r.collections.map((c) => c.name);
  }

  /** Alias → the collection it points at. */
  async aliases(): Promise<Map<string, string>> {
    const r = await this.result<{ aliases: { alias_name: string; collection_name: string }[] }>('GET', '/aliases');
    return new Map(r.aliases.map((a) => [a.alias_name, a.collection_name]));
  }

  async listCollections(): Promise<string[]> {
    const [physical, aliases] = [await this.physical(), await this.aliases()];
    return [...new Set([...physical.filter((n) => !isGeneration(n)), ...aliases.keys()])].sort();
  }

  async resolve(name: string): Promise<string | null> {
    const target = (await this.aliases()).get(name);
    if (target !== undefined) return target;
    return (await this.physical()).includes(name) ? name : null;
  }

  generationName(name: string, id: string): string {
    return generationName(name, id);
  }

  async switchAliases(targets: readonly { readonly name: string; readonly generation: string }[]): Promise<void> {
    const aliases = await this.aliases();
    const physical = await this.physical();
    const pending = targets.filter((t) => aliases.get(t.name) !== t.generation);
    if (pending.length === 0) return;
    // the layout from before generations: the live name is a collection, which an alias cannot shadow
    for (const t of pending) if (physical.includes(t.name)) await this.deleteCollection(t.name);
    const actions = pending.flatMap((t) => [
      ...(aliases.has(t.name) ? [{ delete_alias: { alias_name: t.name } }] : []),
      { create_alias: { collection_name: t.generation, alias_name: t.name } },
    ]);
    await this.request('POST', '/collections/aliases', { json: { actions } });
  }

  async pointsCount(collection: string): Promise<number> {
    const target = (await this.aliases()).get(collection) ?? collection;
    const r = await this.result<{ points_count?: number | null }>('GET', `/collections/${encodeURIComponent(target)}`);
    return r.points_count ?? 0;
  }

  async createSnapshot(collection: string): Promise<SnapshotDescription> {
    return this.result<SnapshotDescription>('POST', `/collections/${encodeURIComponent(collection)}/snapshots`, { query: { wait: 'true' } });
  }

  /** Streams the snapshot to `file`; a checksum different from Qdrant's deletes the file and fails. */
  async downloadSnapshot(collection: string, snapshot: SnapshotDescription, file: string): Promise<{ size: number; sha256: string }> {
    const res = await this.request('GET', `/collections/${encodeURIComponent(collection)}/snapshots/${encodeURIComponent(snapshot.name)}`);
    const hash = createHash('sha256');
    const out = createWriteStream(file, { mode: 0o600 });
    let size = 0;
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        hash.update(chunk);
        size += chunk.byteLength;
        if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', resolve));
      }
      await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    } catch (e) {
      out.destroy();
      await rm(file, { force: true });
      throw new CalmError('not_available', `Download of the '${collection}' snapshot from ${this.base} failed: ${(e as Error).message}`, { cause: e });
    }
    const sha256 = hash.digest('hex');
    if (snapshot.checksum && snapshot.checksum !== sha256) {
      await rm(file, { force: true });
      throw new CalmError('storage_error', `Snapshot of '${collection}' arrived damaged: sha256 ${sha256}, Qdrant says ${snapshot.checksum}`);
    }
    return { size, sha256 };
  }

  async deleteSnapshot(collection: string, snapshot: string): Promise<void> {
    await this.request('DELETE', `/collections/${encodeURIComponent(collection)}/snapshots/${encodeURIComponent(snapshot)}`, { query: { wait: 'true' } });
  }

  /** Snapshot, download (checked), then delete the server's copy (best effort: it only costs disk there). */
  async snapshotTo(collection: string, file: string): Promise<{ size: number; sha256: string }> {
    // a live name that is an alias: the snapshot is of the generation behind it
    const target = (await this.aliases()).get(collection) ?? collection;
    const snapshot = await this.createSnapshot(target);
    try {
      return await this.downloadSnapshot(target, snapshot, file);
    } finally {
      await this.deleteSnapshot(target, snapshot.name).catch(() => undefined);
    }
  }

  /** Deletes a whole physical collection, calm's or not (its aliases go with it): scratch collections, old generations. */
  async deleteCollection(collection: string): Promise<void> {
    await this.request('DELETE', `/collections/${encodeURIComponent(collection)}`);
  }

  /** Recovers a collection from a snapshot file: multipart upload, `priority=snapshot`, Qdrant checks the sha256. */
  async uploadSnapshot(collection: string, file: string, sha256: string): Promise<void> {
    const form = new FormData();
    form.append('snapshot', await openAsBlob(file, { type: 'application/octet-stream' }), basename(file));
    await this.request('POST', `/collections/${encodeURIComponent(collection)}/snapshots/upload`, {
      body: form,
      query: { wait: 'true', priority: 'snapshot', checksum: sha256 },
    });
  }
}
