/**
 * `kill -9` at random moments of `calm backup restore` on the Qdrant backend (issue 15). The fake Qdrant
 * runs in a process of its own, so its state outlives the killed calm; calm is the real CLI. After every
 * kill the next calm command (`calm status`, whose store runs the recovery) must see exactly the old or
 * the new state of BOTH the Qdrant collections (by live name) and the SQLite tables, with no staged
 * generation or staged file left over. Bounded: CALM_CRASH_TRIES (default 12) kills at delays drawn
 * uniformly over the restore's duration measured in this run, a third of them over the time from the
 * journal's appearance (staging begins) to the end, a third over the time from the commit point to the
 * end (no timing is asserted); CALM_CRASH_SEED
 * repeats a run. The report counts where the kills landed: before staging, while staged (rolled back),
 * after the commit point (rolled forward).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { hashEmbed } from '../../src/embedding/hash.js';
import { seedEverything } from '../helpers/backup-seed.js';
import { CLI, REPO_ROOT, runCli, tempHome, type TempHome } from '../helpers/home.js';
import { qdrantDigest, qdrantLayout, type QdrantProcess, startQdrantProcess } from '../helpers/qdrant-process.js';
import { prng } from '../helpers/random.js';
import { tableDigests } from '../helpers/store-digest.js';

const TRIES = Math.max(1, Number(process.env.CALM_CRASH_TRIES ?? '') || 12);
const SEED = Number(process.env.CALM_CRASH_SEED ?? '') || Date.now() % 1_000_000;

/**
 * Runs the CLI and kills it with SIGKILL `delayMs` after it started or, with `journal`, after that file
 * appeared (the restore began staging). Without a delay, measures instead: how long after start (or after
 * the journal appeared) it ended.
 */
function run(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  opts: { delayMs?: number; journal?: string; phase?: 'committed' },
): Promise<{ killed: boolean; ms: number; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, cwd: REPO_ROOT, stdio: 'ignore' });
    let from = performance.now();
    let timer: NodeJS.Timeout | undefined;
    let poll: NodeJS.Timeout | undefined;
    const arm = (): void => {
      from = performance.now();
      if (opts.delayMs !== undefined) timer = setTimeout(() => child.kill('SIGKILL'), opts.delayMs);
    };
    if (opts.journal) {
      const journal = opts.journal;
      const reached = (): boolean => {
        if (!opts.phase) return existsSync(journal);
        try {
          return (JSON.parse(readFileSync(journal, 'utf8')) as { phase?: string }).phase === opts.phase;
        } catch {
          return false; // not there (yet, or any more)
        }
      };
      poll = setInterval(() => {
        if (reached()) {
          clearInterval(poll);
          arm();
        }
      }, 2);
    } else arm();
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearInterval(poll);
      resolve({ killed: signal === 'SIGKILL', ms: performance.now() - from, code });
    });
  });
}

async function timed(args: readonly string[], env: NodeJS.ProcessEnv): Promise<number> {
  const start = performance.now();
  const r = await runCli(args, env);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
  return performance.now() - start;
}

describe('kill -9 during backup restore on the Qdrant backend (real CLI, fake Qdrant in its own process)', () => {
  let t: TempHome;
  let qdrant: QdrantProcess;
  let env: NodeJS.ProcessEnv;
  let db: string;
  const rand = prng(SEED);
  const f = { tries: 0, killed: 0, beforeStaging: 0, rolledBack: 0, rolledForward: 0, old: 0, new: 0, mixed: 0 };

  /** Both halves of the store: the SQLite tables and every live Qdrant collection. */
  async function state(): Promise<string> {
    const sqlite = new Database(db, { fileMustExist: true });
    try {
      return JSON.stringify({ sqlite: tableDigests(sqlite), qdrant: await qdrantDigest(qdrant.url) });
    } finally {
      sqlite.close();
    }
  }

  /** Nothing staged is left: no journal, no staged folder, and every generation is behind a live name. */
  async function assertNoLeftovers(what: string): Promise<void> {
    assert.equal(existsSync(join(t.calmHome, 'restore-journal.json')), false, `${what}: the restore journal is left`);
    assert.deepEqual(readdirSync(t.calmHome).filter((n) => n.startsWith('.restore-')), [], `${what}: a staged SQLite folder is left`);
    const { aliases, collections } = await qdrantLayout(qdrant.url);
    const targets = new Set(aliases.values());
    assert.deepEqual(collections.filter((c) => /__g[0-9a-z]+$/.test(c) && !targets.has(c)), [], `${what}: a staged generation is left`);
  }

  before(async () => {
    qdrant = await startQdrantProcess();
    t = tempHome();
    const extra = { CALM_VECTOR_BACKEND: 'qdrant', CALM_QDRANT_URL: qdrant.url };
    env = t.env(extra);
    db = join(t.calmHome, 'metadata.db');
    const app = t.app(extra);
    try {
      await seedEverything(app, 3);
      // more points widen the window a kill can land in
      for (let start = 0; start < 1000; start += 250) {
        await app.records.upsert('memories', Array.from({ length: 250 }, (_, i) => {
          const text = `bulk memory ${start + i} widens the window a kill can land in`;
          return { id: `bulk-${start + i}`, text, payload: { n: start + i }, vector: hashEmbed(text) };
        }));
      }
    } finally {
      await app.close();
    }
    assert.equal((await runCli(['backup', 'create', 'target'], env)).code, 0);
    // the old state: what the store holds before a restore of `target`, in Qdrant and in SQLite
    const later = t.app(extra);
    try {
      await later.memory.store({ content: 'written after the target backup', category: 'fact' });
      await later.records.delete('values', { ids: ['values-1'] });
      later.db.prepare("UPDATE counters SET value = value + 5 WHERE name = 'merges_since_docs'").run();
    } finally {
      await later.close();
    }
    assert.equal((await runCli(['backup', 'create', 'old-state'], env)).code, 0);
  });
  after(async () => {
    console.log(
      `Qdrant-backend restore kill -9 (seed ${SEED}, CALM_CRASH_TRIES=${TRIES}): ${f.tries} tries, ${f.killed} killed mid-run ` +
        `(${f.beforeStaging} with no journal: before staging or after the switch, ${f.rolledBack} while staged → rolled back, ${f.rolledForward} after the commit point → rolled forward); ` +
        `old state ${f.old}, new state ${f.new}, mixed ${f.mixed}`,
    );
    t?.cleanup();
    await qdrant?.stop();
  });

  test('after every kill, the next calm command sees exactly the old or the new state of Qdrant and SQLite', async () => {
    const oldState = await state();
    // the first restore also converts the store from physical collections to aliases onto generations
    assert.deepEqual([...(await qdrantLayout(qdrant.url)).aliases.keys()], []);
    const journal = join(t.calmHome, 'restore-journal.json');
    const measured = await run(['backup', 'restore', 'target', '--yes'], env, { journal });
    assert.equal(measured.code, 0);
    const window = measured.ms; // from the start of staging to the end
    await timed(['backup', 'restore', 'old-state', '--yes'], env);
    const switching = await run(['backup', 'restore', 'target', '--yes'], env, { journal, phase: 'committed' });
    assert.equal(switching.code, 0);
    const switchWindow = switching.ms; // from the commit point to the end
    const newState = await state();
    assert.notEqual(newState, oldState);
    assert.ok((await qdrantLayout(qdrant.url)).aliases.has('memories'), 'live names are aliases after a restore');
    const duration = await timed(['backup', 'restore', 'old-state', '--yes'], env);
    assert.equal(await state(), oldState, 'a restore gives back exactly the state backed up');
    await assertNoLeftovers('after the restores');

    for (let i = 0; i < TRIES; i++) {
      // a third of the tries aim at staging (a random moment after the journal appeared), a third at the
      // switch (after the commit point), the rest anywhere in the whole command
      const aim = [{ delayMs: rand() * duration }, { delayMs: rand() * window, journal }, { delayMs: rand() * switchWindow, journal, phase: 'committed' as const }][i % 3]!;
      const { killed } = await run(['backup', 'restore', 'target', '--yes'], env, aim);
      f.tries++;
      if (killed) f.killed++;
      const phase = existsSync(journal) ? (JSON.parse(readFileSync(journal, 'utf8')) as { phase: string }).phase : null;
      if (killed) {
        if (phase === 'committed') f.rolledForward++;
        else if (phase === 'staging') f.rolledBack++;
        else f.beforeStaging++;
      }
      // the next calm command opens the store, which completes or undoes what the kill interrupted
      const status = await runCli(['status', '--json'], env);
      assert.equal(status.code, 0, `try ${i}: status\n${status.stdout}${status.stderr}`);
      const s = await state();
      if (s === oldState) f.old++;
      else if (s === newState) f.new++;
      else f.mixed++;
      assert.ok(s === oldState || s === newState, `try ${i} (journal ${phase ?? 'none'}): the store is neither the old nor the new state`);
      if (phase === 'committed') assert.equal(s, newState, `try ${i}: killed after the commit point, recovery rolls forward`);
      if (phase === 'staging') assert.equal(s, oldState, `try ${i}: killed before the commit point, recovery rolls back`);
      await assertNoLeftovers(`try ${i}`);
      const d = await runCli(['doctor'], env);
      assert.equal(d.code, 0, `try ${i}: doctor\n${d.stdout}${d.stderr}`);
      if (s === newState) await timed(['backup', 'restore', 'old-state', '--yes'], env);
    }
  });
});
