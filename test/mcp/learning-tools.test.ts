/**
 * The learning tools through a real MCP client, on 27 resolved entries about three distinct topics plus
 * six one-off tasks: clusters find the topics, members are the real experiences, values validate only
 * when they are about their cluster, and store_value refuses what does not validate.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { App } from '../../src/app.js';
import { dataset } from '../fixtures/experiences.js';
import { tempHome, type TempHome } from '../helpers/home.js';
import { call, connectInMemory, errorOf, ok, textOf } from '../helpers/mcp.js';

interface Clusters {
  clusters: { cluster_id: string; axis: string; label: number; size: number; avg_weight: number; member_count: number }[];
  count: number;
  noise_count: number;
  axis: string;
}
interface Members { cluster_id: string; axis: string; members: { id: string; text: string; cluster_label: number }[]; count: number }

const VALUES = {
  'flaky-tests': 'Flaky CI tests come from tests that share database state: isolate the test database per test',
  'ci-config': 'When CI fails but local works, look for a missing environment variable in the CI job',
} as const;
const UNRELATED = 'The weather in Lisbon is lovely in spring';

describe('learning tools over MCP', () => {
  let t: TempHome;
  let app: App;
  let client: Client;
  let close: () => Promise<void>;
  const topicOf = new Map<string, string | null>();
  /** cluster id per topic, from the members each cluster has */
  const clusterOf = new Map<string, string>();
  const data = dataset({ topics: 3, perTopic: 9, diffuse: 6, seed: 11 });

  before(async () => {
    t = tempHome();
    app = t.app();
    ({ client, close } = await connectInMemory(app));
    for (const e of data.entries) {
      const { id } = ok<{ id: string }>(await call(client, 'start_ghap', {
        domain: e.domain, strategy: e.strategy, goal: e.goal, hypothesis: e.hypothesis, action: e.action, prediction: e.prediction,
      }));
      ok(await call(client, 'resolve_ghap', { status: e.status, result: e.result, ...(e.lesson ? { lesson: e.lesson } : {}) }));
      topicOf.set(id, e.topic);
    }
  });
  after(async () => {
    await close();
    await app.close();
    t.cleanup();
  });

  test('get_clusters finds the three topics; noise_count counts the experiences left out', async () => {
    const result = ok<Clusters>(await call(client, 'get_clusters', { axis: 'full' }));
    assert.equal(result.axis, 'full');
    assert.equal(result.count, 3);
    assert.deepEqual(Object.keys(result.clusters[0]!), ['cluster_id', 'axis', 'label', 'size', 'avg_weight', 'member_count']);
    const sizes = result.clusters.map((c) => c.size);
    assert.deepEqual(sizes, [...sizes].sort((a, b) => b - a), 'largest first');
    assert.equal(sizes.reduce((s, n) => s + n, 0) + result.noise_count, data.entries.length);
    for (const c of result.clusters) {
      assert.match(c.cluster_id, /^full_\d+$/);
      assert.ok(Math.abs(c.avg_weight - 0.8) < 1e-9, 'every entry was resolved by hand: silver');
      const members = ok<Members>(await call(client, 'get_cluster_members', { cluster_id: c.cluster_id, limit: 100 }));
      assert.equal(members.count, c.size, 'get_cluster_members returns the real members');
      const topics = new Set(members.members.map((m) => topicOf.get(m.id)));
      assert.equal(topics.size, 1, `${c.cluster_id} mixes ${[...topics].join(', ')}`);
      const topic = [...topics][0]!;
      assert.ok(topic !== null, 'a cluster of one-off tasks');
      assert.ok(c.size >= 7, `${topic}: ${c.size} of 9 entries clustered`);
      clusterOf.set(topic, c.cluster_id);
    }
    assert.equal(clusterOf.size, 3);
  });

  test('get_cluster_members: closest first, limit, the clustered text; unknown clusters are not found', async () => {
    const id = clusterOf.get('flaky-tests')!;
    const page = ok<Members>(await call(client, 'get_cluster_members', { cluster_id: id, limit: 2 }));
    assert.equal(page.count, 2);
    assert.equal(page.axis, 'full');
    assert.deepEqual(Object.keys(page.members[0]!), ['id', 'domain', 'strategy', 'outcome_status', 'confidence_tier', 'cluster_label', 'text']);
    assert.match(page.members[0]!.text, /^Goal: .*\nHypothesis: /);
    assert.deepEqual(errorOf(await call(client, 'get_cluster_members', { cluster_id: 'full_99' })), { type: 'not_found', message: 'Cluster not found: full_99' });
  });

  test('an axis with too few experiences says so (a status, not an error), as CALM did', async () => {
    const result = await call(client, 'get_clusters', { axis: 'surprise' });
    assert.equal(result.isError, undefined);
    assert.deepEqual(ok(result), { status: 'error', message: 'Not enough experiences for clustering. Found 0, need at least 20.', axis: 'surprise' });
    const v = ok(await call(client, 'validate_value', { text: 'x', cluster_id: 'surprise_0' }));
    assert.deepEqual(v, { valid: false, cluster_id: 'surprise_0', reason: 'Not enough experiences for clustering. Found 0, need at least 20.' });
  });

  test('validate_value: a value phrased from a topic validates against its own cluster only; an unrelated sentence does not', async () => {
    for (const [topic, text] of Object.entries(VALUES)) {
      const own = ok<Record<string, unknown>>(await call(client, 'validate_value', { text, cluster_id: clusterOf.get(topic) }));
      assert.equal(own.valid, true, `${topic}: ${JSON.stringify(own)}`);
      assert.deepEqual(Object.keys(own), ['valid', 'cluster_id', 'similarity', 'metrics']);
      const m = own.metrics as Record<string, number>;
      assert.ok(m.candidate_distance! <= m.threshold!);
      assert.ok(Math.abs(m.threshold! - (m.mean_distance! + 0.5 * m.std_distance!)) < 1e-12);
      assert.ok(Math.abs((own.similarity as number) - (1 - m.candidate_distance!)) < 1e-12);
      for (const [other, otherCluster] of clusterOf) {
        if (other === topic) continue;
        const cross = ok<{ valid: boolean }>(await call(client, 'validate_value', { text, cluster_id: otherCluster }));
        assert.equal(cross.valid, false, `${topic} value against ${other}`);
      }
    }
    for (const clusterId of clusterOf.values()) {
      const unrelated = ok<Record<string, unknown>>(await call(client, 'validate_value', { text: UNRELATED, cluster_id: clusterId }));
      assert.equal(unrelated.valid, false);
      assert.equal('similarity' in unrelated, false, 'similarity is left out when the value is not valid');
      assert.match(String(unrelated.reason), /^Value too far from centroid \(distance=\d\.\d{3}, threshold=\d\.\d{3} \[mean=\d\.\d{3} \+ 0\.5\*std=\d\.\d{3}\]\)$/);
    }
  });

  test('store_value validates first: a valid value is stored with its evidence, an unrelated one is refused', async () => {
    const clusterId = clusterOf.get('flaky-tests')!;
    const refused = errorOf(await call(client, 'store_value', { text: UNRELATED, cluster_id: clusterId, axis: 'full' }));
    assert.equal(refused.type, 'validation_error');
    assert.match(refused.message, /^Value not stored: Value too far from centroid/);
    assert.deepEqual(ok(await call(client, 'list_values', {})), { results: [], count: 0 });
    assert.deepEqual(errorOf(await call(client, 'store_value', { text: VALUES['flaky-tests'], cluster_id: clusterId, axis: 'strategy' })),
      { type: 'validation_error', message: `Cluster '${clusterId}' is on axis 'full', not 'strategy'` });

    const stored = ok<{ id: string; text: string; cluster_id: string; axis: string; created_at: string }>(
      await call(client, 'store_value', { text: VALUES['flaky-tests'], cluster_id: clusterId, axis: 'full' }),
    );
    assert.deepEqual(Object.keys(stored), ['id', 'text', 'cluster_id', 'axis', 'created_at']);
    assert.equal(stored.cluster_id, clusterId);
    const members = ok<Members>(await call(client, 'get_cluster_members', { cluster_id: clusterId, limit: 100 }));
    const [record] = await app.records.get('values', [stored.id]);
    assert.deepEqual([...(record!.payload.member_ids as string[])].sort(), members.members.map((m) => m.id).sort(), 'the evidence is the cluster');
    assert.equal(record!.payload.cluster_size, members.count);

    await new Promise((r) => setTimeout(r, 5));
    const second = ok<{ id: string }>(await call(client, 'store_value', { text: VALUES['ci-config'], cluster_id: clusterOf.get('ci-config'), axis: 'full' }));
    const listed = ok<{ results: Record<string, unknown>[]; count: number }>(await call(client, 'list_values', {}));
    assert.deepEqual(listed.results.map((r) => r.id), [second.id, stored.id], 'newest first');
    // CALM's keys, then the project it was stored from (this test process's)
    assert.deepEqual(Object.keys(listed.results[0]!), ['id', 'text', 'cluster_id', 'axis', 'validated_at', 'distance_to_centroid', 'member_count', 'project']);
    assert.equal(typeof listed.results[0]!.distance_to_centroid, 'number');
    assert.match(String(listed.results[0]!.validated_at), /Z$/);
    assert.equal(ok<{ count: number }>(await call(client, 'list_values', { axis: 'strategy' })).count, 0);
    assert.equal(ok<{ count: number }>(await call(client, 'list_values', { axis: 'full', limit: 1 })).count, 1);
  });

  test('search_experiences: the shared search engine, every mode, filters, CALM keys', async () => {
    for (const search_mode of ['semantic', 'keyword', 'hybrid']) {
      const found = ok<{ results: Record<string, unknown>[]; count: number }>(
        await call(client, 'search_experiences', { query: 'flaky test shared database state', search_mode, limit: 3 }),
      );
      assert.equal(found.count, 3, search_mode);
      assert.equal(topicOf.get(found.results[0]!.id as string), 'flaky-tests', search_mode);
      assert.equal(Object.keys(found.results[0]!).length, 19, "CALM's 18 keys and the project the entry was started in");
      assert.equal(typeof found.results[0]!.project, 'string');
    }
    const filtered = ok<{ results: { domain: string }[] }>(await call(client, 'search_experiences', { query: 'index query plan', domain: 'performance', limit: 50 }));
    assert.ok(filtered.results.length > 0 && filtered.results.every((r) => r.domain === 'performance'));
    const strategy = ok<{ results: { axis: string; id: string }[] }>(await call(client, 'search_experiences', { query: 'environment variable', axis: 'strategy', outcome: 'confirmed' }));
    assert.ok(strategy.results.every((r) => r.axis === 'strategy'));
    assert.deepEqual(ok(await call(client, 'search_experiences', { query: '  ' })), { results: [], count: 0 });
  });

  const invalidCalls: [string, Record<string, unknown>, string | 'schema'][] = [
    ['search_experiences', { query: 'q'.repeat(10_001) }, 'Query too long (10001 chars). Maximum allowed is 10000 characters.'],
    ['search_experiences', { query: 'x', limit: 0 }, 'Limit must be between 1 and 50 (got 0)'],
    ['search_experiences', { query: 'x', limit: 51 }, 'Limit must be between 1 and 50 (got 51)'],
    ['search_experiences', { query: 'x', axis: 'everything' }, 'schema'],
    ['search_experiences', { query: 'x', search_mode: 'fuzzy' }, 'schema'],
    ['search_experiences', { query: 'x', outcome: 'won' }, 'schema'],
    ['get_clusters', { axis: 'everything' }, 'schema'],
    ['get_clusters', {}, 'schema'],
    ['get_cluster_members', { cluster_id: 'full0' }, "Invalid cluster_id format: full0. Expected format: 'axis_label' (e.g., 'full_0', 'strategy_2')"],
    ['get_cluster_members', { cluster_id: 'full_x' }, 'Invalid cluster label in cluster_id: full_x. Label must be an integer'],
    ['get_cluster_members', { cluster_id: 'mood_1' }, "Invalid axis 'mood'. Valid options: full, strategy, surprise, root_cause"],
    ['get_cluster_members', { cluster_id: 'full_0', limit: 101 }, 'Limit must be between 1 and 100 (got 101)'],
    ['validate_value', { text: ' ', cluster_id: 'full_0' }, "Field 'text' cannot be empty"],
    ['validate_value', { text: 'v'.repeat(501), cluster_id: 'full_0' }, "Field 'text' exceeds 500 character limit (501 chars)"],
    ['validate_value', { text: 'v', cluster_id: 'nounderscore' }, "Invalid cluster_id format: nounderscore. Expected format: 'axis_label' (e.g., 'full_0', 'strategy_2')"],
    ['validate_value', { text: 'v' }, 'schema'],
    ['store_value', { text: '', cluster_id: 'full_0', axis: 'full' }, "Field 'text' cannot be empty"],
    ['store_value', { text: 'v', cluster_id: 'root_cause_x', axis: 'root_cause' }, 'Invalid cluster label in cluster_id: root_cause_x. Label must be an integer'],
    ['store_value', { text: 'v', cluster_id: 'full_0', axis: 'mood' }, 'schema'],
    ['list_values', { limit: 0 }, 'Limit must be between 1 and 100 (got 0)'],
    ['list_values', { axis: 'mood' }, 'schema'],
  ];

  test('every invalid parameter is refused with CALM message', async () => {
    const before = ok<{ count: number }>(await call(client, 'list_values', {})).count;
    for (const [tool, args, expected] of invalidCalls) {
      const result = await call(client, tool, args);
      const label = `${tool} ${JSON.stringify(args).slice(0, 80)}`;
      assert.equal(result.isError, true, label);
      if (expected === 'schema') assert.match(textOf(result), /Input validation error/, label);
      else assert.deepEqual(errorOf(result), { type: 'validation_error', message: expected }, label);
    }
    assert.equal(ok<{ count: number }>(await call(client, 'list_values', {})).count, before);
  });
});
