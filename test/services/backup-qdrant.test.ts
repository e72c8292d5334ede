/**
 * The Qdrant part of backups against a local HTTP stub of Qdrant's snapshot endpoints (until the
 * in-repo fake Qdrant server lands): download with checksum, upload with priority and checksum, JSONL
 * fallback, and Qdrant down → a partial backup that still holds SQLite and says what is missing.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { loadConfig, type CalmConfig } from '../../src/config.js';
import type { App } from '../../src/app.js';
import { createBackup } from '../../src/services/backup/create.js';
import { QdrantBackupSource } from '../../src/services/backup/qdrant-source.js';
import { QdrantSnapshotClient } from '../../src/services/backup/qdrant-snapshots.js';
import { SqliteBackupSource } from '../../src/services/backup/sqlite-source.js';
import { verifyBackup } from '../../src/services/backup/verify.js';
import { hashEmbed } from '../../src/embedding/hash.js';
import { tempHome, type TempHome } from '../helpers/home.js';

interface Upload {
  collection: string;
  query: URLSearchParams;
  contentType: string;
  fileSha256: string;
}

/** Qdrant's snapshot endpoints with their documented shapes; `lieAboutChecksum` and `failUploads` inject faults. */
class QdrantStub {
  server!: Server;
  snapshots = new Map<string, Buffer>(); // "collection/name" -> bytes
  uploads: Upload[] = [];
  deleted: string[] = [];
  lieAboutChecksum = false;
  failUploads = false;
  constructor(readonly collections: Record<string, Buffer>) {}

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res.writeHead.bind(res), res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, _w: unknown, res: import('node:http').ServerResponse): Promise<void> {
    const url = new URL(req.url!, 'http://x');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const body = await new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks)));
    });
    const json = (status: number, result: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(status < 300 ? { result, status: 'ok', time: 0 } : { status: { error: result }, time: 0 }));
    };
    const [root, c, sub, name] = parts;
    if (root !== 'collections') return json(404, 'Not found');
    if (req.method === 'GET' && !c) return json(200, { collections: Object.keys(this.collections).map((n) => ({ name: n })) });
    if (!c || !(c in this.collections)) return json(404, `Collection ${c} not found`);
    if (req.method === 'GET' && !sub) return json(200, { points_count: 3 });
    if (sub !== 'snapshots') return json(404, 'Not found');
    if (req.method === 'POST' && name === 'upload') {
      if (this.failUploads) return json(500, 'Service internal error: disk full');
      const contentType = req.headers['content-type'] ?? '';
      const boundary = /boundary=(.+)$/.exec(contentType)?.[1] ?? '';
      // the single file part: between the blank line after its headers and the closing boundary
      const start = body.indexOf('\r\n\r\n') + 4;
      const end = body.lastIndexOf(Buffer.from(`\r\n--${boundary}`));
      const file = body.subarray(start, end);
      const fileSha256 = createHash('sha256').update(file).digest('hex');
      const checksum = url.searchParams.get('checksum');
      if (checksum && checksum !== fileSha256) return json(400, 'Snapshot checksum mismatch');
      this.uploads.push({ collection: c, query: url.searchParams, contentType, fileSha256 });
      return json(200, true);
    }
    if (req.method === 'POST' && !name) {
      const bytes = this.collections[c]!;
      const snap = `${c}-${this.snapshots.size}.snapshot`;
      this.snapshots.set(`${c}/${snap}`, bytes);
      const checksum = this.lieAboutChecksum ? '0'.repeat(64) : createHash('sha256').update(bytes).digest('hex');
      return json(200, { name: snap, creation_time: null, size: bytes.length, checksum });
    }
    const bytes = name ? this.snapshots.get(`${c}/${name}`) : undefined;
    if (!bytes) return json(404, 'Snapshot not found');
    if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      return void res.end(bytes);
    }
    if (req.method === 'DELETE') {
      this.snapshots.delete(`${c}/${name}`);
      this.deleted.push(name!);
      return json(200, true);
    }
    json(405, 'Method not allowed');
  }
}

describe('backups: Qdrant snapshots (HTTP stub)', () => {
  let t: TempHome;
  let config: CalmConfig;
  let stub: QdrantStub;
  const memoriesSnapshot = Buffer.from('pretend tar archive of memories '.repeat(5000));
  beforeEach(async () => {
    t = tempHome();
    stub = new QdrantStub({ memories: memoriesSnapshot, values: Buffer.from('values archive'), unrelated: Buffer.from('x') });
    await stub.start();
    config = loadConfig(t.env({ CALM_QDRANT_URL: stub.url }));
    const app = t.app();
    await app.memory.store({ content: 'a memory', category: 'fact' });
    await app.close();
  });
  afterEach(async () => {
    await stub.stop();
    t.cleanup();
  });

  test('download: checked against the checksum Qdrant reports; the server-side snapshot is deleted', async () => {
    const client = new QdrantSnapshotClient(stub.url);
    const file = join(t.root, 'm.snapshot');
    const got = await client.snapshotTo('memories', file);
    assert.deepEqual(readFileSync(file), memoriesSnapshot);
    assert.equal(got.sha256, createHash('sha256').update(memoriesSnapshot).digest('hex'));
    assert.equal(stub.snapshots.size, 0);
    assert.equal(stub.deleted.length, 1);

    stub.lieAboutChecksum = true;
    await assert.rejects(client.snapshotTo('memories', file), /arrived damaged/);
    assert.equal(existsSync(file), false, 'a damaged download is not left behind');
  });

  test('upload: multipart, priority=snapshot, and the checksum Qdrant verifies', async () => {
    const client = new QdrantSnapshotClient(stub.url);
    const file = join(t.root, 'm.snapshot');
    const { sha256 } = await client.snapshotTo('memories', file);
    await client.uploadSnapshot('memories', file, sha256);
    const [u] = stub.uploads;
    assert.equal(u?.collection, 'memories');
    assert.equal(u?.query.get('priority'), 'snapshot');
    assert.equal(u?.query.get('checksum'), sha256);
    assert.equal(u?.query.get('wait'), 'true');
    assert.match(u!.contentType, /^multipart\/form-data; boundary=/);
    assert.equal(u?.fileSha256, sha256, 'the bytes arrived whole');
    await assert.rejects(client.uploadSnapshot('memories', file, 'f'.repeat(64)), /HTTP 400: Snapshot checksum mismatch/);
  });

  test('a backup with Qdrant: SQLite plus a checked snapshot and a JSONL export per collection; verify covers them', async () => {
    const app: App = t.app();
    try {
      // the embedded store stands in for the Qdrant record store the JSONL export reads through
      await app.records.ensureCollection('values', { embedder: 'hash-v1', dim: 384 });
      await app.records.upsert('values', [{ id: 'v1', text: 'value one', payload: { a: 1 }, vector: hashEmbed('value one') }]);
      const sources = [new SqliteBackupSource(config.paths.database), new QdrantBackupSource(new QdrantSnapshotClient(stub.url), app)];
      const b = await createBackup(config, { name: 'q', sources });
      assert.equal(b.manifest.partial, false, JSON.stringify(b.manifest.not_included));
      const paths = b.manifest.files.map((f) => f.path).sort();
      assert.deepEqual(paths, ['metadata.db', 'qdrant/memories.snapshot', 'qdrant/values.snapshot', 'records/memories.jsonl', 'records/values.jsonl']);
      assert.deepEqual(readFileSync(join(b.path, 'qdrant/memories.snapshot')), memoriesSnapshot);
      const snap = b.manifest.files.find((f) => f.path === 'qdrant/memories.snapshot')!;
      assert.equal(snap.sha256, createHash('sha256').update(memoriesSnapshot).digest('hex'));
      const values = b.manifest.collections.find((c) => c.name === 'values' && c.source === 'qdrant');
      assert.equal(values?.count, 1);
      assert.equal(values?.embedder, 'hash-v1');
      assert.equal((await verifyBackup(config, 'q')).ok, true);

      // restore: snapshots uploaded with priority; when an upload fails the JSONL export is reloaded
      const source = new QdrantBackupSource(new QdrantSnapshotClient(stub.url), app);
      const report = await source.restore(b.path, b.manifest);
      assert.match(report.detail, /memories \(snapshot\), values \(snapshot\)/);
      assert.deepEqual(stub.uploads.map((u) => [u.collection, u.query.get('priority')]), [['memories', 'snapshot'], ['values', 'snapshot']]);
      stub.failUploads = true;
      await app.records.delete('values', { ids: ['v1'] });
      const fallback = await source.restore(b.path, b.manifest);
      assert.match(fallback.detail, /values \(JSONL after: .*HTTP 500/);
      const [v1] = await app.records.get('values', ['v1'], { withVectors: true });
      assert.deepEqual(v1?.payload, { a: 1 });
      assert.deepEqual(v1?.vector, hashEmbed('value one'));
    } finally {
      await app.close();
    }
  });

  test('Qdrant down: the backup still holds SQLite, is marked partial and says what is missing and why', async () => {
    const url = stub.url;
    await stub.stop();
    const down = loadConfig(t.env({ CALM_VECTOR_BACKEND: 'qdrant', CALM_QDRANT_URL: url }));
    const b = await createBackup(down, { name: 'partial' });
    assert.equal(b.manifest.partial, true);
    assert.deepEqual(b.manifest.files.map((f) => f.path), ['metadata.db']);
    assert.equal(b.manifest.backend, 'qdrant');
    const [missing] = b.manifest.not_included;
    assert.match(missing!.what, /Qdrant collections \(memories, ghap_full/);
    assert.match(missing!.reason, /Qdrant at http:\/\/127\.0\.0\.1:\d+ is unreachable \(ECONNREFUSED\)/);
    assert.equal((await verifyBackup(down, 'partial')).ok, true, 'what it holds is intact');
    stub = new QdrantStub({}); // afterEach stops it
    await stub.start();
  });
});
