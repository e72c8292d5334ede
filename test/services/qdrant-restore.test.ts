/**
 * The staged restore on the Qdrant backend (staged-restore.ts, restore-journal.ts) against the fake
 * Qdrant: the first restore converts live collections into aliases onto generations, a later one moves
 * the aliases and drops the old generation; a refused upload mid-way rolls everything back with an error
 * naming the collection; a journal left by a killed restore is rolled back (before its commit point) or
 * forward (after it) by the next store that opens, or by `calm doctor --fix`. Also the fake's aliases,
 * with Qdrant's semantics, and the same alias calls against a real Qdrant when CALM_TEST_QDRANT_URL is set.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { type AppSettings, createAppSettings } from '../../src/app-settings.js';
import { loadConfig } from '../../src/config.js';
import { createBackup } from '../../src/services/backup/create.js';
import { journalPath, type RestoreJournal, writeJournal } from '../../src/services/backup/restore-journal.js';
import { restoreBackup } from '../../src/services/backup/restore.js';
import { verifyBackup } from '../../src/services/backup/verify.js';
import { QdrantSnapshotClient } from '../../src/store/records/qdrant/snapshots.js';
import { type FakeQdrant, startFakeQdrant } from '../fakes/qdrant-server.js';
import { json, runCli, tempHome, type TempHome } from '../helpers/home.js';
import { qdrantDigest } from '../helpers/qdrant-process.js';
import { dropCollections, REAL_QDRANT_API_KEY, REAL_QDRANT_SKIP, REAL_QDRANT_URL } from '../helpers/real-qdrant.js';
import { tableDigests } from '../helpers/store-digest.js';

/** A pid that belonged to a process now gone: a killed restore's. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

const generations = (fake: FakeQdrant): string[] => [...fake.collections.keys()].filter((n) => /__g[0-9a-z]+$/.test(n)).sort();

describe('restore on the Qdrant backend: staged, switched in one step, recovered after a crash (fake Qdrant)', () => {
  let t: TempHome;
  let fake: FakeQdrant;
  let env: Record<string, string>;
  let config: AppSettings;

  const sqliteDigest = (): Record<string, string> => {
    const db = new Database(config.paths.database, { readonly: true });
    try {
      return tableDigests(db);
    } finally {
      db.close();
    }
  };
  /** SQLite tables and the live Qdrant collections (a staged generation nobody points at is not live). */
  const state = async (): Promise<string> => {
    const live = Object.entries(await qdrantDigest(fake.url)).filter(([name]) => !/__g[0-9a-z]+$/.test(name));
    return JSON.stringify({ sqlite: sqliteDigest(), qdrant: live });
  };
  const change = async (): Promise<void> => {
    const app = t.app(env);
    try {
      await app.memory.store({ content: 'written after the backup', category: 'event' });
      await app.records.delete('memories', { ids: [(await app.records.scroll('memories', { limit: 1 }))[0]!.id] });
      app.db.prepare("UPDATE counters SET value = value + 3 WHERE name = 'merges_since_docs'").run();
    } finally {
      await app.close();
    }
  };
  /** Opens a store as any calm process would, and uses it once. */
  const openStore = async (): Promise<void> => {
    const app = t.app(env);
    try {
      await app.records.listCollections();
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
      for (const content of ['postgres runs on port 5433', 'the deploy needs VPN']) await app.memory.store({ content, category: 'fact' });
      await app.records.ensureCollection('ghap_full', { embedder: 'hash-v1', dim: 384 });
    } finally {
      await app.close();
    }
  });
  afterEach(async () => {
    await fake.stop();
    t.cleanup();
  });

  test('the first restore converts physical collections to aliases onto generations; the next moves them and drops the old generation', async () => {
    await createBackup(config, { name: 'b' });
    const backedUp = await state();
    await change();
    assert.deepEqual([...fake.aliases.keys()], [], 'a store from before generations: live names are collections');
    await restoreBackup(config, 'b');
    assert.equal(await state(), backedUp);
    const first = new Map(fake.aliases);
    assert.deepEqual([...first.keys()].sort(), ['ghap_full', 'memories']);
    assert.equal(fake.collections.has('memories'), false);
    assert.deepEqual(generations(fake), [...first.values()].sort());

    await change();
    await restoreBackup(config, 'b');
    assert.equal(await state(), backedUp);
    for (const [alias, gen] of fake.aliases) assert.notEqual(gen, first.get(alias), `${alias} moved to a new generation`);
    assert.deepEqual(generations(fake), [...fake.aliases.values()].sort(), 'the old generations are dropped');
    assert.equal(existsSync(journalPath(t.calmHome)), false);

    // the store works through the aliases: writes, reads, search, and a backup of the aliased collections
    const app = t.app(env);
    try {
      await app.memory.store({ content: 'through the alias', category: 'fact' });
      const hits = await app.memory.retrieve({ query: 'through the alias', search_mode: 'keyword' });
      assert.equal(hits.results[0]?.content, 'through the alias');
      assert.deepEqual((await app.records.listCollections()).map((c) => c.name), ['ghap_full', 'memories']);
    } finally {
      await app.close();
    }
    const again = await createBackup(config, { name: 'after-aliases' });
    assert.equal(again.manifest.partial, false);
    assert.equal(again.manifest.collections.find((c) => c.name === 'memories' && c.source === 'qdrant')?.count, 3);
  });

  test('an upload refused mid-way (and its JSONL fallback too) rolls back: nothing changed, the error names the collection', async () => {
    await createBackup(config, { name: 'b' });
    await change();
    const before = await state();
    const aliases = new Map(fake.aliases);
    // ghap_full stages fine; the snapshot of memories is refused, and so are the writes of its JSONL fallback
    fake.faults.push((r) =>
      /^\/collections\/memories__g[0-9a-z]+\/(snapshots\/upload|points)/.test(r.path) ? { status: 500, error: 'Service internal error: disk full' } : undefined,
    );
    await assert.rejects(restoreBackup(config, 'b'), (e: Error) => {
      assert.match(e.message, /failed before anything was switched, the store is unchanged/);
      assert.match(e.message, /Qdrant collection 'memories' could not be restored: its snapshot was refused .*disk full.*loading its JSONL export failed/);
      return true;
    });
    fake.faults.length = 0;
    assert.equal(await state(), before, 'Qdrant and SQLite as they were');
    assert.deepEqual(fake.aliases, aliases);
    assert.deepEqual(generations(fake), [], 'the staged generations are dropped');
    assert.equal(existsSync(journalPath(t.calmHome)), false);
  });

  /** Stages backup `b` by hand as a restore killed at `phase` would have left it. */
  async function leaveJournal(phase: RestoreJournal['phase']): Promise<RestoreJournal> {
    const b = { path: join(config.paths.backups, 'b'), manifest: (await verifyBackup(config, 'b')).manifest! };
    const snapshots = new QdrantSnapshotClient(fake.url);
    const staged = join(t.calmHome, '.restore-test1');
    mkdirSync(staged, { mode: 0o700 });
    copyFileSync(join(b.path, 'metadata.db'), join(staged, 'metadata.db'));
    const collections = [];
    for (const name of ['ghap_full', 'memories']) {
      const file = b.manifest.files.find((f) => f.path === `qdrant/${name}.snapshot`)!;
      await snapshots.uploadSnapshot(`${name}__gtest1`, join(b.path, file.path), file.sha256);
      collections.push({ name, generation: `${name}__gtest1`, ...(phase === 'committed' ? { previous: null } : {}) });
    }
    const journal: RestoreJournal = { format: 1, id: 'test1', backup: 'b', pid: deadPid(), phase, started_at: new Date().toISOString(), staged_sqlite: staged, collections };
    writeJournal(t.calmHome, journal);
    return journal;
  }

  test('a journal killed before its commit point: the next store to open (here calm doctor\'s) rolls back to the old state', async () => {
    await createBackup(config, { name: 'b' });
    await change();
    const old = await state();
    const j = await leaveJournal('staging');
    assert.deepEqual(generations(fake), ['ghap_full__gtest1', 'memories__gtest1']);
    const doctor = await runCli(['doctor', '--json'], t.env(env));
    assert.equal(doctor.code, 0, doctor.stdout + doctor.stderr);
    const check = json<{ checks: { name: string; status: string; detail: string }[] }>(doctor).checks.find((c) => c.name === 'interrupted restore');
    assert.equal(check?.status, 'ok');
    assert.match(check!.detail, /restore of 'b' was rolled back .*when the store was opened/);
    assert.equal(await state(), old);
    assert.deepEqual(generations(fake), []);
    assert.equal(existsSync(journalPath(t.calmHome)), false);
    assert.equal(existsSync(j.staged_sqlite), false);
  });

  test('a journal killed after its commit point: the next store to open rolls forward to the backup, converting the legacy layout', async () => {
    await createBackup(config, { name: 'b' });
    const restored = await state();
    await change();
    assert.notEqual(await state(), restored);
    const j = await leaveJournal('committed');
    // half of the switch happened before the kill: the physical ghap_full was already deleted
    fake.collections.delete('ghap_full');
    await openStore();
    assert.equal(await state(), restored);
    assert.deepEqual(Object.fromEntries(fake.aliases), { ghap_full: 'ghap_full__gtest1', memories: 'memories__gtest1' });
    assert.equal(existsSync(journalPath(t.calmHome)), false);
    assert.equal(existsSync(j.staged_sqlite), false);
  });

  test('several processes opening the store at once after a kill: one recovers, the others wait for it, all see the new state', async () => {
    await createBackup(config, { name: 'b' });
    const restored = await state();
    await change();
    await leaveJournal('committed');
    const runs = await Promise.all([1, 2, 3].map(() => runCli(['status', '--json'], t.env(env))));
    for (const r of runs) assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(await state(), restored);
    assert.equal(existsSync(journalPath(t.calmHome)), false);
    assert.equal(existsSync(`${journalPath(t.calmHome)}.lock`), false, 'the recovery lock is released');
  });

  test('with Qdrant down an interrupted restore stays journaled; `calm doctor --fix` completes it once Qdrant is back', async () => {
    await createBackup(config, { name: 'b' });
    await leaveJournal('committed');
    const url = fake.url;
    await fake.stop();
    const down = await runCli(['doctor', '--json'], t.env(env));
    assert.equal(down.code, 1, 'the store cannot be opened while the restore is half switched and Qdrant is unreachable');
    assert.match(down.stderr + down.stdout, /unreachable/);
    assert.equal(existsSync(journalPath(t.calmHome)), true, 'the journal stays until the switch can be completed');
    await fake.start();
    assert.equal(fake.url, url);
    const fixed = await runCli(['doctor', '--fix', '--json'], t.env(env));
    assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
    const report = json<{ restore_recovery: string; checks: { name: string; status: string; detail: string }[] }>(fixed);
    assert.equal(report.restore_recovery, 'rolled-forward');
    assert.deepEqual(report.checks.find((c) => c.name === 'interrupted restore'), { name: 'interrupted restore', status: 'ok', detail: 'no interrupted restore' });
    assert.equal(existsSync(journalPath(t.calmHome)), false);
    assert.ok(fake.aliases.has('memories'));
  });
});

/** The alias calls calm makes, with Qdrant's documented semantics: run on the fake and on a real server. */
function aliasContract(label: string, setup: () => Promise<{ url: string; apiKey?: string; cleanup(): Promise<void> }>, skip: string | false = false): void {
  describe(`Qdrant aliases as calm uses them (${label})`, { skip }, () => {
    let server: { url: string; apiKey?: string; cleanup(): Promise<void> };
    let client: QdrantSnapshotClient;
    const names = ['calm_alias_t', 'calm_alias_t__g1', 'calm_alias_t__g2'];
    const raw = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: { result?: unknown; status?: unknown } }> => {
      const res = await fetch(`${server.url}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(server.apiKey ? { 'api-key': server.apiKey } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, json: (await res.json()) as { result?: unknown; status?: unknown } };
    };
    const create = (name: string): Promise<unknown> => raw('PUT', `/collections/${name}`, { vectors: { size: 2, distance: 'Cosine' } });
    const upsert = (name: string, id: number): Promise<unknown> => raw('PUT', `/collections/${name}/points?wait=true`, { points: [{ id, vector: [1, 0], payload: { in: name } }] });

    beforeEach(async () => {
      server = await setup();
      client = new QdrantSnapshotClient(server.url, server.apiKey ? { apiKey: server.apiKey } : {});
      for (const n of names) await raw('DELETE', `/collections/${n}`);
    });
    afterEach(async () => {
      for (const n of names) await raw('DELETE', `/collections/${n}`);
      await server.cleanup();
    });

    test('switch: a physical live name is replaced by an alias; later switches move it in one request; every route reads through it', async () => {
      await create('calm_alias_t');
      await create('calm_alias_t__g1');
      await upsert('calm_alias_t__g1', 1);
      assert.equal(await client.resolve('calm_alias_t'), 'calm_alias_t');
      await client.switchAliases([{ name: 'calm_alias_t', generation: 'calm_alias_t__g1' }]);
      assert.equal(await client.resolve('calm_alias_t'), 'calm_alias_t__g1');
      assert.equal(await client.pointsCount('calm_alias_t'), 1);
      assert.ok((await client.listCollections()).includes('calm_alias_t'));
      assert.ok(!(await client.listCollections()).includes('calm_alias_t__g1'), 'a generation is not a live name');
      // points through the alias
      const scrolled = await raw('POST', '/collections/calm_alias_t/points/scroll', { limit: 10, with_payload: true });
      assert.deepEqual((scrolled.json.result as { points: { payload: unknown }[] }).points.map((p) => p.payload), [{ in: 'calm_alias_t__g1' }]);
      const listed = await raw('GET', '/collections/calm_alias_t__g1/aliases');
      assert.deepEqual((listed.json.result as { aliases: unknown[] }).aliases, [{ alias_name: 'calm_alias_t', collection_name: 'calm_alias_t__g1' }]);

      await create('calm_alias_t__g2');
      await client.switchAliases([{ name: 'calm_alias_t', generation: 'calm_alias_t__g2' }]);
      assert.equal(await client.resolve('calm_alias_t'), 'calm_alias_t__g2');
      assert.equal(await client.pointsCount('calm_alias_t'), 0);
      await client.switchAliases([{ name: 'calm_alias_t', generation: 'calm_alias_t__g2' }]); // idempotent
      // deleting a collection deletes its aliases
      await client.deleteCollection('calm_alias_t__g2');
      assert.equal(await client.resolve('calm_alias_t'), null);
    });

    test('one request is all or nothing; an alias cannot take the name of a collection, nor a collection an alias', async () => {
      await create('calm_alias_t__g1');
      await create('calm_alias_t__g2');
      const bad = await raw('POST', '/collections/aliases', {
        actions: [
          { create_alias: { collection_name: 'calm_alias_t__g1', alias_name: 'calm_alias_t' } },
          { create_alias: { collection_name: 'calm_alias_t__g1', alias_name: 'calm_alias_t__g2' } },
        ],
      });
      assert.ok(bad.status >= 400, `an alias named like a collection is refused (HTTP ${bad.status})`);
      assert.equal(await client.resolve('calm_alias_t'), null, 'the first action of the refused request did not happen');
      await client.switchAliases([{ name: 'calm_alias_t', generation: 'calm_alias_t__g1' }]);
      const clash = await create('calm_alias_t');
      assert.ok((clash as { status: number }).status >= 400, 'no collection under an alias name');
      const renamed = await raw('POST', '/collections/aliases', { actions: [{ rename_alias: { old_alias_name: 'calm_alias_t', new_alias_name: 'calm_alias_t_x' } }] });
      assert.equal(renamed.status, 200);
      const all = (await raw('GET', '/aliases')).json.result as { aliases: { alias_name: string; collection_name: string }[] };
      assert.deepEqual(all.aliases.filter((a) => a.alias_name.startsWith('calm_alias_t')), [{ alias_name: 'calm_alias_t_x', collection_name: 'calm_alias_t__g1' }]);
    });
  });
}

aliasContract('fake Qdrant', async () => {
  const fake = await startFakeQdrant();
  return { url: fake.url, cleanup: () => fake.stop() };
});
aliasContract(
  `real Qdrant${REAL_QDRANT_URL ? ` (${REAL_QDRANT_URL})` : ''}`,
  async () => ({ url: REAL_QDRANT_URL!, ...(REAL_QDRANT_API_KEY ? { apiKey: REAL_QDRANT_API_KEY } : {}), cleanup: () => dropCollections(['calm_alias_t__g1', 'calm_alias_t__g2']) }),
  REAL_QDRANT_SKIP,
);
