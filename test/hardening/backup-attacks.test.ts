/**
 * Backups under attack (issue 15), through the real CLI: every kind of damage or tampering made to a
 * copy of a good backup (a flipped byte, a truncated or removed file, a manifest edited by hand or
 * re-checksummed by a deliberate forger, a symbolic link in place of a file or of the backup folder, an
 * unlisted file, a name with `../`, an absolute path or NUL) is detected by `calm backup verify` (non-zero
 * exit, a message naming the problem) and refused by `calm backup restore`, and the store is untouched
 * (its digest, and with the Qdrant backend every point on the fake server, before and after). Runs on the
 * embedded store and on the Qdrant backend against the fake server, and on CALM's own backups (which carry
 * no checksums: only what can be checked without one). Prints the figures.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createAppSettings } from '../../src/app-settings.js';
import { loadConfig } from '../../src/config.js';
import { type Manifest, writeManifest } from '../../src/services/backup/manifest.js';
import { restoreBackup } from '../../src/services/backup/restore.js';
import { verifyBackup } from '../../src/services/backup/verify.js';
import { type FakeQdrant, startFakeQdrant } from '../fakes/qdrant-server.js';
import { seedEverything } from '../helpers/backup-seed.js';
import { writeCalmBackup } from '../helpers/calm-home.js';
import { runCli, tempHome, type TempHome } from '../helpers/home.js';
import { fileDigest } from '../helpers/store-digest.js';

interface Attack {
  readonly name: string;
  /** Damages the copy at `dir` (backups/<name>); `outside` is a scratch folder outside backups/. */
  readonly apply: (dir: string, outside: string) => void;
  /** What verify must say. */
  readonly expect: RegExp;
}

const flip = (file: string): void => {
  const b = readFileSync(file);
  b[Math.floor(b.length / 2)]! ^= 0xff;
  writeFileSync(file, b);
};
const half = (file: string): void => truncateSync(file, Math.floor(readFileSync(file).length / 2));

/** Rewrites manifest.json with its self-checksum recomputed: what a deliberate forger does. */
function forge(dir: string, edit: (m: Manifest & { files: { path: string; size: number; sha256: string }[] }) => void): void {
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest & { files: { path: string; size: number; sha256: string }[] };
  edit(m);
  const { manifest_sha256: _, ...rest } = m;
  writeManifest(dir, rest);
}

function fileAttacks(target: string): Attack[] {
  return [
    { name: `flip a byte of ${target}`, apply: (d) => flip(join(d, target)), expect: new RegExp(`${target}: sha256 does not match`) },
    { name: `truncate ${target}`, apply: (d) => half(join(d, target)), expect: new RegExp(`${target}: size \\d+ bytes, manifest says`) },
    { name: `remove ${target}`, apply: (d) => unlinkSync(join(d, target)), expect: new RegExp(`${target}: missing`) },
    {
      name: `symlink in place of ${target} (same bytes)`,
      apply: (d, out) => {
        const copy = join(out, `${target.replace(/\//g, '_')}-copy`);
        cpSync(join(d, target), copy);
        unlinkSync(join(d, target));
        symlinkSync(copy, join(d, target));
      },
      expect: new RegExp(`${target}: is a symbolic link`),
    },
  ];
}

const MANIFEST_ATTACKS: Attack[] = [
  { name: 'flip a byte of manifest.json', apply: (d) => flip(join(d, 'manifest.json')), expect: /manifest\.json: .*(damaged|not valid JSON)/ },
  { name: 'truncate manifest.json', apply: (d) => half(join(d, 'manifest.json')), expect: /manifest\.json: .*damaged/ },
  { name: 'remove manifest.json', apply: (d) => unlinkSync(join(d, 'manifest.json')), expect: /manifest\.json: manifest\.json is missing/ },
  {
    name: 'edit a size in manifest.json by hand',
    apply: (d) => {
      const f = join(d, 'manifest.json');
      writeFileSync(f, readFileSync(f, 'utf8').replace(/"size": (\d+)/, (_, n: string) => `"size": ${Number(n) + 1}`));
    },
    expect: /manifest\.json: .*damaged \(its checksum does not match/,
  },
  { name: 'forged manifest: a file checksum', apply: (d) => forge(d, (m) => (m.files[0]!.sha256 = 'a'.repeat(64))), expect: /sha256 does not match/ },
  { name: 'forged manifest: a file size', apply: (d) => forge(d, (m) => (m.files[0]!.size += 1)), expect: /size \d+ bytes, manifest says \d+/ },
  { name: 'forged manifest: a file left out of the list', apply: (d) => forge(d, (m) => m.files.shift()), expect: /not listed in the manifest/ },
  {
    name: 'forged manifest: a file added to the list',
    apply: (d) => forge(d, (m) => m.files.push({ path: 'records/extra.jsonl', size: 1, sha256: 'b'.repeat(64) })),
    expect: /records\/extra\.jsonl: missing/,
  },
  {
    name: 'forged manifest: a path with ../',
    apply: (d) => forge(d, (m) => (m.files[0]!.path = '../../metadata.db')),
    expect: /lists a file outside the backup or with an invalid path: "\.\.\/\.\.\/metadata\.db"/,
  },
  {
    name: 'forged manifest: an absolute path',
    apply: (d) => forge(d, (m) => (m.files[0]!.path = '/etc/passwd')),
    expect: /lists a file outside the backup or with an invalid path: "\/etc\/passwd"/,
  },
  {
    name: 'forged manifest: table counts',
    apply: (d) => forge(d, (m) => (m.tables.tasks = (m.tables.tasks ?? 0) + 1)),
    expect: /metadata\.db: table tasks: \d+ rows, manifest says \d+/,
  },
  {
    name: 'a file not in the manifest',
    apply: (d) => writeFileSync(join(d, 'smuggled.sql'), 'DROP TABLE tasks;'),
    expect: /smuggled\.sql: not listed in the manifest/,
  },
  {
    name: 'symlink in place of manifest.json (same bytes)',
    apply: (d, out) => {
      cpSync(join(d, 'manifest.json'), join(out, 'manifest-copy.json'));
      unlinkSync(join(d, 'manifest.json'));
      symlinkSync(join(out, 'manifest-copy.json'), join(d, 'manifest.json'));
    },
    expect: /manifest\.json: is a symbolic link/,
  },
  {
    name: 'symlink in place of the backup folder (an intact copy)',
    apply: (d, out) => {
      const moved = join(out, `folder-${Date.now()}`);
      renameSync(d, moved);
      symlinkSync(moved, d);
    },
    expect: /is a symbolic link .*refusing to follow it/,
  },
];

const BAD_NAMES = ['../good', '/etc', 'good/../good', '.staging-1-x', '..', 'a'.repeat(101), 'good\\..\\x'];

interface Figures { tried: number; detected: number; refused: number; untouched: number }
const figures = new Map<string, Figures>();

/** Copies `good` to a new name, damages it, then verify and restore through the CLI; records the outcome. */
async function attackAll(
  label: string,
  t: TempHome,
  env: NodeJS.ProcessEnv,
  attacks: readonly Attack[],
  state: () => string,
): Promise<void> {
  const f: Figures = { tried: 0, detected: 0, refused: 0, untouched: 0 };
  figures.set(label, f);
  const backups = join(t.calmHome, 'backups');
  const outside = join(t.root, 'outside');
  cpSync(join(backups, 'good'), join(outside, 'unused'), { recursive: true }); // makes the folder
  const before = state();
  for (const [i, a] of attacks.entries()) {
    const name = `atk-${i}`;
    cpSync(join(backups, 'good'), join(backups, name), { recursive: true });
    a.apply(join(backups, name), outside);
    // verify keeps its findings in backups/.verified.json: state of the catalog, not a backup or a leftover
    const catalog = (): string[] => readdirSync(backups).filter((n) => n !== '.verified.json').sort();
    const listed = catalog();
    f.tried++;
    const v = await runCli(['backup', 'verify', name], env);
    const said = v.stdout + v.stderr;
    assert.notEqual(v.code, 0, `${label} / ${a.name}: verify must fail\n${said}`);
    assert.match(said, a.expect, `${label} / ${a.name}`);
    assert.doesNotMatch(said, /\n\s+at /, `${label} / ${a.name}: no stack trace`);
    f.detected++;
    const r = await runCli(['backup', 'restore', name, '--yes'], env);
    assert.notEqual(r.code, 0, `${label} / ${a.name}: restore must be refused\n${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /failed verification, nothing was changed|is a symbolic link|invalid path|manifest\.json/, `${label} / ${a.name}: ${r.stderr}`);
    f.refused++;
    assert.equal(state(), before, `${label} / ${a.name}: the store is untouched`);
    assert.deepEqual(catalog(), listed, `${label} / ${a.name}: no safety backup taken, nothing left behind`);
    f.untouched++;
    rmSync(join(backups, name), { recursive: true, force: true });
  }
  for (const bad of BAD_NAMES) {
    f.tried++;
    for (const args of [['backup', 'verify', bad], ['backup', 'restore', bad, '--yes']]) {
      const r = await runCli(args, env);
      assert.equal(r.code, 2, `${label} / name ${JSON.stringify(bad)}: ${args[1]} exits 2\n${r.stderr}`);
      assert.match(r.stderr, /Invalid backup name/, `${label} / ${JSON.stringify(bad)}`);
    }
    f.detected++;
    f.refused++;
    assert.equal(state(), before);
    f.untouched++;
  }
  // NUL cannot travel in a process argument at all; the services refuse it
  const config = createAppSettings(loadConfig(env));
  f.tried++;
  await assert.rejects(verifyBackup(config, 'good\0x'), /Invalid backup name/);
  f.detected++;
  await assert.rejects(restoreBackup(config, 'good\0x'), /Invalid backup name/);
  f.refused++;
  assert.equal(state(), before);
  f.untouched++;
  // and the good backup was good all along
  assert.equal((await runCli(['backup', 'verify', 'good'], env)).code, 0);
}

describe('backups under attack (real CLI)', () => {
  let fake: FakeQdrant;
  const homes: TempHome[] = [];
  before(async () => {
    fake = await startFakeQdrant();
  });
  after(async () => {
    await fake.stop();
    for (const h of homes) h.cleanup();
    const rows = [...figures].map(([k, f]) => `  ${k}: ${f.tried} attacks tried, ${f.detected} detected by verify, ${f.refused} refused by restore, store untouched after ${f.untouched}`);
    console.log(`backup attacks:\n${rows.join('\n')}`);
  });

  test('embedded store: every attack detected, refused, store untouched', async () => {
    const t = tempHome();
    homes.push(t);
    const app = t.app();
    await seedEverything(app, 3);
    await app.close();
    const env = t.env();
    assert.equal((await runCli(['backup', 'create', 'good'], env)).code, 0);
    const db = join(t.calmHome, 'metadata.db');
    await attackAll('embedded', t, env, [...fileAttacks('metadata.db'), ...MANIFEST_ATTACKS], () => fileDigest(db));
  });

  test('Qdrant backend (fake server): every attack detected, refused, store untouched', async () => {
    const t = tempHome();
    homes.push(t);
    const env = t.env({ CALM_VECTOR_BACKEND: 'qdrant', CALM_QDRANT_URL: fake.url });
    const app = t.app({ CALM_VECTOR_BACKEND: 'qdrant', CALM_QDRANT_URL: fake.url });
    for (const content of ['postgres runs on port 5433', 'the deploy needs VPN', 'prefer pnpm over npm']) await app.memory.store({ content, category: 'fact' });
    await app.close();
    const created = await runCli(['backup', 'create', 'good'], env);
    assert.equal(created.code, 0, created.stderr);
    const db = join(t.calmHome, 'metadata.db');
    const points = (): string =>
      JSON.stringify([...fake.collections].sort(([a], [b]) => a.localeCompare(b)).map(([n, c]) => [n, [...c.points.values()].map((p) => JSON.stringify(p)).sort()]));
    const attacks = [...['metadata.db', 'qdrant/memories.snapshot', 'records/memories.jsonl'].flatMap(fileAttacks), ...MANIFEST_ATTACKS];
    await attackAll('qdrant', t, env, attacks, () => `${fileDigest(db)} ${points()}`);
  });

  test("CALM's backups (no checksums): what can be checked is, and restore refuses the rest", async () => {
    const t = tempHome();
    homes.push(t);
    const app = t.app();
    await seedEverything(app, 2);
    await app.close();
    const env = t.env({ CALM_QDRANT_URL: fake.url });
    const db = join(t.calmHome, 'metadata.db');
    const before = fileDigest(db);
    const backups = join(t.calmHome, 'backups');
    const attacks: { name: string; apply: (name: string) => void; expect: RegExp }[] = [
      { name: 'truncate NAME.db', apply: (n) => half(join(backups, `${n}.db`)), expect: /\.db: (is not a readable SQLite database|integrity_check failed)/ },
      { name: 'remove NAME.db', apply: (n) => unlinkSync(join(backups, `${n}.db`)), expect: /\.db: missing/ },
      { name: 'NAME.db emptied', apply: (n) => truncateSync(join(backups, `${n}.db`), 0), expect: /\.db: is empty/ },
      {
        name: 'symlink in place of NAME.db',
        apply: (n) => {
          cpSync(join(backups, `${n}.db`), join(t.root, `${n}.db`));
          unlinkSync(join(backups, `${n}.db`));
          symlinkSync(join(t.root, `${n}.db`), join(backups, `${n}.db`));
        },
        expect: /\.db: is a symbolic link/,
      },
      {
        name: 'symlink in place of NAME.qdrant/',
        apply: (n) => {
          renameSync(join(backups, `${n}.qdrant`), join(t.root, `${n}.qdrant`));
          symlinkSync(join(t.root, `${n}.qdrant`), join(backups, `${n}.qdrant`));
        },
        expect: /\.qdrant: is a symbolic link/,
      },
      { name: 'a snapshot emptied', apply: (n) => truncateSync(join(backups, `${n}.qdrant`, 'memories.snapshot'), 0), expect: /memories\.snapshot: is empty/ },
      {
        name: 'every snapshot removed',
        apply: (n) => {
          for (const file of readdirSync(join(backups, `${n}.qdrant`))) unlinkSync(join(backups, `${n}.qdrant`, file));
        },
        expect: /\.qdrant: holds no \.snapshot file/,
      },
    ];
    const f: Figures = { tried: 0, detected: 0, refused: 0, untouched: 0 };
    figures.set("CALM's backups", f);
    for (const [i, a] of attacks.entries()) {
      const name = `calm-atk-${i}`;
      await writeCalmBackup(t.calmHome, fake.url, name);
      assert.equal((await runCli(['backup', 'verify', name], env)).code, 0, 'intact before the attack');
      a.apply(name);
      f.tried++;
      const v = await runCli(['backup', 'verify', name], env);
      assert.equal(v.code, 1, `${a.name}: ${v.stdout}${v.stderr}`);
      assert.match(v.stdout, a.expect, a.name);
      f.detected++;
      const r = await runCli(['backup', 'restore', name, '--yes'], env);
      assert.equal(r.code, 1, `${a.name}: ${r.stderr}`);
      assert.match(r.stderr, /failed verification, nothing was changed/);
      f.refused++;
      assert.equal(fileDigest(db), before, a.name);
      assert.ok(!readdirSync(backups).some((n) => n.startsWith('pre-restore_')), 'no safety backup for a refused restore');
      f.untouched++;
    }
    assert.ok(!existsSync(join(backups, 'calm-atk-0.db-wal')), 'verify writes nothing beside a CALM backup');
  });
});
