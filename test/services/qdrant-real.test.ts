/**
 * Backups and `calm migrate` against a real Qdrant server, when CALM_TEST_QDRANT_URL (alias QDRANT_URL)
 * names one; skipped, saying so, otherwise. The same flows the fake-server tests pin in detail
 * (backup-qdrant-store.test.ts, migrate.test.ts), checked end to end on the real engine: snapshots
 * downloaded, verified and uploaded back into a generation the live name's alias is switched onto; records copied there and back bit for bit. The server must
 * not hold calm's collections: the suite refuses to start rather than touch them, and drops exactly
 * those it made.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import type { App } from '../../src/app.js';
import { createAppSettings } from '../../src/app-settings.js';
import { loadConfig } from '../../src/config.js';
import { createBackup } from '../../src/services/backup/create.js';
import { restoreBackup } from '../../src/services/backup/restore.js';
import { verifyBackup } from '../../src/services/backup/verify.js';
import { migrateBackend } from '../../src/services/migrate.js';
import { tempHome, type TempHome } from '../helpers/home.js';
import { prng, randomUnit } from '../helpers/random.js';
import { recordsSnapshot as snapshot } from '../helpers/records-snapshot.js';
import { assertThrowaway, dropCollections, REAL_QDRANT_SKIP, REAL_QDRANT_URL, realQdrantClient, realQdrantEnv } from '../helpers/real-qdrant.js';

const CALM_COLLECTIONS = ['memories', 'ghap_full', 'ghap_strategy', 'ghap_surprise', 'ghap_root_cause', 'values', 'commits', 'code_units'];
const TOUCHED = CALM_COLLECTIONS.flatMap((n) => [n, `${n}__reembed`]);

describe(`backups and migrate against a real Qdrant${REAL_QDRANT_URL ? ` (${REAL_QDRANT_URL})` : ''}`, { skip: REAL_QDRANT_SKIP }, () => {
  let t: TempHome;
  const withApp = async <T>(env: Record<string, string>, fn: (app: App) => Promise<T>): Promise<T> => {
    const app = t.app(env);
    try {
      return await fn(app);
    } finally {
      await app.close();
    }
  };

  before(() => assertThrowaway(TOUCHED));
  beforeEach(() => {
    t = tempHome();
  });
  afterEach(async () => {
    await dropCollections(TOUCHED);
    t.cleanup();
  });
  after(() => dropCollections(TOUCHED));

  test('create → verify → change → restore brings the records back exactly, and search works on them', async () => {
    const env = realQdrantEnv();
    await withApp(env, async (app) => {
      for (const content of ['postgres runs on port 5433', 'the deploy needs VPN', 'prefer pnpm over npm']) await app.memory.store({ content, category: 'fact' });
    });
    const before = await withApp(env, snapshot);
    const config = createAppSettings(loadConfig(t.env(env)));
    const b = await createBackup(config, { name: 'real' });
    assert.equal(b.manifest.partial, false, JSON.stringify(b.manifest.not_included));
    assert.ok(b.manifest.files.some((f) => f.path === 'qdrant/memories.snapshot'));
    assert.equal((await verifyBackup(config, 'real')).ok, true);

    await withApp(env, async (app) => {
      await app.memory.store({ content: 'written after the backup', category: 'event' });
      const vpn = (await app.memory.retrieve({ query: 'VPN', search_mode: 'keyword' })).results[0]!;
      assert.equal(vpn.content, 'the deploy needs VPN');
      await app.memory.delete(vpn.id);
    });
    assert.notDeepEqual(await withApp(env, snapshot), before);

    await restoreBackup(config, 'real');
    assert.deepEqual(await withApp(env, snapshot), before);
    // restored into a generation, the live name switched onto it with an alias
    const aliases = (await realQdrantClient().getAliases()).aliases;
    assert.match(aliases.find((a) => a.alias_name === 'memories')?.collection_name ?? '', /^memories__g[0-9a-z]+$/);
    await withApp(env, async (app) => {
      assert.equal((await app.memory.retrieve({ query: 'postgres port', search_mode: 'keyword' })).results[0]?.content, 'postgres runs on port 5433');
      assert.equal((await app.memory.retrieve({ query: 'postgres runs on port 5433' })).results[0]?.content, 'postgres runs on port 5433');
    });
  });

  test('embedded → qdrant → embedded leaves identical records', async () => {
    // only the URL (and key): the backend comes from config.yaml, which migrate rewrites
    const { CALM_VECTOR_BACKEND: _embedded, ...env } = realQdrantEnv();
    await withApp(env, async (app) => {
      for (const content of ['postgres runs on 5433', 'deploys need the VPN', 'prefer pnpm']) await app.memory.store({ content, category: 'fact', tags: ['x'] });
      const rand = prng(5);
      await app.records.ensureCollection('values', { embedder: 'hash-v1', dim: 384 });
      await app.records.upsert('values', Array.from({ length: 40 }, (_, i) => ({ id: `value-${i}`, text: `value ${i}`, payload: { axis: 'full', n: i }, vector: randomUnit(rand, 384) })));
    });
    const original = await withApp(env, snapshot);
    const there = await migrateBackend(createAppSettings(loadConfig(t.env(env))), 'qdrant', { pageSize: 16 });
    assert.deepEqual(there.collections.map((c) => [c.collection, c.records, c.status]), [['memories', 3, 'copied'], ['values', 40, 'copied']]);
    assert.deepEqual(await withApp(env, snapshot), original);
    await withApp(env, async (app) => assert.equal(app.records.backend, 'qdrant'));
    await migrateBackend(createAppSettings(loadConfig(t.env(env))), 'embedded');
    assert.deepEqual(await withApp(env, snapshot), original);
  });
});
