/**
 * The dashboard's 2-D picture of an axis (services/learning/projection.ts), on a real App: PCA keeps
 * separated groups apart, is deterministic, and every point names its cluster (noise: -1, flagged).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { App } from '../../src/app.js';
import { PROJECTION_MAX_POINTS, type ProjectedPoint, projectAxis, projectRows } from '../../src/services/learning/projection.js';
import { dataset } from '../fixtures/experiences.js';
import { tempHome, type TempHome } from '../helpers/home.js';

describe('projectRows', () => {
  test('two far-apart groups stay apart on the first component; fewer than 3 rows lie on the origin', () => {
    const a = [[1, 0, 0, 0.01], [0.99, 0.02, 0, 0], [1, 0.01, 0.01, 0]];
    const b = [[0, 0, 1, 0], [0.01, 0, 0.98, 0.02], [0, 0.02, 1, 0.01]];
    const coords = projectRows([...a, ...b]);
    assert.equal(coords.length, 6);
    const xa = coords.slice(0, 3).map((c) => c[0]);
    const xb = coords.slice(3).map((c) => c[0]);
    const gap = Math.min(Math.abs(Math.min(...xa) - Math.max(...xb)), Math.abs(Math.min(...xb) - Math.max(...xa)));
    const spreadA = Math.max(...xa) - Math.min(...xa);
    assert.ok(Math.sign(xa[0]!) !== Math.sign(xb[0]!), 'the groups fall on opposite sides of the centre');
    assert.ok(gap > 10 * spreadA, `gap ${gap} vs spread ${spreadA}`);
    assert.deepEqual(projectRows([...a, ...b]), coords, 'deterministic');
    assert.deepEqual(projectRows([[1, 2], [3, 4]]), [[0, 0], [0, 0]]);
    assert.deepEqual(projectRows([]), []);
  });
});

describe('projectAxis', () => {
  let t: TempHome;
  let app: App;
  const data = dataset({ topics: 3, perTopic: 9, diffuse: 6, seed: 11 });
  const topicOf = new Map<string, string | null>();

  before(async () => {
    t = tempHome();
    app = t.app();
    for (const e of data.entries) {
      const { id } = await app.ghap.start({ domain: e.domain, strategy: e.strategy, goal: e.goal, hypothesis: e.hypothesis, action: e.action, prediction: e.prediction });
      await app.ghap.resolve({ status: e.status, result: e.result, ...(e.lesson ? { lesson: e.lesson } : {}) });
      topicOf.set(id, e.topic);
    }
  });
  after(async () => {
    await app.close();
    t.cleanup();
  });

  test('every experience is a point with its cluster id, or -1 and noise: true; a cluster is one topic', async () => {
    const p = await projectAxis(app.clusters, 'full');
    if (!p.enough) throw new Error(p.message);
    assert.equal(p.points.length, data.entries.length);
    assert.ok(PROJECTION_MAX_POINTS >= data.entries.length && !p.sampled);
    const clusters = await app.clusters.getClusters({ axis: 'full' });
    assert.ok('clusters' in clusters);
    assert.deepEqual(p.clusters.map((c) => c.cluster_id), clusters.clusters.map((c) => c.cluster_id), 'the same clusters get_clusters reports');
    for (const c of p.clusters) {
      const members: ProjectedPoint[] = p.points.filter((pt: ProjectedPoint) => pt.cluster_id === c.cluster_id);
      assert.equal(members.length, c.size);
      assert.ok(members.every((pt) => pt.label === c.label && !pt.noise));
      assert.equal(new Set(members.map((pt) => topicOf.get(pt.id))).size, 1, `${c.cluster_id} is one topic`);
    }
    const noise = p.points.filter((pt) => pt.label === -1);
    assert.equal(noise.length, p.noise_count);
    assert.ok(noise.every((pt) => pt.noise && pt.cluster_id === null));
    assert.ok(noise.length > 0);
    assert.ok(p.points.every((pt) => pt.text.length > 0 && pt.text.length <= 140));
    assert.deepEqual(await projectAxis(app.clusters, 'full'), p, 'the same picture on every reload');
  });

  test('an axis with too few experiences says so; an unknown axis is a validation error', async () => {
    const p = await projectAxis(app.clusters, 'surprise');
    assert.deepEqual(p, { axis: 'surprise', enough: false, message: 'Not enough experiences for clustering. Found 0, need at least 20.', experiences: 0 });
    await assert.rejects(projectAxis(app.clusters, 'sideways'), (e: Error & { type?: string }) => e.type === 'validation_error');
  });
});
