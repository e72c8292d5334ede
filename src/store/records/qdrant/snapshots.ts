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

  private async request(method: string, path: string, init: { body?: FormData; query?: Record<string, string> } = {}): Promise<Response> {
    const query = init.query ? `?${new URLSearchParams(init.query).toString()}` : '';
    const headers: Record<string, string> = {};
    if (this.options.apiKey) headers['api-key'] = this.options.apiKey;
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}${query}`, {
        method,
        headers,
        ...(init.body ? { body: init.body } : {}),
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

  private async result<T>(method: string, path: string, init?: { query?: Record<string, string> }): Promise<T> {
    const body = (await (await this.request(method, path, init)).json()) as { result: T };
    return body.result;
  }

  async listCollections(): Promise<string[]> {
    const r = await this.result<{ collections: { name: string }[] }>('GET', '/collections');
    return r.collections.map((c) => c.name);
  }

  async pointsCount(collection: string): Promise<number> {
    const r = await this.result<{ points_count?: number | null }>('GET', `/collections/${encodeURIComponent(collection)}`);
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
    const snapshot = await this.createSnapshot(collection);
    try {
      return await this.downloadSnapshot(collection, snapshot, file);
    } finally {
      await this.deleteSnapshot(collection, snapshot.name).catch(() => undefined);
    }
  }

  /** Deletes a whole collection, calm's or not: only for the scratch collections a restore recovered a snapshot into. */
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
