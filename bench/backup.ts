/**
 * @module Backup and restore of 100k memories, as ratios against `cp` of the database file (the
 * fastest possible copy, and all CALM's backup ever did). Run: `node --import tsx bench/backup.ts`
 * (`--quick`: 10k). Memories go straight into the record store with hash vectors, so the setup is fast.
 *
 * Measured: `cp` of metadata.db (after a checkpoint); the SQLite online copy alone; `createBackup`
 * (copy + journal-mode switch + sha256 + counts + manifest); `verifyBackup` (sha256 + integrity_check
 * + counts); the copy into the live database alone (backup API into WAL + checkpoint); and the whole
 * `restoreBackup` (verify + safety backup + copy-in + count check). Median of 3 runs each.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApp } from '../src/app.js';
import { createAppSettings } from '../src/app-settings.js';
import { loadConfig } from '../src/config.js';
import { createBackup } from '../src/services/backup/create.js';
import { restoreBackup } from '../src/services/backup/restore.js';
import { SqliteBackupSource } from '../src/services/backup/sqlite-source.js';
import { verifyBackup } from '../src/services/backup/verify.js';
import { openDatabase } from '../src/store/db.js';
import { median as medianOf, record } from './report.js';
import { seedSyntheticMemories } from './seed-memories.js';

const N = process.argv.includes('--quick') ? 10_000 : 100_000;
const RUNS = 3;
const root = mkdtempSync(join(tmpdir(), 'calm-bench-backup-'));
const env: NodeJS.ProcessEnv = { ...process.env, HOME: join(root, 'home'), CALM_HOME: join(root, 'calm'), CALM_MODEL_DOWNLOAD: 'false' };
for (const k of Object.keys(env)) if (k.startsWith('CALM_') && !['CALM_HOME', 'CALM_MODEL_DOWNLOAD'].includes(k)) delete env[k];
const config = createAppSettings(loadConfig(env));

async function median(label: string, fn: (run: number) => Promise<void> | void): Promise<number> {
  const m = await medianOf(RUNS, fn, 0);
  console.log(`  ${label.padEnd(44)} ${m.toFixed(0).padStart(7)} ms`);
  return m;
}

try {
  process.stdout.write(`Inserting ${N.toLocaleString()} memories... `);
  const app = createApp(config);
  const t0 = performance.now();
  await seedSyntheticMemories(app, N);
  app.db.pragma('wal_checkpoint(TRUNCATE)');
  await app.close();
  const dbFile = config.paths.database;
  const size = statSync(dbFile).size;
  console.log(`${((performance.now() - t0) / 1000).toFixed(1)} s; database ${(size / 1024 / 1024).toFixed(0)} MB\n`);

  const cp = await median('cp metadata.db (baseline)', (run) => {
    const r = spawnSync('cp', [dbFile, join(root, `cp-${run}.db`)]);
    if (r.status !== 0) throw new Error(`cp failed: ${r.stderr}`);
  });
  const copyOnly = await median('online copy only (backup API, one step)', async (run) => {
    const db = openDatabase(dbFile, { readonly: true });
    await db.backup(join(root, `raw-${run}.db`), { progress: () => 0x7fffffff });
    db.close();
  });
  const create = await median('calm backup create', async (run) => {
    await createBackup(config, { name: `bench-${run}` });
  });
  const verify = await median('calm backup verify', async (run) => {
    const r = await verifyBackup(config, `bench-${run}`);
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
  });
  const copyIn = await median('copy into the live database only', async (run) => {
    await new SqliteBackupSource(dbFile).restore(join(config.paths.backups, `bench-${run}`));
  });
  const restore = await median('calm backup restore (verify+safety+copy+check)', async (run) => {
    await restoreBackup(config, `bench-${run}`);
  });

  console.log(`\nRatios against cp (${cp.toFixed(0)} ms for ${(size / 1024 / 1024).toFixed(0)} MB):`);
  for (const [label, ms] of [
    ['online copy only', copyOnly], ['backup create', create], ['backup verify', verify],
    ['copy into live database', copyIn], ['backup restore', restore],
  ] as const) {
    console.log(`  ${label.padEnd(28)} ${(ms / cp).toFixed(1).padStart(6)}x`);
  }
  const floorName = `cp of the ${(size / 1024 / 1024).toFixed(0)} MB database file`;
  record(
    { group: 'backup', name: 'calm backup create', n: N, value: create, floor: cp, floorName, unit: 'ms' },
    { group: 'backup', name: 'calm backup verify', n: N, value: verify, floor: cp, floorName, unit: 'ms' },
    { group: 'backup', name: 'calm backup restore (verify + safety + copy + check)', n: N, value: restore, floor: cp, floorName, unit: 'ms' },
  );
} finally {
  rmSync(root, { recursive: true, force: true });
}
