/** Backups taken while another process writes continuously are internally consistent and restore cleanly. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { createAppSettings } from '../../src/app-settings.js';
import { loadConfig } from '../../src/config.js';
import { createBackup } from '../../src/services/backup/create.js';
import { restoreBackup } from '../../src/services/backup/restore.js';
import { verifyBackup } from '../../src/services/backup/verify.js';
import { runDoctor } from '../../src/services/doctor.js';
import { openDatabase } from '../../src/store/db.js';
import { SqliteVecRecordStore } from '../../src/store/records/sqlite-vec/index.js';
import { seedEverything } from '../helpers/backup-seed.js';
import { REPO_ROOT, tempHome } from '../helpers/home.js';

test('consistency under load: every backup agrees with itself (rows, vectors, keyword index) and restores cleanly', async () => {
  const t = tempHome();
  const config = createAppSettings(loadConfig(t.env()));
  const seed = t.app();
  await seedEverything(seed, 3);
  await seed.close();

  const writer = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test/helpers/backup-writer.ts')], {
    env: t.env(), cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  writer.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await new Promise<void>((resolve, reject) => {
      writer.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      writer.on('exit', (code) => reject(new Error(`writer exited (${code}): ${stderr}`)));
    });
    const sizes: number[] = [];
    for (let k = 0; k < 6; k++) {
      const b = await createBackup(config, { name: `load-${k}` });
      const report = await verifyBackup(config, b.name);
      assert.equal(report.ok, true, JSON.stringify(report.problems));
      for (const c of b.manifest.collections) assert.equal(c.vectors, c.count, `${b.name} ${c.name}`);
      // the copy itself: every record has its vector and keyword entry, nothing dangling
      const db = openDatabase(join(b.path, 'metadata.db'), { readonly: true });
      const store = new SqliteVecRecordStore(db);
      for (const c of await store.listCollections()) {
        assert.deepEqual(await store.checkConsistency(c.name), { missingVectors: [], orphanVectors: 0, keywordIndexMismatch: 0, nearDuplicateIndexMismatch: 0 }, `${b.name} ${c.name}`);
      }
      db.close();
      sizes.push(b.manifest.collections.find((c) => c.name === 'memories')!.count);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(writer.exitCode === null, `the writer kept running: ${stderr}`);
    assert.ok(sizes[sizes.length - 1]! > sizes[0]!, `backups saw the writes: ${sizes.join(', ')}`);
  } finally {
    writer.kill('SIGKILL');
    await new Promise((resolve) => writer.once('close', resolve));
  }

  const picked = 'load-3';
  const result = await restoreBackup(config, picked);
  assert.ok(result.safety_backup);
  const app = t.app();
  try {
    const report = await runDoctor(app);
    assert.equal(report.healthy, true, JSON.stringify(report.checks.filter((c) => c.status !== 'ok')));
    const manifest = (await verifyBackup(config, picked)).manifest!;
    for (const c of manifest.collections) assert.equal(await app.records.count(c.name), c.count, c.name);
  } finally {
    await app.close();
    t.cleanup();
  }
});
