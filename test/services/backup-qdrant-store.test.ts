/**
 * Backups on the Qdrant backend, end to end against the fake Qdrant server: the App stores its records
 * in Qdrant, a backup holds metadata.db + a checked snapshot + a JSONL export per collection, restore
 * uploads the snapshots (priority=snapshot, checksum) or falls back to the JSONL, and an unreachable
 * server gives a partial backup (exit 3 from the CLI).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { type AppSettings, createAppSettings } from '../../src/app-settings.js';
import { loadConfig } from '../../src/config.js';
import { createBackup } from '../../src/services/backup/create.js';
import { restoreBackup } from '../../src/services/backup/restore.js';
import { verifyBackup } from '../../src/services/backup/verify.js';
import { type FakeQdrant, startFakeQdrant } from '../fakes/qdrant-server.js';
import { runCli, tempHome, type TempHome } from '../helpers/home.js';

describe('backups on the Qdrant backend (fake Qdrant server)', () => {
  let t: TempHome;
  let fake: FakeQdrant;
  let env: Record<string, string>;
  let config: AppSettings;

  const memories = async (): Promise<string[]> => {
    const app = t.app(env);
    try {
      const listed = (await app.memory.list({ limit: 100 })).results;
      const full = await Promise.all(listed.map((m) => app.memory.get(m.id)));
      return full.map((m) => `${m.id} ${m.category} ${m.content}`).sort();
    } finally {
      await app.close();
    }
  };

  beforeEach(async () => {
    t = tempHome();
    fake = await startFakeQdrant();
    env = { CALM_VECTOR_BACKEND: 'qdrant', CALM_QDRANT_URL: fake.url };
    config = createAppSettings(loadConfig(t.env(env)));
    const app = t.app(env);
    try {
      for (const content of ['postgres runs on port 5433', 'the deploy needs VPN', 'prefer pnpm over npm']) {
        await app.memory.store({ content, category: 'fact' });
      }
    } finally {
      await app.close();
    }
  });
  afterEach(async () => {
    await fake.stop();
    t.cleanup();
  });

  test('records live in Qdrant, not in metadata.db', async () => {
    assert.equal(fake.collections.get('memories')?.points.size, 3);
    const app = t.app(env);
    try {
      assert.equal(app.records.backend, 'qdrant');
      assert.equal((app.db.prepare('SELECT COUNT(*) AS n FROM records').get() as { n: number }).n, 0);
    } finally {
      await app.close();
    }
  });

  test('create → verify → change → restore from snapshots brings the records back exactly', async () => {
    const b = await createBackup(config, { name: 'q1' });
    assert.equal(b.manifest.partial, false, JSON.stringify(b.manifest.not_included));
    assert.equal(b.manifest.backend, 'qdrant');
    const paths = b.manifest.files.map((f) => f.path);
    for (const p of ['metadata.db', 'qdrant/memories.snapshot', 'records/memories.jsonl']) assert.ok(paths.includes(p), `${p} in ${paths.join(', ')}`);
    const m = b.manifest.collections.find((c) => c.name === 'memories' && c.source === 'qdrant');
    assert.deepEqual({ count: m?.count, embedder: m?.embedder, dim: m?.dim }, { count: 3, embedder: 'hash-v1', dim: 384 });
    assert.equal(readFileSync(join(b.path, 'records/memories.jsonl'), 'utf8').trim().split('\n').length, 3);
    assert.deepEqual(fake.snapshots.get('memories')?.size ?? 0, 0, 'the server-side snapshot is deleted after download');
    assert.equal((await verifyBackup(config, 'q1')).ok, true);

    const before = await memories();
    assert.equal(before.length, 3);
    const app = t.app(env);
    try {
      await app.memory.store({ content: 'written after the backup', category: 'event' });
      const vpn = (await memories()).find((m) => m.endsWith('the deploy needs VPN'))!;
      await app.memory.delete(vpn.split(' ')[0]!);
    } finally {
      await app.close();
    }
    assert.notDeepEqual(await memories(), before);

    fake.requests.length = 0;
    const result = await restoreBackup(config, 'q1');
    assert.ok(result.safety_backup, 'a safety backup was taken');
    const uploads = fake.requests.filter((r) => r.path.endsWith('/snapshots/upload'));
    // uploaded into a new generation, then the live name switched onto it: `memories` is now an alias
    const generation = /^\/collections\/(memories__g[0-9a-z]+)\/snapshots\/upload$/;
    const mem = uploads.find((u) => generation.test(u.path))!;
    assert.ok(mem, uploads.map((u) => u.path).join(', '));
    assert.equal(fake.aliases.get('memories'), generation.exec(mem.path)?.[1]);
    assert.equal(fake.collections.has('memories'), false, 'the physical collection of the old layout was replaced by the alias');
    const snap = b.manifest.files.find((f) => f.path === 'qdrant/memories.snapshot')!;
    assert.equal(mem.query.get('priority'), 'snapshot');
    assert.equal(mem.query.get('checksum'), snap.sha256);
    assert.deepEqual(await memories(), before);

    // search still works on the restored collection (vectors and the keyword index came back)
    const app2 = t.app(env);
    try {
      const hits = await app2.memory.retrieve({ query: 'postgres port', search_mode: 'keyword' });
      assert.equal(hits.results[0]?.content, 'postgres runs on port 5433');
      const sem = await app2.memory.retrieve({ query: 'postgres runs on port 5433' });
      assert.equal(sem.results[0]?.content, 'postgres runs on port 5433');
    } finally {
      await app2.close();
    }
  });

  test('a snapshot Qdrant refuses is restored from the JSONL export instead', async () => {
    await createBackup(config, { name: 'q2' });
    const before = await memories();
    const app = t.app(env);
    try {
      await app.memory.store({ content: 'another one', category: 'event' });
    } finally {
      await app.close();
    }
    fake.faults.push((r) => (r.path.endsWith('/snapshots/upload') ? { status: 500, error: 'Service internal error: disk full' } : undefined));
    const result = await restoreBackup(config, 'q2');
    const q = result.restored.find((r) => r.source === 'qdrant');
    assert.match(q!.detail, /memories \(JSONL after: .*HTTP 500/);
    assert.deepEqual(await memories(), before);
  });

  test('Qdrant unreachable: the CLI saves SQLite, says what is missing, exits 3', async () => {
    await fake.stop();
    const r = await runCli(['backup', 'create', 'p'], t.env(env));
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /Not included: Qdrant collections \(memories, .*\) \(Qdrant at http:\/\/127\.0\.0\.1:\d+ is unreachable/);
    assert.match(r.stderr, /Warning: backup 'p' is partial/);
    assert.equal((await runCli(['backup', 'verify', 'p'], t.env(env))).code, 0);
    await fake.start(); // same port: afterEach stops it
  });

  test('the CLI backs up and restores on the Qdrant backend', async () => {
    const c = await runCli(['backup', 'create', 'cli', '--json'], t.env(env));
    assert.equal(c.code, 0, c.stderr);
    const manifest = (JSON.parse(c.stdout) as { manifest: { files: { path: string }[] } }).manifest;
    assert.ok(manifest.files.some((f) => f.path === 'qdrant/memories.snapshot'));
    const before = await memories();
    fake.collections.get('memories')!.points.clear();
    assert.deepEqual(await memories(), []);
    const r = await runCli(['backup', 'restore', 'cli', '--yes'], t.env(env));
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(await memories(), before);
  });
});
