/** HDBSCAN on synthetic data: blobs are recovered, noise is labelled, results are deterministic. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hdbscan, l2NormalizeRows } from '../../src/services/learning/hdbscan.js';
import { adjustedRandIndex } from '../fixtures/experiences.js';
import { prng } from '../helpers/random.js';

/** `blobs` Gaussian blobs of `perBlob` points around random centres, plus uniform noise in [-1, 1]^dim. */
function blobsWithNoise(options: { dim: number; blobs: number; perBlob: number; sigma: number; noise: number; seed: number }) {
  const rand = prng(options.seed);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const points: Float64Array[] = [];
  const truth: number[] = [];
  for (let b = 0; b < options.blobs; b++) {
    const centre = Float64Array.from({ length: options.dim }, () => rand() * 2 - 1);
    for (let i = 0; i < options.perBlob; i++) {
      points.push(centre.map((x) => x + gauss() * options.sigma));
      truth.push(b);
    }
  }
  for (let i = 0; i < options.noise; i++) {
    points.push(Float64Array.from({ length: options.dim }, () => rand() * 2 - 1));
    truth.push(-1);
  }
  return { points, truth };
}

describe('hdbscan', () => {
  const data = blobsWithNoise({ dim: 384, blobs: 3, perBlob: 60, sigma: 0.5, noise: 30, seed: 42 });
  const vectors = l2NormalizeRows(data.points);

  test('three Gaussian blobs in 384-d plus uniform noise: blobs recovered (ARI ≥ 0.9), noise labelled', () => {
    const result = hdbscan(vectors, { minClusterSize: 5, minSamples: 3 });
    assert.equal(result.nClusters, 3);
    const ari = adjustedRandIndex(data.truth, result.labels);
    assert.ok(ari >= 0.9, `ARI ${ari}`);
    const noiseIdx = data.truth.flatMap((t, i) => (t === -1 ? [i] : []));
    const noiseLabelled = noiseIdx.filter((i) => result.labels[i] === -1).length;
    assert.ok(noiseLabelled >= 0.9 * noiseIdx.length, `${noiseLabelled} of ${noiseIdx.length} noise points labelled -1`);
    assert.equal(result.noiseCount, [...result.labels].filter((l) => l === -1).length);
    // every blob maps onto exactly one cluster
    for (let b = 0; b < 3; b++) {
      const labels = new Set(data.truth.flatMap((t, i) => (t === b && result.labels[i]! >= 0 ? [result.labels[i]] : [])));
      assert.equal(labels.size, 1, `blob ${b} split over ${[...labels].join(', ')}`);
    }
  });

  test('the defaults (4/4) recover the blobs too', () => {
    const result = hdbscan(vectors, { minClusterSize: 4, minSamples: 4 });
    assert.ok(adjustedRandIndex(data.truth, result.labels) >= 0.9);
  });

  test('deterministic: the same input gives the same labels; labels follow first appearance', () => {
    const a = hdbscan(vectors, { minClusterSize: 5, minSamples: 3 });
    const b = hdbscan(l2NormalizeRows(data.points), { minClusterSize: 5, minSamples: 3 });
    assert.deepEqual([...a.labels], [...b.labels]);
    const firstSeen = [...new Set([...a.labels].filter((l) => l >= 0))];
    assert.deepEqual(firstSeen, [0, 1, 2]);
  });

  test('the streaming distance path gives the same clustering as the matrix path', () => {
    const small = blobsWithNoise({ dim: 16, blobs: 3, perBlob: 40, sigma: 0.2, noise: 20, seed: 3 });
    const v = l2NormalizeRows(small.points);
    const matrix = hdbscan(v, { minClusterSize: 5, minSamples: 3 });
    const streaming = hdbscan(v, { minClusterSize: 5, minSamples: 3, matrixMaxPoints: 0 });
    assert.deepEqual([...streaming.labels], [...matrix.labels]);
    assert.ok(adjustedRandIndex(small.truth, matrix.labels) >= 0.9);
  });

  test('fewer points than min_cluster_size are all noise; duplicates and tiny inputs do not break it', () => {
    assert.deepEqual([...hdbscan([[1, 0], [0, 1]], { minClusterSize: 3, minSamples: 2 }).labels], [-1, -1]);
    assert.equal(hdbscan([], { minClusterSize: 3, minSamples: 2 }).nClusters, 0);
    const dupes = [...Array(6).fill([1, 0, 0]), ...Array(6).fill([0, 1, 0]), [0, 0, 1]] as number[][];
    const r = hdbscan(dupes, { minClusterSize: 3, minSamples: 2 });
    assert.equal(r.nClusters, 2);
    assert.deepEqual([...r.labels].slice(0, 12), [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
    assert.equal(r.labels[12], -1);
  });

  test('bad parameters and ragged input are refused', () => {
    assert.throws(() => hdbscan([[1]], { minClusterSize: 1, minSamples: 1 }), /minClusterSize/);
    assert.throws(() => hdbscan([[1]], { minClusterSize: 2, minSamples: 0 }), /minSamples/);
    assert.throws(() => hdbscan([[1, 2], [1], [3, 4]], { minClusterSize: 2, minSamples: 1 }), /dimension/);
    assert.throws(() => hdbscan([[1, NaN], [1, 2], [3, 4]], { minClusterSize: 2, minSamples: 1 }), /non-finite/);
  });
});
