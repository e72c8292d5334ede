import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HASH_DIM, HashEmbedder, hashEmbed } from '../../src/embedding/hash.js';

const cosine = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, i) => s + x * b[i]!, 0);
const norm = (a: Float32Array): number => Math.sqrt(cosine(a, a));

describe('hash embedder', () => {
  test('384-d, L2-normalised, deterministic', async () => {
    const e = new HashEmbedder();
    const [a, b] = await e.embed(['Fix the flaky login test', 'Fix the flaky login test']);
    assert.equal(e.dim, HASH_DIM);
    assert.equal(a!.length, 384);
    assert.ok(Math.abs(norm(a!) - 1) < 1e-5);
    assert.deepEqual(a, b);
    assert.deepEqual(a, hashEmbed('Fix the flaky login test'));
  });

  test('the algorithm is pinned: changing it would silently invalidate every stored hash-v1 vector', () => {
    const v = hashEmbed('calm memory');
    const nonZero = [...v].map((x, i) => [i, Math.round(x * 1e4) / 1e4]).filter(([, x]) => x !== 0);
    assert.deepEqual(nonZero, [
      [22, 0.1816], [74, 0.1816], [134, -0.1816], [146, -0.1816], [151, -0.1816], [181, 0.5188], [199, 0.1816],
      [217, 0.1816], [235, -0.1816], [269, -0.3632], [303, -0.5188], [310, -0.1816], [358, 0.1816],
    ]);
  });

  test('texts sharing words are closer than unrelated texts', () => {
    const q = hashEmbed('database migration failed');
    const near = hashEmbed('the database migration failed on startup');
    const far = hashEmbed('prefer tabs over spaces in makefiles');
    assert.ok(cosine(q, near) > 0.5, `near similarity ${cosine(q, near)}`);
    assert.ok(cosine(q, near) > cosine(q, far) + 0.3);
  });

  test('case and punctuation do not matter; character trigrams relate word forms', () => {
    assert.deepEqual(hashEmbed('Hello, World!'), hashEmbed('hello world'));
    const related = cosine(hashEmbed('authentication'), hashEmbed('authenticate'));
    const unrelated = cosine(hashEmbed('authentication'), hashEmbed('spreadsheet'));
    assert.ok(related > unrelated + 0.2, `${related} vs ${unrelated}`);
  });

  test('blank text still gives a unit vector', async () => {
    const [blank, spaces] = await new HashEmbedder().embed(['', '  \n ']);
    assert.ok(Math.abs(norm(blank!) - 1) < 1e-5);
    assert.deepEqual(blank, spaces);
  });

  test('empty input gives empty output', async () => {
    assert.deepEqual(await new HashEmbedder().embed([]), []);
  });
});
