/**
 * `calm migrate`: embedded → Qdrant (the fake server) → embedded leaves identical records (id, text,
 * payload, vector bits); an interrupted migration keeps calm on the untouched source and resumes; the
 * target ends as a mirror of the source; the CLI asks, copies and switches.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { App } from '../../src/app.js';
import { createAppSettings } from '../../src/app-settings.js';
import { loadConfig } from '../../src/config.js';
import { migrateBackend } from '../../src/services/migrate.js';
import { type FakeQdrant, startFakeQdrant } from '../fakes/qdrant-server.js';
import { json, runCli, tempHome, type TempHome } from '../helpers/home.js';
import { prng, randomUnit } from '../helpers/random.js';
import { recordsSnapshot as snapshot } from '../helpers/records-snapshot.js';

describe('calm migrate (fake Qdrant server)', () => {
  let t: TempHome;
  let fake: FakeQdrant;
  let env: Record<string, string>;

  const withApp = async <T>(fn: (app: App) => Promise<T>): Promise<T> => {
    const app = t.app(env);
    try {
      return await fn(app);
    } finally {
      await app.close();
    }
  };
  const backend = (): string => loadConfig(t.env(env)).vectorBackend;

  beforeEach(async () => {
    t = tempHome();
    fake = await startFakeQdrant();
    // only the URL: the backend comes from config.yaml, which migrate rewrites
    env = { CALM_QDRANT_URL: fake.url };
    await withApp(async (app) => {
      for (const [i, content] of ['postgres runs on 5433', 'deploys need the VPN', 'prefer pnpm', 'tests use a temp HOME', 'never force-push main'].entries()) {
        await app.memory.store({ content, category: i % 2 ? 'fact' : 'preference', importance: 0.1 * (i + 1), tags: [`t${i}`] });
      }
      const rand = prng(17);
      await app.records.ensureCollection('values', { embedder: 'hash-v1', dim: 384 });
      await app.records.upsert('values', Array.from({ length: 70 }, (_, i) => ({
        id: `value-${i}`, text: `value text ${i}`, payload: { axis: i % 2 ? 'full' : 'strategy', n: i / 3 }, vector: randomUnit(rand, 384),
      })));
    });
  });
  afterEach(async () => {
    await fake.stop();
    t.cleanup();
  });

  test('embedded → qdrant → embedded leaves identical records, and calm follows the switch', async () => {
    const original = await withApp(snapshot);
    assert.equal(backend(), 'embedded');

    const there = await migrateBackend(createAppSettings(loadConfig(t.env(env))), 'qdrant', { pageSize: 16 });
    assert.deepEqual(there.collections.map((c) => [c.collection, c.records, c.status]), [['memories', 5, 'copied'], ['values', 70, 'copied']]);
    assert.ok(there.collections.every((c) => c.sampled > 0));
    assert.equal(backend(), 'qdrant');
    assert.match(readFileSync(join(t.calmHome, 'config.yaml'), 'utf8'), /backend: "?qdrant"?/);
    assert.equal(fake.collections.get('values')?.points.size, 70);
    assert.deepEqual(await withApp(snapshot), original);
    await withApp(async (app) => {
      assert.equal(app.records.backend, 'qdrant');
      const hits = await app.memory.retrieve({ query: 'postgres', search_mode: 'keyword' });
      assert.equal(hits.results[0]?.content, 'postgres runs on 5433');
    });

    const back = await migrateBackend(createAppSettings(loadConfig(t.env(env))), 'embedded');
    assert.equal(back.from, 'qdrant');
    assert.equal(backend(), 'embedded');
    assert.deepEqual(await withApp(snapshot), original);
    assert.ok(back.notes.some((n) => /nothing was deleted there/.test(n)));
  });

  test('the target becomes a mirror: records added and deleted on the way are carried back', async () => {
    await migrateBackend(createAppSettings(loadConfig(t.env(env))), 'qdrant');
    await withApp(async (app) => {
      await app.memory.store({ content: 'stored while on qdrant', category: 'event' });
      const listed = (await app.memory.list({})).results;
      const prefer = await Promise.all(listed.map((m) => app.memory.get(m.id)));
      await app.memory.delete(prefer.find((m) => m.content === 'prefer pnpm')!.id);
    });
    const onQdrant = await withApp(snapshot);
    const back = await migrateBackend(createAppSettings(loadConfig(t.env(env))), 'embedded');
    const mem = back.collections.find((c) => c.collection === 'memories')!;
    assert.equal(mem.records, 5);
    assert.equal(mem.removed, 1, 'the memory deleted on qdrant is removed from the embedded copy');
    assert.deepEqual(await withApp(snapshot), onQdrant);
  });

  test('an interrupted migration leaves calm on the untouched source and resumes', async () => {
    const original = await withApp(snapshot);
    let pages = 0;
    await assert.rejects(
      migrateBackend(createAppSettings(loadConfig(t.env(env))), 'qdrant', {
        pageSize: 16,
        afterPage: (p) => {
          if (p.collection === 'values' && ++pages === 2) throw new Error('killed');
        },
      }),
      /killed/,
    );
    assert.equal(backend(), 'embedded', 'no switch before the copy is checked');
    assert.ok(existsSync(join(t.calmHome, 'migrate-state.json')));
    assert.deepEqual(await withApp(snapshot), original, 'the source is untouched');
    assert.equal(fake.collections.get('values')?.points.size, 32, 'two pages had been copied');

    const resumed = await migrateBackend(createAppSettings(loadConfig(t.env(env))), 'qdrant', { pageSize: 16 });
    assert.equal(resumed.resumed, true);
    assert.deepEqual(resumed.collections.map((c) => [c.collection, c.status]), [['memories', 'already copied'], ['values', 'copied']]);
    assert.equal(backend(), 'qdrant');
    assert.ok(!existsSync(join(t.calmHome, 'migrate-state.json')));
    assert.deepEqual(await withApp(snapshot), original);
  });

  test('Qdrant unreachable: nothing is copied, nothing switches', async () => {
    await fake.stop();
    await assert.rejects(migrateBackend(createAppSettings(loadConfig(t.env(env))), 'qdrant'), /unreachable/);
    assert.equal(backend(), 'embedded');
    await fake.start();
  });

  test('the CLI: without a terminal it refuses unless --yes, migrates, refuses a no-op', async () => {
    const asked = await runCli(['migrate', '--to', 'qdrant'], t.env(env));
    assert.equal(asked.code, 2);
    assert.match(asked.stderr, /switch calm to it\? .*pass --yes to confirm/);
    assert.equal(backend(), 'embedded');
    const r = await runCli(['migrate', '--to', 'qdrant', '--yes', '--json'], t.env(env));
    assert.equal(r.code, 0, r.stderr);
    const out = json<{ to: string; collections: { collection: string; records: number }[] }>(r);
    assert.equal(out.to, 'qdrant');
    assert.deepEqual(out.collections.map((c) => c.records), [5, 70]);
    assert.equal(backend(), 'qdrant');
    const again = await runCli(['migrate', '--to', 'qdrant', '--yes'], t.env(env));
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already uses the qdrant backend/);
    assert.equal((await runCli(['migrate', '--to', 'mongo', '--yes'], t.env(env))).code, 2);
  });
});
