/** upsertWith: records in several collections and a relational write, all or nothing (embedded backend). */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { App } from '../../../src/app.js';
import { hashEmbed } from '../../../src/embedding/hash.js';
import { tempHome, type TempHome } from '../../helpers/home.js';

describe('RecordStore.upsertWith (sqlite-vec)', () => {
  let t: TempHome;
  let app: App;
  const rec = (id: string, text = `text ${id}`) => ({ id, text, payload: { id }, vector: hashEmbed(text) });
  const counters = (): number => (app.db.prepare("SELECT value FROM counters WHERE name = 'merge_lock'").pluck().get() as number);
  const bump = (): void => void app.db.prepare("UPDATE counters SET value = value + 1 WHERE name = 'merge_lock'").run();

  beforeEach(async () => {
    t = tempHome();
    app = t.app();
    for (const c of ['ghap_full', 'ghap_strategy']) await app.records.ensureCollection(c, { embedder: 'hash-v1', dim: 384 });
  });
  afterEach(async () => {
    await app.close();
    t.cleanup();
  });

  test('writes every collection and the relational change, and returns what alongside returned', async () => {
    const out = await app.records.upsertWith(
      [{ collection: 'ghap_full', records: [rec('a')] }, { collection: 'ghap_strategy', records: [rec('a'), rec('b')] }],
      () => (bump(), 'done'),
    );
    assert.equal(out, 'done');
    assert.equal(counters(), 1);
    assert.equal((await app.records.info('ghap_full'))!.count, 1);
    assert.equal((await app.records.info('ghap_strategy'))!.count, 2);
  });

  test('alongside throwing leaves every collection untouched', async () => {
    await assert.rejects(
      app.records.upsertWith([{ collection: 'ghap_full', records: [rec('a')] }], () => {
        bump();
        throw new Error('conflict');
      }),
      /conflict/,
    );
    assert.equal(counters(), 0);
    assert.equal((await app.records.info('ghap_full'))!.count, 0);
  });

  test('a refused record (wrong dimension, missing collection) runs nothing at all', async () => {
    const bad = { ...rec('b'), vector: new Float32Array(3) };
    await assert.rejects(app.records.upsertWith([{ collection: 'ghap_full', records: [rec('a')] }, { collection: 'ghap_strategy', records: [bad] }], bump), /dimension/);
    await assert.rejects(app.records.upsertWith([{ collection: 'ghap_surprise', records: [rec('a')] }], bump), /Collection not found/);
    assert.equal(counters(), 0);
    assert.equal((await app.records.info('ghap_full'))!.count, 0);
  });

  test('an asynchronous alongside is refused instead of escaping the transaction', async () => {
    await assert.rejects(app.records.upsertWith([{ collection: 'ghap_full', records: [rec('a')] }], async () => bump()), /promise/);
    assert.equal((await app.records.info('ghap_full'))!.count, 0);
  });
});
