/** Portable JSONL: export → import keeps everything bit-exact; another embedder's vectors are re-embedded. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { hashEmbed } from '../../src/embedding/hash.js';
import { decodeVector, encodeVector, exportRecords, importRecords } from '../../src/services/backup/export-import.js';
import { fingerprint, seedEverything } from '../helpers/backup-seed.js';
import { tempHome, type TempHome } from '../helpers/home.js';

async function exportAll(t: TempHome, file: string, collections?: string[]): Promise<{ collection: string; count: number }[]> {
  const app = t.app();
  try {
    let text = '';
    const counts = await exportRecords(app.records, (line) => void (text += line), { collections });
    writeFileSync(file, text);
    return counts;
  } finally {
    await app.close();
  }
}

describe('export and import (JSONL)', () => {
  let a: TempHome;
  let b: TempHome;
  beforeEach(() => {
    a = tempHome();
    b = tempHome();
  });
  afterEach(() => {
    a.cleanup();
    b.cleanup();
  });

  test('vectors encode to the bit, -0 and all', () => {
    const v = Float32Array.from([0, -0, 1.5, -3.4028234663852886e38, 1e-45, Math.PI]);
    const back = decodeVector(encodeVector(v))!;
    assert.equal(Buffer.compare(Buffer.from(back.buffer, back.byteOffset, back.byteLength), Buffer.from(v.buffer)), 0);
    assert.deepEqual(decodeVector([1, 2]), Float32Array.from([1, 2]));
    assert.equal(decodeVector('abc'), undefined);
  });

  test('round trip into an empty home: records, payloads and vectors identical in all collections', async () => {
    const app = a.app();
    await seedEverything(app, 4);
    const before = await fingerprint(app);
    await app.close();
    const file = join(a.root, 'all.jsonl');
    const counts = await exportAll(a, file);
    assert.equal(counts.length, 8);
    assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, counts.reduce((s, c) => s + c.count, 0));

    const target = b.app();
    try {
      const result = await importRecords(target, file);
      assert.equal(result.total, 8 * 4 + 4);
      assert.ok(result.collections.every((c) => c.reembedded === 0), 'same embedder: vectors kept');
      const after = await fingerprint(target);
      for (const [name, records] of Object.entries(before.records)) {
        assert.deepEqual(
          after.records[name]!.map(({ id, text, payload, vector }) => ({ id, text, payload, vector })),
          records.map(({ id, text, payload, vector }) => ({ id, text, payload, vector })),
          name,
        );
      }
      assert.deepEqual(after.probes, before.probes);
    } finally {
      await target.close();
    }
  });

  test('records from another embedder are re-embedded with the configured one; --collections limits the export', async () => {
    const app = a.app();
    await seedEverything(app, 3);
    await app.close();
    const file = join(a.root, 'values.jsonl');
    const counts = await exportAll(a, file, ['values']);
    assert.deepEqual(counts, [{ collection: 'values', count: 3 }]);
    // as if exported from a home using a 768-d model
    const foreign = readFileSync(file, 'utf8').trim().split('\n').map((l) => {
      const line = JSON.parse(l) as Record<string, unknown>;
      return JSON.stringify({ ...line, embedder: 'onnx:nomic-ai/nomic-embed-text-v1.5', dim: 768, vector: encodeVector(new Float32Array(768).fill(0.036)) });
    });
    writeFileSync(file, `${foreign.join('\n')}\n`);
    const target = b.app();
    try {
      const result = await importRecords(target, file);
      assert.deepEqual(result.collections, [{ collection: 'values', imported: 3, reembedded: 3 }]);
      const info = await target.records.info('values');
      assert.deepEqual([info?.embedder, info?.dim], ['hash-v1', 384]);
      for (const r of await target.records.scroll('values', { limit: 10, withVectors: true })) assert.deepEqual(r.vector, hashEmbed(r.text));
    } finally {
      await target.close();
    }
  });

  test('a bad line fails the import naming its line, before anything is written', async () => {
    const file = join(b.root, 'bad.jsonl');
    const good = JSON.stringify({ collection: 'memories', id: 'x', text: 'x', payload: {} });
    for (const [bad, message] of [
      ['{not json', /line 3: not valid JSON/],
      [JSON.stringify({ collection: 'nope', id: 'x', text: 'x', payload: {} }), /line 3: collection must be one of memories/],
      [JSON.stringify({ collection: 'memories', id: '', text: 'x', payload: {} }), /line 3: id must be/],
      [JSON.stringify({ collection: 'memories', id: 'y', text: 'x', payload: [] }), /line 3: payload must be an object/],
      [JSON.stringify({ collection: 'memories', id: 'y', text: 'x', payload: {}, dim: 4, vector: encodeVector(new Float32Array(3)) }), /line 3: vector is malformed/],
    ] as const) {
      writeFileSync(file, `${good}\n\n${bad}\n`);
      const app = b.app();
      try {
        await assert.rejects(importRecords(app, file), message);
        assert.equal(await app.records.info('memories'), null, 'nothing written');
      } finally {
        await app.close();
      }
    }
    const app = b.app();
    await assert.rejects(importRecords(app, join(b.root, 'missing.jsonl')), /Cannot read/);
    await app.close();
  });
});
