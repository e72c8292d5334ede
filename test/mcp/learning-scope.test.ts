/**
 * Project scope of experiences and values through a real MCP client: a GHAP entry carries the project it
 * was started in, search_experiences and list_values put the caller's project (and global records) first
 * and can be limited to it; an entry started with no project (as every entry before projects were
 * recorded) stays global.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { type App, createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { dataset } from '../fixtures/experiences.js';
import { tempHome, type TempHome } from '../helpers/home.js';
import { call, connectInMemory, ok } from '../helpers/mcp.js';

interface Hit { id: string; goal: string; score: number; project?: string }

describe('experiences and values carry their project over MCP', () => {
  let t: TempHome;
  let app: App;
  let client: Client;
  let close: () => Promise<void>;
  let project: string | undefined;
  const ids = { shop: '', blog: '', legacy: '' };

  const resolveOne = async (goal: string): Promise<string> => {
    const { id } = ok<{ id: string }>(await call(client, 'start_ghap', {
      domain: 'testing', strategy: 'root-cause-analysis', goal, hypothesis: 'shared database state between tests',
      action: 'isolate the test database per test', prediction: 'the test passes 50 runs in a row',
    }));
    ok(await call(client, 'resolve_ghap', { status: 'confirmed', result: 'the quokka checkout test passes reliably now' }));
    return id;
  };

  before(async () => {
    t = tempHome();
    app = createApp(loadConfig(t.env()), { currentProject: async () => project });
    ({ client, close } = await connectInMemory(app));
    project = undefined;
    ids.legacy = await resolveOne('Fix the flaky quokka checkout test (before projects were recorded)');
    project = '/work/blog';
    ids.blog = await resolveOne('Fix the flaky quokka checkout test in the blog');
    project = '/work/shop';
    ids.shop = await resolveOne('Fix the flaky quokka checkout test in the shop');
  });
  after(async () => {
    await close();
    await app.close();
    t.cleanup();
  });

  const search = async (args: Record<string, unknown>): Promise<Hit[]> =>
    ok<{ results: Hit[] }>(await call(client, 'search_experiences', { query: 'flaky quokka checkout test', limit: 10, ...args })).results;

  test("search_experiences ranks the caller's project and global experiences first, in every mode", async () => {
    for (const search_mode of ['semantic', 'keyword', 'hybrid']) {
      project = '/work/blog';
      const fromBlog = await search({ search_mode });
      assert.deepEqual(fromBlog.map((h) => h.id).slice(0, 2).sort(), [ids.blog, ids.legacy].sort(), search_mode);
      assert.equal(fromBlog.at(-1)?.id, ids.shop, `${search_mode}: another project's experience still found, last`);
      assert.equal(fromBlog.find((h) => h.id === ids.blog)?.project, '/work/blog');
      assert.equal(fromBlog.find((h) => h.id === ids.legacy)?.project, undefined, 'no project: global');

      project = '/work/shop';
      const fromShop = await search({ search_mode });
      assert.deepEqual(fromShop.map((h) => h.id).slice(0, 2).sort(), [ids.shop, ids.legacy].sort(), search_mode);
    }
  });

  test("scope 'project' keeps only the project's and global experiences", async () => {
    project = '/work/shop';
    assert.deepEqual((await search({ scope: 'project' })).map((h) => h.id).sort(), [ids.shop, ids.legacy].sort());
    assert.equal((await call(client, 'search_experiences', { query: 'x', scope: 'mine' })).isError, true);
  });

  test("list_values: the caller's project's values first (newest first within), or only them", async () => {
    // a cluster to validate values against (clustering needs 20 experiences): about flaky tests, resolved with no project
    project = undefined;
    for (const e of dataset({ topics: 2, perTopic: 10, diffuse: 0, seed: 5 }).entries) {
      ok(await call(client, 'start_ghap', { domain: e.domain, strategy: e.strategy, goal: e.goal, hypothesis: e.hypothesis, action: e.action, prediction: e.prediction }));
      ok(await call(client, 'resolve_ghap', { status: e.status, result: e.result, ...(e.lesson ? { lesson: e.lesson } : {}) }));
    }
    const clusters = ok<{ clusters: { cluster_id: string }[] }>(await call(client, 'get_clusters', { axis: 'full' })).clusters;
    const value = 'Flaky CI tests come from tests that share database state: isolate the test database per test';
    let cluster_id = '';
    for (const c of clusters) {
      if (ok<{ valid: boolean }>(await call(client, 'validate_value', { text: value, cluster_id: c.cluster_id })).valid) cluster_id = c.cluster_id;
    }
    assert.notEqual(cluster_id, '', 'the flaky-tests cluster validates the value');
    const storeFrom = async (p: string): Promise<string> => {
      project = p;
      const stored = ok<{ id: string }>(await call(client, 'store_value', { text: value, cluster_id, axis: 'full' }));
      await new Promise((r) => setTimeout(r, 5)); // distinct created_at
      return stored.id;
    };
    const shopValue = await storeFrom('/work/shop');
    const blogValue = await storeFrom('/work/blog');
    const list = async (args: Record<string, unknown>) =>
      ok<{ results: { id: string; project?: string }[] }>(await call(client, 'list_values', args)).results;

    project = '/work/shop';
    assert.deepEqual((await list({})).map((v) => v.id), [shopValue, blogValue], 'own first although older');
    assert.deepEqual((await list({ scope: 'project' })).map((v) => v.id), [shopValue]);
    assert.equal((await list({}))[0]!.project, '/work/shop');
    project = '/work/blog';
    assert.deepEqual((await list({})).map((v) => v.id), [blogValue, shopValue]);
    project = undefined;
    assert.deepEqual((await list({})).map((v) => v.id), [blogValue, shopValue], 'no project: newest first, as before');
  });
});
