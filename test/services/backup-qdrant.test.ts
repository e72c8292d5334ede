/**
 * The Qdrant part of backups against the in-repo fake Qdrant server: download with checksum, upload
 * with priority and checksum, JSONL fallback, and Qdrant down → a partial backup that still holds
 * SQLite and says what is missing. (backup-qdrant-store.test.ts runs whole backups on the Qdrant backend.)
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { type AppSettings, createAppSettings } from '../../src/app-settings.js';
import { loadConfig } from '../../src/config.js';
import type { App } from '../../src/app.js';
import { createBackup } from '../../src/services/backup/create.js';
import { QdrantBackupSource } from '../../src/services/backup/qdrant-source.js';
import { QdrantSnapshotClient } from '../../src/store/records/qdrant/snapshots.js';
import { SqliteBackupSource } from '../../src/services/backup/sqlite-source.js';
import { verifyBackup } from '../../src/services/backup/verify.js';
import { hashEmbed } from '../../src/embedding/hash.js';
import { type FakeQdrant, startFakeQdrant } from '../fakes/qdrant-server.js';
import { tempHome, type TempHome } from '../helpers/home.js';

/** Collections on the fake, made through its REST API: `memories` with three points, `values` with one, and one calm does not know. */
async function seed(fake: FakeQdrant): Promise<void> {
  const call = async (path: string, body: unknown): Promise<void> => {
    const res = await fetch(`${fake.url}${path}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(res.status, 200, await res.text());
  };
  for (const [name, n] of [['memories', 3], ['values', 1], ['unrelated', 1]] as const) {
    await call(`/collections/${name}`, { vectors: { size: 4, distance: 'Cosine' } });
    await call(`/collections/${name}/points?wait=true`, { points: Array.from({ length: n }, (_, i) => ({ id: i + 1, vector: [1, i, 0, 0], payload: { n: i } })) });
  }
}

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const uploads = (fake: FakeQdrant) => fake.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/snapshots/upload'));
/** The collection and point count a fake snapshot file holds. */
function snapshotOf(file: string): { collection: string; points: number } {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as { collection: string; points: unknown[] };
  return { collection: snap.collection, points: snap.points.length };
}

describe('backups: Qdrant snapshots (fake Qdrant server)', () => {
  let t: TempHome;
  let config: AppSettings;
  let fake: FakeQdrant;
  beforeEach(async () => {
    t = tempHome();
    fake = await startFakeQdrant();
    await seed(fake);
    config = createAppSettings(loadConfig(t.env({ CALM_QDRANT_URL: fake.url })));
    const app = t.app();
    await app.memory.store({ content: 'a memory', category: 'fact' });
    await app.close();
  });
  afterEach(async () => {
    await fake.stop();
    t.cleanup();
  });

  test('download: checked against the checksum Qdrant reports; the server-side snapshot is deleted', async () => {
    const client = new QdrantSnapshotClient(fake.url);
    const file = join(t.root, 'm.snapshot');
    const got = await client.snapshotTo('memories', file);
    assert.deepEqual(snapshotOf(file), { collection: 'memories', points: 3 });
    assert.equal(got.sha256, sha256(readFileSync(file)));
    assert.equal(fake.snapshots.get('memories')?.size, 0);
    assert.equal(fake.requests.filter((r) => r.method === 'DELETE' && r.path.startsWith('/collections/memories/snapshots/')).length, 1);

    // Qdrant reports a checksum the bytes do not have
    fake.rewrites.push((r, out) => (r.method === 'POST' && r.path.endsWith('/snapshots') ? { ...(out as object), checksum: '0'.repeat(64) } : undefined));
    await assert.rejects(client.snapshotTo('memories', file), /arrived damaged/);
    assert.equal(existsSync(file), false, 'a damaged download is not left behind');
  });

  test('upload: multipart, priority=snapshot, and the checksum Qdrant verifies', async () => {
    const client = new QdrantSnapshotClient(fake.url);
    const file = join(t.root, 'm.snapshot');
    const { sha256: sum } = await client.snapshotTo('memories', file);
    await client.uploadSnapshot('memories', file, sum);
    const [u] = uploads(fake);
    assert.equal(u?.path, '/collections/memories/snapshots/upload');
    assert.equal(u?.query.get('priority'), 'snapshot');
    assert.equal(u?.query.get('checksum'), sum);
    assert.equal(u?.query.get('wait'), 'true');
    assert.match(u!.contentType, /^multipart\/form-data; boundary=/);
    // the fake checks the uploaded bytes against the checksum and recovers the collection from them
    assert.equal(fake.collections.get('memories')?.points.size, 3, 'the bytes arrived whole');
    await assert.rejects(client.uploadSnapshot('memories', file, 'f'.repeat(64)), /HTTP 400: .*Snapshot checksum mismatch/);
  });

  test('a backup with Qdrant: SQLite plus a checked snapshot and a JSONL export per collection; verify covers them', async () => {
    const app: App = t.app();
    try {
      // the embedded store stands in for the Qdrant record store the JSONL export reads through
      await app.records.ensureCollection('values', { embedder: 'hash-v1', dim: 384 });
      await app.records.upsert('values', [{ id: 'v1', text: 'value one', payload: { a: 1 }, vector: hashEmbed('value one') }]);
      const sources = [new SqliteBackupSource(config.paths.database), new QdrantBackupSource(new QdrantSnapshotClient(fake.url), app)];
      const b = await createBackup(config, { name: 'q', sources });
      assert.equal(b.manifest.partial, false, JSON.stringify(b.manifest.not_included));
      const paths = b.manifest.files.map((f) => f.path).sort();
      assert.deepEqual(paths, ['metadata.db', 'qdrant/memories.snapshot', 'qdrant/values.snapshot', 'records/memories.jsonl', 'records/values.jsonl']);
      assert.deepEqual(snapshotOf(join(b.path, 'qdrant/memories.snapshot')), { collection: 'memories', points: 3 });
      const snap = b.manifest.files.find((f) => f.path === 'qdrant/memories.snapshot')!;
      assert.equal(snap.sha256, sha256(readFileSync(join(b.path, 'qdrant/memories.snapshot'))));
      const values = b.manifest.collections.find((c) => c.name === 'values' && c.source === 'qdrant');
      assert.equal(values?.count, 1);
      assert.equal(values?.embedder, 'hash-v1');
      assert.equal((await verifyBackup(config, 'q')).ok, true);

      // staging: the snapshot uploaded with priority into the generation, counted against the manifest
      // (the JSONL fallback needs the Qdrant record store: backup-qdrant-store.test.ts and qdrant-restore.test.ts)
      const source = new QdrantBackupSource(new QdrantSnapshotClient(fake.url), app);
      const staged = await source.stage(b.path, b.manifest, [{ name: 'values', generation: 'values__g1' }]);
      assert.deepEqual(staged, ['values (snapshot)']);
      assert.deepEqual(uploads(fake).map((u) => [u.path.split('/')[2], u.query.get('priority')]), [['values__g1', 'snapshot']]);
      assert.equal(fake.collections.get('values__g1')?.points.size, 1);
    } finally {
      await app.close();
    }
  });

  test('Qdrant down: the backup still holds SQLite, is marked partial and says what is missing and why', async () => {
    const url = fake.url;
    await fake.stop();
    const down = createAppSettings(loadConfig(t.env({ CALM_VECTOR_BACKEND: 'qdrant', CALM_QDRANT_URL: url })));
    const b = await createBackup(down, { name: 'partial' });
    assert.equal(b.manifest.partial, true);
    assert.deepEqual(b.manifest.files.map((f) => f.path), ['metadata.db']);
    assert.equal(b.manifest.backend, 'qdrant');
    const [missing] = b.manifest.not_included;
    assert.match(missing!.what, /Qdrant collections \(memories, ghap_full/);
    assert.match(missing!.reason, /Qdrant at http:\/\/127\.0\.0\.1:\d+ is unreachable \(ECONNREFUSED\)/);
    assert.equal((await verifyBackup(down, 'partial')).ok, true, 'what it holds is intact');
  });
});
