/** The foundation commands driven through the real binary as a child process. */
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { loadConfig } from '../../src/config.js';
import { hashEmbed } from '../../src/embedding/hash.js';
import { writeTinyBertModel } from '../fixtures/tiny-onnx-model.js';
import { json, REPO_ROOT, runCli, tempHome, type TempHome } from '../helpers/home.js';

const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

async function seedMemories(t: TempHome, n: number, extra: Record<string, string> = {}): Promise<void> {
  const app = t.app(extra);
  try {
    await app.records.ensureCollection('memories', { embedder: 'hash-v1', dim: 384 });
    await app.records.upsert(
      'memories',
      Array.from({ length: n }, (_, i) => {
        const text = `memory number ${i} about sqlite and vectors`;
        return { id: `m${i}`, text, payload: { category: 'fact', n: i }, vector: hashEmbed(text) };
      }),
    );
  } finally {
    await app.close();
  }
}

describe('calm CLI: foundation', () => {
  let t: TempHome;
  beforeEach(() => {
    t = tempHome();
  });
  afterEach(() => t.cleanup());

  test('--version prints the package version; --help lists the commands', async () => {
    const v = await runCli(['--version'], t.env());
    assert.equal(v.code, 0);
    assert.equal(v.stdout.trim(), version);
    const h = await runCli(['--help'], t.env());
    assert.equal(h.code, 0);
    for (const cmd of ['init', 'status', 'doctor', 'reembed', 'config']) assert.match(h.stdout, new RegExp(`\\b${cmd}\\b`));
    const sub = await runCli(['doctor', '--help'], t.env());
    assert.equal(sub.code, 0);
    assert.match(sub.stdout, /--fix/);
  });

  test('unknown commands and bad options exit 2 with a helpful message, no stack trace', async () => {
    const unknown = await runCli(['statsu'], t.env());
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'statsu'/);
    assert.match(unknown.stderr, /Did you mean status\?/);
    const option = await runCli(['status', '--jsn'], t.env());
    assert.equal(option.code, 2);
    assert.match(option.stderr, /unknown option '--jsn'/);
    const range = await runCli(['reembed', '--batch-size', 'lots'], t.env());
    assert.equal(range.code, 2);
    assert.match(range.stderr, /not a whole number/);
    for (const r of [unknown, option, range]) assert.doesNotMatch(r.stderr, /\n\s+at /);
  });

  test('status before init says so and creates nothing', async () => {
    const r = await runCli(['status', '--json'], t.env());
    assert.equal(r.code, 0, r.stderr);
    const status = json<{ initialized: boolean; home: string }>(r);
    assert.equal(status.initialized, false);
    assert.equal(status.home, t.calmHome);
    assert.equal(existsSync(t.calmHome), false);
    const human = await runCli(['status'], t.env());
    assert.match(human.stdout, /Not initialized: run 'calm init'/);
  });

  test('commands that need data refuse to run before init, with the fix', async () => {
    const r = await runCli(['doctor'], t.env());
    assert.equal(r.code, 1);
    assert.match(r.stderr, /not initialized .* run `calm init`/);
    assert.equal(existsSync(join(t.calmHome, 'metadata.db')), false);
  });

  test('init creates home, database and config, picks hash offline and says why; a second init keeps everything', async () => {
    const r = await runCli(['init', '--json'], t.env());
    assert.equal(r.code, 0, r.stderr);
    const result = json<{ embedder: { setting: string; id: string; dim: number; reason: string }; configFileAction: string; schemaVersion: number }>(r);
    assert.equal(result.embedder.setting, 'hash');
    assert.equal(result.embedder.id, 'hash-v1');
    assert.equal(result.embedder.dim, 384);
    assert.match(result.embedder.reason, /downloads are disabled/);
    assert.equal(result.configFileAction, 'created');
    for (const dir of ['workflows', 'roles', 'sessions', 'skills', 'journal', 'backups', 'models']) {
      assert.ok(existsSync(join(t.calmHome, dir)), dir);
    }
    assert.ok(existsSync(join(t.calmHome, 'metadata.db')));
    assert.match(readFileSync(join(t.calmHome, 'config.yaml'), 'utf8'), /embedder: "hash"/);

    const human = await runCli(['init'], t.env());
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /Config: .*config\.yaml \(kept\)/);
    assert.match(human.stdout, /calm reembed/);

    const status = json<{ initialized: boolean; embedder: { source: string }; tables: Record<string, number> }>(await runCli(['status', '--json'], t.env()));
    assert.equal(status.initialized, true);
    assert.equal(status.embedder.source, 'config file');
    assert.equal(status.tables.counters, 3, 'counters seeded once, not twice');
    assert.ok('tasks' in status.tables && 'session_journal' in status.tables && 'records' in status.tables);
  });

  test('init uses minilm when its weights are already in $CALM_HOME/models', async () => {
    await writeTinyBertModel(join(t.calmHome, 'models', 'Xenova', 'all-MiniLM-L6-v2'));
    const r = await runCli(['init', '--json'], t.env());
    assert.equal(r.code, 0, r.stderr);
    const result = json<{ embedder: { setting: string; id: string; reason: string } }>(r);
    assert.equal(result.embedder.setting, 'minilm');
    assert.equal(result.embedder.id, 'onnx:Xenova/all-MiniLM-L6-v2');
    assert.match(result.embedder.reason, /weights found/);
  });

  test('a configured model that cannot load stops init, says why, and never switches to another embedder', async () => {
    const missing = join(t.root, 'no-such-model');
    const r = await runCli(['init'], t.env({ CALM_EMBEDDER: missing }));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /configured embedder .*no-such-model.* cannot be loaded/);
    assert.match(r.stderr, /did not switch/);
    assert.equal(existsSync(join(t.calmHome, 'metadata.db')), false);
    assert.equal(existsSync(join(t.calmHome, 'config.yaml')), false);
  });

  test('init with a model folder embeds with it', async () => {
    const folder = join(t.root, 'tiny-model');
    await writeTinyBertModel(folder);
    const r = await runCli(['init', '--json'], t.env({ CALM_EMBEDDER: folder }));
    assert.equal(r.code, 0, r.stderr);
    const result = json<{ embedder: { id: string; dim: number; reason: string } }>(r);
    assert.equal(result.embedder.id, `onnx:folder:${folder}`);
    assert.equal(result.embedder.dim, 32);
    assert.match(result.embedder.reason, /environment variable CALM_EMBEDDER/);
  });

  test('config show reports each value and its source; a bad file is a clear error naming the key', async () => {
    assert.equal((await runCli(['init'], t.env())).code, 0);
    const r = await runCli(['config', 'show', '--json'], t.env({ CALM_SERVER_PORT: '7001' }));
    assert.equal(r.code, 0, r.stderr);
    const shown = json<{ settings: { key: string; value: unknown; source: string }[] }>(r);
    const byKey = Object.fromEntries(shown.settings.map((s) => [s.key, s]));
    assert.deepEqual([byKey['server.port']?.value, byKey['server.port']?.source], [7001, 'environment']);
    assert.deepEqual([byKey['embedding.embedder']?.value, byKey['embedding.embedder']?.source], ['hash', 'config file']);
    assert.deepEqual([byKey['server.host']?.value, byKey['server.host']?.source], ['127.0.0.1', 'default']);

    writeFileSync(join(t.calmHome, 'config.yaml'), 'backup:\n  max_backups: -3\n');
    const bad = await runCli(['status'], t.env());
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /backup\.max_backups/);
    const badJson = await runCli(['status', '--json'], t.env());
    assert.equal((JSON.parse(badJson.stderr) as { error: { type: string } }).error.type, 'config_error');
  });

  test('doctor detects a record whose vector was removed behind its back, and --fix repairs it', async () => {
    assert.equal((await runCli(['init'], t.env())).code, 0);
    await seedMemories(t, 20);
    const healthy = await runCli(['doctor', '--json'], t.env());
    assert.equal(healthy.code, 0, healthy.stdout);
    assert.equal(json<{ healthy: boolean }>(healthy).healthy, true);

    const db = new Database(join(t.calmHome, 'metadata.db'));
    const rid = db.prepare("SELECT rid FROM records WHERE collection = 'memories' AND id = 'm7'").pluck().get() as number;
    // sqlite-vec is not loaded here: the vec0 shadow table is edited directly, as corruption would
    db.prepare('DELETE FROM vec_memories_1_rowids WHERE rowid = ?').run(rid);
    db.close();

    const sick = await runCli(['doctor'], t.env());
    assert.equal(sick.code, 1);
    assert.match(sick.stdout, /\[PROBLEM\] collection memories: vectors: 1 records have no vector \(m7\)/);
    assert.match(sick.stdout, /fix: run `calm doctor --fix`/);

    const fixed = await runCli(['doctor', '--fix'], t.env());
    assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
    assert.match(fixed.stdout, /1 vectors recomputed/);
    assert.match(fixed.stdout, /calm is healthy/);
  });

  test('doctor detects a near-duplicate index out of step with the vectors, and --fix rebuilds it', async () => {
    assert.equal((await runCli(['init'], t.env())).code, 0);
    await seedMemories(t, 20);
    const db = new Database(join(t.calmHome, 'metadata.db'));
    const rid = db.prepare("SELECT rid FROM records WHERE collection = 'memories' AND id = 'm3'").pluck().get() as number;
    // derived data lost behind the store's back: the vector stays, its index entries go
    db.prepare('DELETE FROM vec_memories_1_lsh WHERE rid = ?').run(rid);
    db.close();

    const sick = await runCli(['doctor'], t.env());
    assert.equal(sick.code, 1);
    assert.match(sick.stdout, /\[PROBLEM\] collection memories: duplicate index: 1 entries out of step with the vectors/);
    const fixed = await runCli(['doctor', '--fix'], t.env());
    assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
    assert.match(fixed.stdout, /calm is healthy/);
    const check = new Database(join(t.calmHome, 'metadata.db'));
    assert.ok((check.prepare('SELECT COUNT(*) FROM vec_memories_1_lsh WHERE rid = ?').pluck().get(rid) as number) > 0, 'm3 is filed again');
    check.close();
  });

  test('doctor detects a collection built by another embedder and names calm reembed; reembed fixes it', async () => {
    const folder = join(t.root, 'tiny-model');
    await writeTinyBertModel(folder);
    assert.equal((await runCli(['init'], t.env())).code, 0);
    await seedMemories(t, 150);

    const mismatch = await runCli(['doctor', '--json'], t.env({ CALM_EMBEDDER: folder }));
    assert.equal(mismatch.code, 1);
    const report = json<{ healthy: boolean; checks: { name: string; status: string; detail: string; fix?: string }[] }>(mismatch);
    const check = report.checks.find((c) => c.name === 'collection memories: embedder');
    assert.equal(check?.status, 'problem');
    assert.match(check?.detail ?? '', /built with hash-v1/);
    assert.match(check?.fix ?? '', /calm reembed/);

    const re = await runCli(['reembed', '--json', '--batch-size', '16'], t.env({ CALM_EMBEDDER: folder }));
    assert.equal(re.code, 0, re.stderr);
    const result = json<{ embedder: string; dim: number; results: { collection: string; records: number; status: string }[] }>(re);
    assert.equal(result.dim, 32);
    assert.deepEqual(result.results.map((r) => [r.collection, r.records, r.status]), [['memories', 150, 'reembedded']]);

    const after = await runCli(['doctor', '--json'], t.env({ CALM_EMBEDDER: folder }));
    assert.equal(after.code, 0, after.stdout);
    const status = json<{ collections: { name: string; embedder: string; dim: number; count: number }[] }>(
      await runCli(['status', '--json'], t.env({ CALM_EMBEDDER: folder })),
    );
    assert.deepEqual(status.collections.map((c) => [c.name, c.embedder, c.dim, c.count]), [['memories', `onnx:folder:${folder}`, 32, 150]]);
  });

  test('reembed resumes an interrupted run and records --model in config.yaml', async () => {
    const folder = join(t.root, 'tiny-model');
    await writeTinyBertModel(folder);
    assert.equal((await runCli(['init'], t.env())).code, 0);
    await seedMemories(t, 100);

    // an interrupted run: half of the new vectors written, then the process died
    const app = t.app();
    await app.records.beginReembed('memories', { embedder: `onnx:folder:${folder}`, dim: 32 });
    const half = await app.records.pendingReembed('memories', 50);
    await app.records.writeReembed('memories', half.map((r) => ({ id: r.id, vector: new Float32Array(32).fill(0.5) })));
    await app.close();
    const mid = json<{ collections: { pending?: { done: number } }[] }>(await runCli(['status', '--json'], t.env()));
    assert.equal(mid.collections[0]?.pending?.done, 50);

    const re = await runCli(['reembed', '--model', folder, '--json'], t.env());
    assert.equal(re.code, 0, re.stderr);
    assert.equal(loadConfig(t.env()).embedder, folder);
    const doctor = await runCli(['doctor'], t.env());
    assert.equal(doctor.code, 0, doctor.stdout);
    // the resumed run kept the 50 vectors already written and computed only the rest
    const check = t.app();
    const kept = await check.records.get('memories', [half[0]!.id], { withVectors: true });
    assert.equal(kept[0]?.vector?.[0], 0.5);
    await check.close();
  });
});
