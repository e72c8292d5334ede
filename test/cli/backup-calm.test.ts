/**
 * CALM's own backups after `calm init` adopted a CALM home (issue 13), through the real CLI on the CALM
 * home fixture: listed (kind "calm"), never rotated, verified (integrity_check on a copy, snapshots read),
 * restored by importing them (snapshots recovered into temporary collections of the fake Qdrant), all
 * or nothing: a bad snapshot or an unreachable Qdrant leaves the store as it was.
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { QdrantClient } from '@qdrant/js-client-rest';
import { type FakeQdrant, startFakeQdrant } from '../fakes/qdrant-server.js';
import { BACKUP_MEMORY, BACKUP_TASK, buildCalmHome, MEMORY_ID, seedCalmQdrant, snapshotFiles, writeCalmBackup } from '../helpers/calm-home.js';
import { json, runCli, tempHome, type TempHome } from '../helpers/home.js';
import { freePort } from '../helpers/net.js';
import { fileDigest } from '../helpers/store-digest.js';

const OLD = '20251130_080000'; // writeCalmBackup: real snapshots, an older state
const FIXTURE = '20251201_120000'; // buildCalmHome: its snapshot file is not a snapshot

interface ListRow { name: string; kind: string; qdrant_snapshots?: string[] }

describe("CALM's backups in calm (adopted CALM home, fake Qdrant)", () => {
  let t: TempHome;
  let fake: FakeQdrant;
  const db = (): string => join(t.calmHome, 'metadata.db');
  const calmBackupFiles = (): Map<string, unknown> =>
    new Map([...snapshotFiles(join(t.calmHome, 'backups'), (rel) => !rel.startsWith(OLD) && !rel.startsWith(FIXTURE))].map(([k, v]) => [k, v.sha256]));

  before(async () => {
    t = tempHome();
    fake = await startFakeQdrant();
    await writeCalmBackup(t.calmHome, fake.url, OLD);
    await seedCalmQdrant(fake.url);
    buildCalmHome(t.calmHome, fake.url);
    const init = await runCli(['init', '--yes', '--json'], t.env());
    assert.equal(init.code, 0, init.stderr);
  });
  after(async () => {
    await fake.stop();
    t.cleanup();
  });

  test('list shows them as CALM\'s; calm\'s rotation and new backups leave them alone', async () => {
    const before = calmBackupFiles();
    for (let i = 0; i < 2; i++) assert.equal((await runCli(['backup', 'auto', '--max-backups', '1'], t.env())).code, 0);
    const list = await runCli(['backup', 'list', '--json'], t.env());
    assert.equal(list.code, 0, list.stderr);
    const rows = json<{ backups: ListRow[] }>(list).backups;
    const calm = rows.filter((r) => r.kind === 'calm');
    assert.deepEqual(calm.map((r) => r.name).sort(), [OLD, FIXTURE]);
    assert.deepEqual(calm.find((r) => r.name === OLD)?.qdrant_snapshots, ['ghap_full', 'memories']);
    assert.equal(rows.filter((r) => r.kind === 'auto').length, 1, 'auto backups rotated to 1');
    assert.ok(!rows.some((r) => r.name.endsWith('.qdrant')), 'NAME.qdrant/ is part of a CALM backup, not a backup of its own');
    const text = await runCli(['backup', 'list'], t.env());
    assert.match(text.stdout, /2 CALM's, from before `calm init`, never rotated/);
    assert.match(text.stdout, new RegExp(`${OLD}\\s+calm .*CALM \\+ Qdrant \\(ghap_full, memories\\)`));
    const taken = await runCli(['backup', 'create', OLD], t.env());
    assert.equal(taken.code, 2);
    assert.match(taken.stderr, /already exists \(one of CALM's\)/);
    const show = await runCli(['backup', 'show', OLD], t.env());
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /CALM's backup.*\n.*\nDatabase: .*20251130_080000\.db\nQdrant: .*memories\.snapshot/);
    assert.deepEqual(calmBackupFiles(), before, "CALM's backup files byte for byte");
  });

  test('verify checks what CALM left checkable and names the damage', async () => {
    const ok = await runCli(['backup', 'verify', OLD, '--json'], t.env());
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.equal(json<{ ok: boolean; kind: string }>(ok).kind, 'calm');
    assert.match((await runCli(['backup', 'verify', OLD], t.env())).stdout, /readable: 3 files checked\. CALM's backups carry no checksums/);
    assert.ok(!existsSync(join(t.calmHome, 'backups', `${OLD}.db-wal`)) && !existsSync(join(t.calmHome, 'backups', `${OLD}.db-shm`)), 'verify writes nothing beside it');

    writeFileSync(join(t.calmHome, 'backups', 'broken.db'), Buffer.alloc(8192, 7));
    const bad = await runCli(['backup', 'verify', 'broken'], t.env());
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /broken\.db: is not a readable SQLite database/);
    const refused = await runCli(['backup', 'restore', 'broken', '--yes'], t.env());
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /failed verification, nothing was changed/);
    assert.equal((await runCli(['backup', 'delete', 'broken', '--yes'], t.env())).code, 0);
    assert.ok(!existsSync(join(t.calmHome, 'backups', 'broken.db')));
  });

  test('restore refuses without a reachable Qdrant, and a snapshot Qdrant rejects changes nothing', async () => {
    const digest = fileDigest(db());
    const offline = await runCli(['backup', 'restore', OLD, '--yes'], t.env({ CALM_QDRANT_URL: `http://127.0.0.1:${await freePort()}` }));
    assert.equal(offline.code, 1);
    assert.match(offline.stderr, /holds Qdrant snapshots \(ghap_full, memories\)\. A Qdrant snapshot can only be read by a Qdrant server.*--skip-qdrant.*Nothing was changed/s);
    const rejected = await runCli(['backup', 'restore', FIXTURE, '--yes'], t.env());
    assert.equal(rejected.code, 1);
    assert.match(rejected.stderr, /not a snapshot.*the calm store is unchanged/s);
    assert.equal(fileDigest(db()), digest, 'the store is untouched');
    const names = (await new QdrantClient({ url: fake.url, checkCompatibility: false }).getCollections()).collections.map((c) => c.name);
    assert.ok(!names.some((n) => n.startsWith('calm-restore-')), `temporary collections removed: ${names.join(', ')}`);
  });

  test("restore imports it after a safety backup: the store becomes the backup's state", async () => {
    const before = calmBackupFiles();
    const r = await runCli(['backup', 'restore', OLD, '--yes', '--json'], t.env());
    assert.equal(r.code, 0, r.stderr);
    const out = json<{ kind: string; safety_backup: string; imported: { collections: { collection: string; imported: number }[] } }>(r);
    assert.equal(out.kind, 'calm');
    assert.match(out.safety_backup, /^pre-restore_/);
    assert.deepEqual(Object.fromEntries(out.imported.collections.map((c) => [c.collection, c.imported])), { memories: 2, ghap_full: 1 });
    const found = json<{ results: { id: string }[] }>(await runCli(['memory', 'search', 'old cluster NAS', '--mode', 'keyword', '--json'], t.env()));
    assert.equal(found.results[0]?.id, BACKUP_MEMORY.id);
    const all = json<{ results: { id: string }[] }>(await runCli(['memory', 'list', '--json'], t.env())).results.map((m) => m.id);
    assert.deepEqual(all.sort(), [BACKUP_MEMORY.id, MEMORY_ID].sort(), 'exactly what the backup held');
    assert.equal((await runCli(['task', 'show', BACKUP_TASK], t.env())).code, 0);
    assert.equal((await runCli(['backup', 'verify', out.safety_backup], t.env())).code, 0, 'the safety backup is intact');
    const names = (await new QdrantClient({ url: fake.url, checkCompatibility: false }).getCollections()).collections.map((c) => c.name);
    assert.ok(!names.some((n) => n.startsWith('calm-restore-')), names.join(', '));
    assert.deepEqual(calmBackupFiles(), before, "CALM's backup is left as it was");
    // CALM's files keep CALM's modes (0644) until `doctor --fix`; everything else must be clean
    const doctor = await runCli(['doctor'], t.env());
    const problems = doctor.stdout.split('\n').filter((l) => l.startsWith('[PROBLEM]') && !l.includes('file permissions'));
    assert.deepEqual(problems, [], doctor.stdout);
    assert.match(doctor.stdout, /\[ok\] +sqlite integrity/);

    const sqliteOnly = await runCli(['backup', 'restore', OLD, '--yes', '--skip-qdrant', '--json'], t.env({ CALM_QDRANT_URL: `http://127.0.0.1:${await freePort()}` }));
    assert.equal(sqliteOnly.code, 0, sqliteOnly.stderr);
    const skipped = json<{ not_included: { what: string; reason: string }[] }>(sqliteOnly).not_included;
    assert.ok(skipped.some((n) => n.what === 'snapshot of memories' && n.reason === '--skip-qdrant'), JSON.stringify(skipped));
  });
});
