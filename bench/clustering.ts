/**
 * @module Clustering benchmark: `get_clusters` on 1,000 and 5,000 experiences, and the HDBSCAN parameter
 * sweep behind calm's defaults.
 *
 *   node --import tsx bench/clustering.ts            1,000 and 5,000 experiences, then the sweep
 *   node --import tsx bench/clustering.ts --quick    1,000 only, no sweep
 *   node --import tsx bench/clustering.ts --no-sweep 1,000 and 5,000 only
 *
 * Data: realistic resolved GHAP entries (test/fixtures/experiences.ts: six recurring topics written with
 * varied phrasing, plus one-off tasks as noise), rendered with the `full` axis template and embedded
 * with the built-in hash embedder (384-d), stored in a temp calm home as `ghap_full` records.
 *
 * Baseline: the plain distance matrix alone, i.e. every pairwise Euclidean distance between the unit
 * vectors (n(n-1)/2 dot products over 384 floats) in a simple loop. It is the floor for any exact
 * HDBSCAN; the ratios say how much of get_clusters is that O(n²) work and how much is everything else
 * (loading records, core distances, the MST, the condensed tree, centroids).
 */
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../src/config.js';
import { createApp } from '../src/app.js';
import { hashEmbed } from '../src/embedding/hash.js';
import { renderAxisText } from '../src/services/ghap/axes.js';
import { ClusteringService } from '../src/services/learning/clustering-service.js';
import { hdbscan, l2NormalizeRows, MATRIX_MAX_POINTS } from '../src/services/learning/hdbscan.js';
import { CollectionGuard } from '../src/services/collection-guard.js';
import { adjustedRandIndex, dataset, type ExperienceSpec } from '../test/fixtures/experiences.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const quick = process.argv.includes('--quick');
const SIZES = quick ? [1000] : [1000, 5000];
const DEFAULTS = { minClusterSize: 4, minSamples: 4 };

const fullText = (e: ExperienceSpec): string =>
  renderAxisText('full', {
    ...e, iteration_count: 1, outcome_status: e.status, outcome_result: e.result,
    lesson: e.lesson ? { what_worked: e.lesson.what_worked, takeaway: e.lesson.takeaway ?? null } : null,
  });

/** Every pairwise distance, kept, with the same packed float64 kernel (four sums) HDBSCAN uses: the fair floor. */
function plainDistanceMatrix(vectors: readonly Float32Array[]): number {
  const n = vectors.length;
  const dim = vectors[0]!.length;
  const data = new Float64Array(n * dim);
  vectors.forEach((v, i) => data.set(v, i * dim));
  const out = new Float32Array((n * (n - 1)) / 2);
  let k = 0;
  for (let a = 0; a < n; a++) {
    const oa = a * dim;
    for (let b = a + 1; b < n; b++) {
      const ob = b * dim;
      let d0 = 0;
      let d1 = 0;
      let d2 = 0;
      let d3 = 0;
      for (let j = 0; j < dim; j += 4) {
        d0 += data[oa + j]! * data[ob + j]!;
        d1 += data[oa + j + 1]! * data[ob + j + 1]!;
        d2 += data[oa + j + 2]! * data[ob + j + 2]!;
        d3 += data[oa + j + 3]! * data[ob + j + 3]!;
      }
      out[k++] = Math.sqrt(Math.max(0, 2 - 2 * (d0 + d1 + d2 + d3)));
    }
  }
  return out[out.length - 1] ?? 0; // keep the work observable
}

const time = async <T>(fn: () => T | Promise<T>): Promise<{ ms: number; value: T }> => {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
};
const fmt = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

async function timings(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'calm-bench-clustering-'));
  const env = { HOME: join(root, 'home'), CALM_HOME: join(root, 'calm'), CALM_EMBEDDER: 'hash', CALM_MODEL_DOWNLOAD: 'false' };
  try {
    console.log('get_clusters (axis full, defaults 4/4), each run cold (a new service, no cached clustering)');
    console.log('n      get_clusters   of which HDBSCAN   plain distance matrix   get_clusters ÷ matrix   HDBSCAN ÷ matrix   distances');
    for (const n of SIZES) {
      const app = createApp(loadConfig(env));
      try {
        await app.records.dropCollection('ghap_full');
        await app.records.ensureCollection('ghap_full', { embedder: 'hash-v1', dim: 384 });
        const diffuse = Math.round(n * 0.4);
        const { entries } = dataset({ topics: 6, perTopic: Math.round((n - diffuse) / 6), diffuse, seed: 5 });
        const records = entries.slice(0, n).map((e, i) => {
          const text = fullText(e);
          const id = `ghap_20260101_000000_${i.toString(16).padStart(6, '0')}`;
          return { id, text, payload: { ghap_id: id, domain: e.domain, outcome_status: e.status, confidence_tier: 'silver', axis: 'full' }, vector: hashEmbed(text) };
        });
        for (let i = 0; i < records.length; i += 1000) await app.records.upsert('ghap_full', records.slice(i, i + 1000));

        const service = (): ClusteringService =>
          new ClusteringService(app.records, new CollectionGuard(app.records, () => app.embedder()), DEFAULTS);
        await service().getClusters({ axis: 'full' }); // warm-up: JIT, page cache
        const total = await time(() => service().getClusters({ axis: 'full' }));
        const vectors = records.map((r) => r.vector);
        const normalised = l2NormalizeRows(vectors);
        const hd = await time(() => hdbscan(normalised, DEFAULTS));
        const matrix = await time(() => plainDistanceMatrix(vectors));
        const clusters = 'count' in total.value ? `${total.value.count} clusters, ${total.value.noise_count} noise` : total.value.message;
        console.log(
          `${String(n).padEnd(6)} ${fmt(total.ms).padEnd(14)} ${fmt(hd.ms).padEnd(18)} ${fmt(matrix.ms).padEnd(23)} ` +
            `${(total.ms / matrix.ms).toFixed(2).padEnd(23)} ${(hd.ms / matrix.ms).toFixed(2).padEnd(18)} ` +
            `${n <= MATRIX_MAX_POINTS ? 'kept' : 'recomputed'}   (${clusters})`,
        );
      } finally {
        await app.close();
      }
    }
    console.log("CALM's target: 1,000 experiences clustered in < 5 s.");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** How well each (min_cluster_size, min_samples) recovers the topics of realistic journals. */
function sweep(): void {
  const scenarios = [
    { name: '24 entries, 3 topics', topics: 3, perTopic: 8, diffuse: 0 },
    { name: '36: 3 topics + 12 one-offs', topics: 3, perTopic: 8, diffuse: 12 },
    { name: '63: 6 small topics (4-8) + 25 one-offs', topics: 6, perTopic: [8, 7, 6, 5, 4, 8], diffuse: 25 },
    { name: '63: topics of 3,3,4,5,8,10 + 30 one-offs', topics: 6, perTopic: [3, 3, 4, 5, 8, 10], diffuse: 30 },
    { name: '200: 6 topics + 50 one-offs', topics: 6, perTopic: 25, diffuse: 50 },
  ];
  const params = [[2, 2], [3, 2], [3, 3], [3, 4], [4, 3], [4, 4], [5, 3], [5, 5]] as const;
  const seeds = [1, 2, 3, 4, 5];
  console.log('\nParameter sweep (axis full, hash embedder): mean adjusted Rand index over 5 seeds; topics = topics found');
  console.log('(a cluster ≥ 75% one topic holding ≥ half of it) / topics present');
  console.log(`${'min_cluster_size/min_samples'.padEnd(44)}${params.map(([m, k]) => `${m}/${k}`.padEnd(12)).join('')}`);
  const overall = params.map(() => 0);
  for (const sc of scenarios) {
    const cells = params.map(([m, k], p) => {
      let ari = 0;
      let found = 0;
      for (const seed of seeds) {
        const ds = dataset({ ...sc, seed });
        const { labels, nClusters } = hdbscan(l2NormalizeRows(ds.entries.map((e) => hashEmbed(fullText(e)))), { minClusterSize: m, minSamples: k });
        ari += adjustedRandIndex(ds.truth, labels);
        for (let c = 0; c < nClusters; c++) {
          const members = ds.truth.filter((_, i) => labels[i] === c);
          for (let t = 0; t < sc.topics; t++) {
            const hits = members.filter((x) => x === t).length;
            if (hits / members.length >= 0.75 && hits >= ds.truth.filter((x) => x === t).length / 2) found++;
          }
        }
      }
      overall[p]! += ari / seeds.length / scenarios.length;
      return `${(ari / seeds.length).toFixed(2)} ${(found / seeds.length).toFixed(1)}/${sc.topics}`;
    });
    console.log(`${sc.name.padEnd(44)}${cells.map((c) => c.padEnd(12)).join('')}`);
  }
  console.log(`${'mean ARI over the scenarios'.padEnd(44)}${overall.map((a) => a.toFixed(3).padEnd(12)).join('')}`);
}

await timings();
if (!quick && !process.argv.includes('--no-sweep')) sweep();
