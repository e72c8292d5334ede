/**
 * `kill -9` at random moments of `calm backup create` and `calm backup restore` (issue 15), through the
 * real CLI on the embedded store. After every kill: the store is exactly the old or the new state (its
 * digest equals one of the two), `calm doctor` is clean, every backup `calm backup list` shows is whole
 * (new ones pass `calm backup verify`), and what a killed process left in staging is swept by the next
 * create. Bounded: CALM_CRASH_TRIES (default 12) kills of each command, at delays drawn uniformly over
 * the command's duration measured in this run (no timing is asserted). CALM_CRASH_SEED repeats a run.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createHash } from 'node:crypto';
import { QdrantClient } from '@qdrant/js-client-rest';
import Database from 'better-sqlite3';
import { hashEmbed } from '../../src/embedding/hash.js';
import { type FakeQdrant, startFakeQdrant } from '../fakes/qdrant-server.js';
import { seedEverything } from '../helpers/backup-seed.js';
import { writeCalmBackup } from '../helpers/calm-home.js';
import { CLI, json, REPO_ROOT, runCli, tempHome, type TempHome } from '../helpers/home.js';
import { prng } from '../helpers/random.js';
import { fileDigest, tableDigests } from '../helpers/store-digest.js';

/** Staging and trash folders a killed command left (hidden); `.verified.json` is verify's record, not a leftover. */
const leftovers = (backups: string): string[] => readdirSync(backups).filter((n) => n.startsWith('.') && n !== '.verified.json');

const TRIES = Math.max(1, Number(process.env.CALM_CRASH_TRIES ?? '') || 12);
const SEED = Number(process.env.CALM_CRASH_SEED ?? '') || Date.now() % 1_000_000;

/** Runs the CLI and kills it with SIGKILL after `delayMs`; true when the kill landed before it ended. */
function killAfter(args: readonly string[], env: NodeJS.ProcessEnv, delayMs: number): Promise<{ killed: boolean; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, cwd: REPO_ROOT, stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ killed: signal === 'SIGKILL', code });
    });
  });
}

async function timed(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const start = performance.now();
  const r = await runCli(args, env);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return performance.now() - start;
}

interface Entry { name: string; kind: string; damaged?: string }

describe('kill -9 during backup create and restore (real CLI, embedded store)', () => {
  let t: TempHome;
  let env: NodeJS.ProcessEnv;
  let db: string;
  let oldState = '';
  let newState = '';
  const rand = prng(SEED);
  const figures = { create: { tries: 0, killed: 0, mixed: 0, halfValid: 0 }, restore: { tries: 0, killed: 0, old: 0, new: 0, mixed: 0, halfValid: 0 } };
  const verified = new Set<string>();

  /** Every backup listed is whole: none damaged, and each one not seen before passes verify. */
  async function assertBackupsWhole(what: string): Promise<void> {
    const list = await runCli(['backup', 'list', '--json'], env);
    assert.equal(list.code, 0, list.stderr);
    for (const b of json<{ backups: Entry[] }>(list).backups) {
      assert.equal(b.damaged, undefined, `${what}: backup ${b.name} is listed but damaged: ${b.damaged}`);
      if (verified.has(b.name)) continue;
      const v = await runCli(['backup', 'verify', b.name], env);
      assert.equal(v.code, 0, `${what}: backup ${b.name} is listed but fails verify:\n${v.stdout}`);
      verified.add(b.name);
    }
  }

  async function assertDoctorClean(what: string): Promise<void> {
    const d = await runCli(['doctor'], env);
    assert.equal(d.code, 0, `${what}: doctor\n${d.stdout}${d.stderr}`);
  }

  before(async () => {
    t = tempHome();
    env = t.env();
    db = join(t.calmHome, 'metadata.db');
    const app = t.app();
    try {
      await seedEverything(app, 3);
      for (let start = 0; start < 3000; start += 500) {
        await app.records.upsert('memories', Array.from({ length: 500 }, (_, i) => {
          const text = `bulk memory ${start + i} widens the window a kill can land in`;
          return { id: `bulk-${start + i}`, text, payload: { n: start + i }, vector: hashEmbed(text) };
        }));
      }
    } finally {
      await app.close();
    }
    assert.equal((await runCli(['backup', 'create', 'target'], env)).code, 0);
    // the old state: what the store holds before a restore of `target`
    const later = t.app();
    try {
      await later.memory.store({ content: 'written after the target backup', category: 'fact' });
      later.db.prepare("UPDATE counters SET value = value + 5 WHERE name = 'merges_since_docs'").run();
    } finally {
      await later.close();
    }
    assert.equal((await runCli(['backup', 'create', 'old-state'], env)).code, 0);
    oldState = fileDigest(db);
  });
  after(() => {
    console.log(
      `backup kill -9 (seed ${SEED}, CALM_CRASH_TRIES=${TRIES}):\n` +
        `  create:  ${figures.create.tries} tries, ${figures.create.killed} killed mid-run, store changed ${figures.create.mixed}, half-written backups shown as valid ${figures.create.halfValid}\n` +
        `  restore: ${figures.restore.tries} tries, ${figures.restore.killed} killed mid-run, old state ${figures.restore.old}, new state ${figures.restore.new}, ` +
        `mixed ${figures.restore.mixed}, half-written backups shown as valid ${figures.restore.halfValid}`,
    );
    t.cleanup();
  });

  test('create: the store never changes, and no half-written backup is listed', async () => {
    const duration = await timed(['backup', 'create', 'measure'], env);
    await assertBackupsWhole('before');
    for (let i = 0; i < TRIES; i++) {
      const { killed } = await killAfter(['backup', 'create', `crash-${i}`], env, rand() * duration);
      figures.create.tries++;
      if (killed) figures.create.killed++;
      const state = fileDigest(db);
      if (state !== oldState) figures.create.mixed++;
      assert.equal(state, oldState, `try ${i}: a killed create changed the store`);
      try {
        await assertBackupsWhole(`create try ${i}`);
      } catch (e) {
        figures.create.halfValid++;
        throw e;
      }
      await assertDoctorClean(`create try ${i}`);
    }
    // what killed processes left in staging is swept by the next create
    assert.equal((await runCli(['backup', 'create', 'after-crashes'], env)).code, 0);
    const left = leftovers(join(t.calmHome, 'backups'));
    assert.deepEqual(left, [], 'no staging or trash folder is left after the next create');
  });

  test('restore: the store is exactly the old or the new state after every kill', async () => {
    const duration = await timed(['backup', 'restore', 'target', '--yes'], env);
    newState = fileDigest(db);
    assert.notEqual(newState, oldState);
    await timed(['backup', 'restore', 'old-state', '--yes'], env);
    assert.equal(fileDigest(db), oldState, 'a restore gives back exactly the state backed up');
    for (let i = 0; i < TRIES; i++) {
      const { killed } = await killAfter(['backup', 'restore', 'target', '--yes'], env, rand() * duration);
      figures.restore.tries++;
      if (killed) figures.restore.killed++;
      const state = fileDigest(db);
      if (state === oldState) figures.restore.old++;
      else if (state === newState) figures.restore.new++;
      else figures.restore.mixed++;
      assert.ok(state === oldState || state === newState, `try ${i}: after a kill the store is neither the old nor the new state`);
      await assertDoctorClean(`restore try ${i}`);
      try {
        await assertBackupsWhole(`restore try ${i}`);
      } catch (e) {
        figures.restore.halfValid++;
        throw e;
      }
      if (state === newState) await timed(['backup', 'restore', 'old-state', '--yes'], env);
    }
    assert.equal((await runCli(['backup', 'create', 'after-restores'], env)).code, 0);
    assert.deepEqual(leftovers(join(t.calmHome, 'backups')), []);
  });
});

/**
 * The digest of an imported store without the moments of the import: records and collections carry the
 * time they were written, and schema_version the time of the migration; everything else is compared whole.
 */
function importDigest(file: string): string {
  const db = new Database(file, { fileMustExist: true });
  try {
    const tables = tableDigests(db);
    for (const t of ['records', 'record_collections', 'schema_version']) delete tables[t];
    const records = (db.prepare('SELECT collection, id, text, payload FROM records').raw().all() as unknown[][]).map((r) => JSON.stringify(r)).sort();
    const collections = db.prepare('SELECT name, embedder, dim FROM record_collections ORDER BY name').raw().all();
    return createHash('sha256').update(JSON.stringify([tables, records, collections])).digest('hex');
  } finally {
    db.close();
  }
}

describe("kill -9 during the restore of one of CALM's backups (real CLI, fake Qdrant)", () => {
  let t: TempHome;
  let fake: FakeQdrant;
  let env: NodeJS.ProcessEnv;
  const rand = prng(SEED + 1);
  const f = { tries: 0, killed: 0, old: 0, new: 0, mixed: 0 };

  before(async () => {
    t = tempHome();
    fake = await startFakeQdrant();
    env = t.env({ CALM_QDRANT_URL: fake.url });
    const app = t.app();
    try {
      await seedEverything(app, 3);
    } finally {
      await app.close();
    }
    await writeCalmBackup(t.calmHome, fake.url, 'calm-old');
    // CALM wrote its files with the umask's modes; doctor --fix makes them owner-only, as for a user
    await runCli(['doctor', '--fix'], env);
    assert.equal((await runCli(['backup', 'create', 'before-import'], env)).code, 0);
  });
  after(async () => {
    console.log(`CALM backup restore kill -9 (seed ${SEED}): ${f.tries} tries, ${f.killed} killed mid-run, old state ${f.old}, new state ${f.new}, mixed ${f.mixed}`);
    await fake.stop();
    t.cleanup();
  });

  test('the store is the old state or the imported one after every kill', async () => {
    const db = join(t.calmHome, 'metadata.db');
    const oldState = importDigest(db);
    const duration = await timed(['backup', 'restore', 'calm-old', '--yes'], env);
    const newState = importDigest(db);
    assert.notEqual(newState, oldState);
    await timed(['backup', 'restore', 'before-import', '--yes'], env);
    assert.equal(importDigest(db), oldState);
    for (let i = 0; i < TRIES; i++) {
      const { killed } = await killAfter(['backup', 'restore', 'calm-old', '--yes'], env, rand() * duration);
      f.tries++;
      if (killed) f.killed++;
      const state = importDigest(db);
      if (state === oldState) f.old++;
      else if (state === newState) f.new++;
      else f.mixed++;
      assert.ok(state === oldState || state === newState, `try ${i}: after a kill the store is neither the old nor the imported state`);
      const d = await runCli(['doctor'], env);
      assert.equal(d.code, 0, `try ${i}: doctor\n${d.stdout}${d.stderr}`);
      if (state === newState) await timed(['backup', 'restore', 'before-import', '--yes'], env);
    }
    // the next CALM restore deletes the temporary collections killed ones left, and the next create their staging
    await timed(['backup', 'restore', 'calm-old', '--yes'], env);
    assert.equal(importDigest(db), newState);
    const names = (await new QdrantClient({ url: fake.url, checkCompatibility: false }).getCollections()).collections.map((c) => c.name);
    assert.deepEqual(names.filter((n) => n.startsWith('calm-restore-')), []);
    assert.equal((await runCli(['backup', 'create', 'after'], env)).code, 0);
    assert.deepEqual(leftovers(join(t.calmHome, 'backups')), []);
  });
});
