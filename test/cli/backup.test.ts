/** `calm backup …`, `calm export` and `calm import` through the real binary, including restores killed mid-way. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { hashEmbed } from '../../src/embedding/hash.js';
import { fileFingerprint, seedEverything } from '../helpers/backup-seed.js';
import { CLI, json, REPO_ROOT, runCli, tempHome, type TempHome } from '../helpers/home.js';

async function seed(t: TempHome, extra = 0): Promise<void> {
  const app = t.app();
  try {
    await seedEverything(app, 3);
    for (let start = 0; start < extra; start += 500) {
      await app.records.upsert(
        'memories',
        Array.from({ length: Math.min(500, extra - start) }, (_, i) => {
          const text = `bulk memory ${start + i} for a wider restore window`;
          return { id: `bulk-${start + i}`, text, payload: { category: 'fact', n: start + i }, vector: hashEmbed(text) };
        }),
      );
    }
  } finally {
    await app.close();
  }
}

describe('calm backup (CLI)', () => {
  let t: TempHome;
  beforeEach(() => {
    t = tempHome();
  });
  afterEach(() => t.cleanup());

  test('create, list, show, verify, auto, delete: text and --json; names validated (exit 2)', async () => {
    const help = await runCli(['--help'], t.env());
    for (const cmd of ['backup', 'export', 'import']) assert.match(help.stdout, new RegExp(`\\b${cmd}\\b`));
    const before = await runCli(['backup', 'create'], t.env());
    assert.equal(before.code, 1);
    assert.match(before.stderr, /Database not found: .*run `calm init`/);
    await seed(t);

    const created = await runCli(['backup', 'create', 'first'], t.env());
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /Created backup: first\nPath: .*backups\/first\nSize: [\d.]+ MB/);
    const again = await runCli(['backup', 'create', 'first'], t.env());
    assert.equal(again.code, 2);
    assert.match(again.stderr, /already exists; pass --force/);
    assert.equal((await runCli(['backup', 'create', 'first', '--force'], t.env())).code, 0);
    const bad = await runCli(['backup', 'create', '../escape'], t.env());
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Invalid backup name '\.\.\/escape'/);

    const auto = await runCli(['backup', 'auto', '--max-backups', '1', '--json'], t.env());
    assert.equal(auto.code, 0, auto.stderr);
    assert.match(json<{ backup: { name: string } }>(auto).backup.name, /^auto_\d{8}_\d{6}$/);
    const auto2 = json<{ rotated: string[] }>(await runCli(['backup', 'auto', '--max-backups', '1', '--json'], t.env()));
    assert.equal(auto2.rotated.length, 1);
    assert.equal((await runCli(['backup', 'auto', '--max-backups', '0'], t.env())).code, 2);

    const list = json<{ backups: { name: string; kind: string; records: number }[]; max_backups: number }>(await runCli(['backup', 'list', '--json'], t.env()));
    assert.equal(list.max_backups, 10);
    assert.deepEqual(list.backups.map((b) => b.kind).sort(), ['auto', 'named']);
    assert.equal(list.backups.find((b) => b.name === 'first')?.records, 3 * 8 + 3);
    const text = await runCli(['backup', 'list'], t.env());
    assert.match(text.stdout, /2 backups \(1 automatic, the newest 10 kept\)/);
    assert.match(text.stdout, /first\s+named\s+[\d.]+ MB\s+27\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+ok/);

    const show = json<{ manifest: { files: { path: string; sha256: string }[]; tables: Record<string, number> } }>(await runCli(['backup', 'show', 'first', '--json'], t.env()));
    assert.deepEqual(show.manifest.files.map((f) => f.path), ['metadata.db']);
    assert.equal(show.manifest.tables.tasks, 2);
    assert.match((await runCli(['backup', 'show', 'first'], t.env())).stdout, /schema \d+, backend embedded[\s\S]*metadata\.db\s+[\d.]+ MB\s+[0-9a-f]{64}/);
    const verify = await runCli(['backup', 'verify', 'first'], t.env());
    assert.equal(verify.code, 0);
    assert.match(verify.stdout, /Backup first is intact/);

    const noYes = await runCli(['backup', 'delete', 'first'], t.env());
    assert.equal(noYes.code, 2);
    assert.match(noYes.stderr, /pass --yes/);
    const del = await runCli(['backup', 'delete', 'first', '--yes', '--json'], t.env());
    assert.deepEqual(json(del), { deleted: 'first' });
    const missing = await runCli(['backup', 'show', 'first'], t.env());
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Backup not found: first/);
  });

  test('damage: verify exits 1 naming the file; restore refuses and the live database is untouched', async () => {
    await seed(t);
    assert.equal((await runCli(['backup', 'create', 'b'], t.env())).code, 0);
    const file = join(t.calmHome, 'backups', 'b', 'metadata.db');
    const bytes = readFileSync(file);
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 1;
    writeFileSync(file, bytes);
    const verify = await runCli(['backup', 'verify', 'b'], t.env());
    assert.equal(verify.code, 1);
    assert.match(verify.stdout, /Backup b is DAMAGED:\n  metadata\.db: sha256 does not match/);
    const live = fileFingerprint(join(t.calmHome, 'metadata.db'));
    const restore = await runCli(['backup', 'restore', 'b', '--yes'], t.env());
    assert.equal(restore.code, 1);
    assert.match(restore.stderr, /failed verification, nothing was changed: metadata\.db/);
    assert.equal(fileFingerprint(join(t.calmHome, 'metadata.db')), live);
    assert.deepEqual(json<{ backups: unknown[] }>(await runCli(['backup', 'list', '--json'], t.env())).backups.length, 1, 'no safety backup taken');
  });

  test('restore prints the safety backup; the restored state is the backup', async () => {
    await seed(t);
    await runCli(['backup', 'create', 'b'], t.env());
    const backupState = fileFingerprint(join(t.calmHome, 'metadata.db'));
    assert.equal((await runCli(['memory', 'store', 'after the backup', '-c', 'event'], t.env())).code, 0);
    const r = await runCli(['backup', 'restore', 'b', '--yes'], t.env());
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Restored from backup: b \(27 records\)\nPrevious state saved as backup: pre-restore_\d{8}_\d{6}/);
    assert.equal(fileFingerprint(join(t.calmHome, 'metadata.db')), backupState);
  });

  test('Qdrant configured but unreachable: partial backup, exit 3, and exactly what is missing', async () => {
    await seed(t);
    const env = t.env({ CALM_VECTOR_BACKEND: 'qdrant', CALM_QDRANT_URL: 'http://127.0.0.1:9' });
    const r = await runCli(['backup', 'create', 'p'], env);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stdout, /Not included: Qdrant collections \(memories, .*\) \(Qdrant at http:\/\/127\.0\.0\.1:9 is unreachable/);
    assert.match(r.stderr, /Warning: backup 'p' is partial/);
    const list = await runCli(['backup', 'list'], env);
    assert.match(list.stdout, /p\s+named .* partial/);
    assert.equal((await runCli(['backup', 'verify', 'p'], env)).code, 0);
  });

  test('export to stdout and to a file, import into another home', async () => {
    await seed(t);
    const out = await runCli(['export', '--collections', 'memories,values'], t.env());
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout.trim().split('\n').length, 9);
    assert.match(out.stderr, /Exported 9 records \(memories 6, values 3\)/);
    const file = join(t.root, 'all.jsonl');
    assert.equal((await runCli(['export', '--output', file], t.env())).code, 0);
    const other = tempHome();
    try {
      assert.equal((await runCli(['init'], other.env())).code, 0);
      const imp = await runCli(['import', file, '--json'], other.env());
      assert.equal(imp.code, 0, imp.stderr);
      assert.equal(json<{ total: number }>(imp).total, 27);
      const bad = await runCli(['import', join(t.root, 'nope.jsonl')], other.env());
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /Cannot read/);
      assert.equal((await runCli(['export', '--collections', 'nope'], t.env())).code, 1);
    } finally {
      other.cleanup();
    }
  });

  test('crash: killing `calm backup restore` at any point leaves the old or the new state, and doctor is clean', { timeout: 240_000 }, async () => {
    await seed(t, 4000);
    const db = join(t.calmHome, 'metadata.db');
    assert.equal((await runCli(['backup', 'create', 'target'], t.env())).code, 0);
    const stateA = fileFingerprint(db);
    // state B: more records, fewer rows, a dropped collection
    const app = t.app();
    await app.memory.store({ content: 'only in state B', category: 'event' });
    app.db.prepare("DELETE FROM tasks WHERE id = 'BUG-001'").run();
    await app.records.dropCollection('commits');
    await app.close();
    const stateB = fileFingerprint(db);
    assert.notEqual(stateA, stateB);
    const pristineB = join(t.root, 'state-b.db');
    copyFileSync(db, pristineB);
    const resetToB = (): void => {
      for (const suffix of ['-wal', '-shm']) rmSync(`${db}${suffix}`, { force: true });
      copyFileSync(pristineB, db);
    };

    const killRestore = (killWhen: (stderr: string, elapsedMs: number) => boolean, env: NodeJS.ProcessEnv): Promise<{ killed: boolean; stderr: string }> =>
      new Promise((resolve) => {
        const started = Date.now();
        const child = spawn(process.execPath, [CLI, 'backup', 'restore', 'target', '--yes'], { env, cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        let killed = false;
        const check = (): void => {
          if (!killed && killWhen(stderr, Date.now() - started)) {
            killed = child.kill('SIGKILL');
          }
        };
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          check();
        });
        const timer = setInterval(check, 5);
        child.on('close', () => {
          clearInterval(timer);
          resolve({ killed, stderr });
        });
      });

    const outcomes: string[] = [];
    const checkAfter = async (label: string): Promise<void> => {
      const doctor = await runCli(['doctor'], t.env());
      assert.equal(doctor.code, 0, `${label}: doctor\n${doctor.stdout}${doctor.stderr}`);
      const state = fileFingerprint(db);
      assert.ok(state === stateA || state === stateB, `${label}: a mixed state`);
      outcomes.push(`${label}=${state === stateA ? 'new' : 'old'}`);
    };

    // deterministic, observed through the database itself: this process holds the live database's write
    // lock, so the copy into it cannot commit and the restore waits there; killed as each earlier step starts
    for (const step of ['verified', 'safety-backup', 'restore']) {
      resetToB();
      const writer = new Database(db);
      writer.exec('BEGIN IMMEDIATE');
      let r: { killed: boolean; stderr: string };
      try {
        r = await killRestore((s) => s.includes(`restore step: ${step}`), t.env());
      } finally {
        writer.exec('ROLLBACK');
        writer.close();
      }
      assert.ok(r.killed, `${step}: ${r.stderr}`);
      await checkAfter(`before ${step}`);
    }
    // and after the copy committed: a read transaction open on the old state holds the restore in its
    // checkpoint (which waits for readers), before the check step; killed once the new state is visible
    {
      resetToB();
      const reader = new Database(db);
      reader.exec('BEGIN');
      reader.prepare('SELECT COUNT(*) FROM records').get();
      const restored = (): boolean => {
        const probe = new Database(db, { readonly: true });
        try {
          return probe.prepare("SELECT 1 FROM tasks WHERE id = 'BUG-001'").get() !== undefined; // in state A only
        } finally {
          probe.close();
        }
      };
      let r: { killed: boolean; stderr: string };
      try {
        r = await killRestore((s) => s.includes('restore step: restore') && restored(), t.env());
      } finally {
        reader.exec('ROLLBACK');
        reader.close();
      }
      assert.ok(r.killed, `check: ${r.stderr}`);
      assert.doesNotMatch(r.stderr, /restore step: check/, 'killed before the check step');
      await checkAfter('before check');
    }
    assert.deepEqual(outcomes, ['before verified=old', 'before safety-backup=old', 'before restore=old', 'before check=new']);

    // calibration: when does the copy into the live database start and end (the restore reports each step)?
    resetToB();
    const marks = new Map<string, number>();
    await killRestore((s, elapsed) => {
      for (const step of ['restore', 'check']) if (!marks.has(step) && s.includes(`restore step: ${step}`)) marks.set(step, elapsed);
      return false;
    }, t.env());
    const [from, to] = [marks.get('restore')!, marks.get('check')!];
    assert.ok(from !== undefined && to !== undefined && to > from, `calibration: ${[...marks].join(' ')}`);

    // random: killed during the copy window, and anywhere at all
    const delays = [
      ...Array.from({ length: 6 }, () => from + Math.floor(Math.random() * (to - from + 20))),
      ...Array.from({ length: 4 }, () => 100 + Math.floor(Math.random() * (to + 200))),
    ];
    for (const delay of delays) {
      resetToB();
      await killRestore((_s, elapsed) => elapsed >= delay, t.env());
      await checkAfter(`after ${delay} ms`);
    }
    const list = json<{ backups: { name: string; damaged?: string }[] }>(await runCli(['backup', 'list', '--json'], t.env()));
    assert.deepEqual(list.backups.filter((b) => b.damaged), [], 'killed restores leave no damaged backups in the list');
    process.stderr.write(`crash outcomes (copy window ${from}-${to} ms): ${outcomes.join(', ')}\n`);
  });
});
