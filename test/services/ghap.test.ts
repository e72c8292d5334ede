/** GhapService on a real database: state in SQLite, iterations, and all-or-nothing resolution. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { App } from '../../src/app.js';
import type { Embedder } from '../../src/embedding/embedder.js';
import { HashEmbedder } from '../../src/embedding/hash.js';
import { CollectionGuard } from '../../src/services/collection-guard.js';
import { GhapService } from '../../src/services/ghap/ghap-service.js';
import { GhapRepository } from '../../src/store/ghap-repository.js';
import { tempHome, type TempHome } from '../helpers/home.js';

const START = {
  domain: 'debugging', strategy: 'read-the-error', goal: 'Fix the login redirect', hypothesis: 'The session cookie expires early',
  action: 'Extend the cookie lifetime', prediction: 'Users stay logged in',
};
const FALSIFIED = {
  status: 'falsified', result: 'Still logged out', surprise: 'The cookie was fine',
  root_cause: { category: 'wrong-assumption', description: 'The proxy strips the header' }, lesson: { what_worked: 'Trace the headers' },
};

describe('GhapService', () => {
  let t: TempHome;
  let app: App;
  beforeEach(() => {
    t = tempHome();
    app = t.app();
  });
  afterEach(async () => {
    await app.close();
    t.cleanup();
  });

  const row = (id: string): Record<string, unknown> => app.db.prepare('SELECT * FROM ghap_entries WHERE id = ?').get(id) as Record<string, unknown>;
  const recordCounts = async (): Promise<number[]> =>
    Promise.all(['ghap_full', 'ghap_strategy', 'ghap_surprise', 'ghap_root_cause'].map(async (c) => ((await app.records.info(c))?.count ?? 0)));
  /** A service over the app's database with another embedder. */
  const serviceWith = (embedder: Embedder): GhapService =>
    new GhapService(new GhapRepository(app.db), app.records, async () => embedder, new CollectionGuard(app.records, async () => embedder));

  test('the active entry, its history and notes live in the database', async () => {
    const { id } = await app.ghap.start(START);
    assert.match(id, /^ghap_\d{8}_\d{6}_[0-9a-f]{6}$/);
    assert.equal(row(id).status, 'active');
    assert.match(String(row(id).session_id), /^session_\d{8}_\d{6}_[0-9a-f]{6}$/);

    assert.equal((await app.ghap.update({ hypothesis: START.hypothesis, note: 'same hypothesis' })).iteration_count, 1);
    assert.equal((await app.ghap.update({ strategy: 'trial-and-error' })).iteration_count, 1, 'a strategy change is not an iteration');
    assert.equal((await app.ghap.update({ prediction: 'No redirect loop', note: 'second try' })).iteration_count, 2);
    assert.equal((await app.ghap.update({ action: '' })).iteration_count, 3, 'an empty string is a change');
    assert.equal((await app.ghap.update({ note: '   ' })).iteration_count, 3);

    const entry = (await app.ghap.activeEntry())!;
    assert.equal(entry.strategy, 'trial-and-error');
    assert.deepEqual(entry.history.map((h) => [h.prediction, h.action]), [['Users stay logged in', 'Extend the cookie lifetime'], ['No redirect loop', 'Extend the cookie lifetime']]);
    assert.deepEqual(entry.notes.map((n) => n.note), ['same hypothesis', 'second try']);
    // another process (a second connection) sees the same state
    const other = t.app();
    try {
      assert.equal((await other.ghap.getActive()).iteration_count, 3);
    } finally {
      await other.close();
    }
  });

  test('at most one active entry, even written behind the service', async () => {
    const { id } = await app.ghap.start(START);
    await assert.rejects(app.ghap.start(START), (e: Error & { type?: string }) => e.type === 'active_ghap_exists' && e.message.includes(id));
    assert.throws(() =>
      app.db.prepare("INSERT INTO ghap_entries (id, domain, strategy, goal, hypothesis, action, prediction, status, created_at) VALUES ('x', 'd', 's', 'g', 'h', 'a', 'p', 'active', 't')").run(),
      /UNIQUE/);
  });

  test('resolving writes the entry and its 4 axis records together, under one id', async () => {
    const { id } = await app.ghap.start(START);
    await app.ghap.resolve(FALSIFIED);
    const r = row(id);
    assert.equal(r.status, 'falsified');
    assert.equal(r.confidence_tier, 'silver');
    assert.equal(r.root_cause_category, 'wrong-assumption');
    assert.equal(r.lesson_what_worked, 'Trace the headers');
    assert.match(String(r.resolved_at), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(await recordCounts(), [1, 1, 1, 1]);
    const [full] = await app.records.get('ghap_full', [id]);
    assert.equal(full!.text.split('\n')[5], 'Surprise: The cookie was fine');
    assert.deepEqual(
      Object.keys(full!.payload).sort(),
      ['action', 'axis', 'captured_at', 'confidence_tier', 'created_at', 'domain', 'ghap_id', 'goal', 'hypothesis', 'iteration_count',
        'lesson', 'outcome_result', 'outcome_status', 'prediction', 'project', 'root_cause', 'session_id', 'strategy', 'surprise'],
    );
    assert.equal(full!.payload.project, row(id).project_path, 'the project the entry was started in (this test process\'s)');
    const [rootCause] = await app.records.get('ghap_root_cause', [id]);
    assert.equal(rootCause!.payload.axis, 'root_cause');
    assert.equal((await app.ghap.get(id)).lesson?.what_worked, 'Trace the headers');

    // confirmed and abandoned entries get two axes; abandoned ones the abandoned tier
    await app.ghap.start(START);
    const { id: abandoned } = await app.ghap.resolve({ status: 'abandoned', result: '' });
    assert.equal(row(abandoned).confidence_tier, 'abandoned');
    assert.deepEqual(await recordCounts(), [2, 2, 1, 1]);
  });

  test('if embedding fails, nothing changes: the entry stays active and no record is written', async () => {
    const { id } = await app.ghap.start(START);
    const broken: Embedder = { id: 'hash-v1', dim: 384, embed: async () => { throw new Error('model crashed'); } };
    await assert.rejects(serviceWith(broken).resolve(FALSIFIED), /model crashed/);
    assert.equal(row(id).status, 'active');
    assert.deepEqual(await recordCounts(), [0, 0, 0, 0]);
    assert.equal((await app.ghap.resolve(FALSIFIED)).id, id, 'a later resolve succeeds');
  });

  test('if a record write fails inside the transaction, the entry update is rolled back too', async () => {
    const { id } = await app.ghap.start(START);
    for (const c of ['ghap_full', 'ghap_strategy']) await app.records.ensureCollection(c, { embedder: 'hash-v1', dim: 384 });
    // sabotage the second collection's vector table: the failure happens after the entry row was updated
    const vecTable = (app.db.prepare("SELECT vec_table FROM record_collections WHERE name = 'ghap_strategy'").pluck().get()) as string;
    app.db.exec(`DROP TABLE "${vecTable}"`);
    await assert.rejects(app.ghap.resolve({ status: 'confirmed', result: 'ok' }));
    assert.equal(row(id).status, 'active');
    assert.equal(row(id).resolved_at, null);
    assert.equal((await app.records.info('ghap_full'))!.count, 0);
  });

  test('an entry revised while it is being resolved is resolved as revised', async () => {
    await app.ghap.start(START);
    const other = t.app();
    let revised = false;
    const racing: Embedder = {
      id: 'hash-v1',
      dim: 384,
      async embed(texts) {
        if (!revised) {
          revised = true;
          await other.ghap.update({ hypothesis: 'A proxy strips the cookie' }); // another process, mid-resolve
        }
        return new HashEmbedder().embed(texts);
      },
    };
    try {
      const { id } = await serviceWith(racing).resolve({ status: 'confirmed', result: 'ok' });
      const [full] = await app.records.get('ghap_full', [id]);
      assert.match(full!.text, /^Hypothesis: A proxy strips the cookie$/m);
      assert.equal(full!.payload.iteration_count, 2);
    } finally {
      await other.close();
    }
  });

  test('list: resolved entries only, most recently resolved first, with filters', async () => {
    const ids: string[] = [];
    for (const [domain, status] of [['debugging', 'confirmed'], ['testing', 'abandoned'], ['debugging', 'confirmed']] as const) {
      await app.ghap.start({ ...START, domain });
      ids.push((await app.ghap.resolve({ status, result: 'r' })).id);
      await new Promise((r) => setTimeout(r, 5));
    }
    await app.ghap.start(START); // active: not listed
    const all = await app.ghap.list();
    assert.deepEqual(all.results.map((r) => r.id), [...ids].reverse());
    assert.deepEqual(Object.keys(all.results[0]!), ['id', 'domain', 'strategy', 'outcome_status', 'confidence_tier', 'iteration_count', 'created_at', 'captured_at']);
    assert.deepEqual((await app.ghap.list({ domain: 'debugging', limit: 1 })).results.map((r) => r.id), [ids[2]]);
    assert.deepEqual((await app.ghap.list({ outcome: 'abandoned' })).results.map((r) => r.id), [ids[1]]);
    const since = all.results[1]!.captured_at!;
    assert.deepEqual((await app.ghap.list({ since })).results.map((r) => r.id), [ids[2], ids[1]]);
    assert.equal((await app.ghap.list({ since: '2999-01-01' })).count, 0);
    assert.equal((await app.ghap.list({ since: since.replace('Z', '+00:00') })).count, 2);
  });
});
