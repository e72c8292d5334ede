/** `calm ghap` and `calm learn` through the real binary as a child process. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { dataset } from '../fixtures/experiences.js';
import { json, runCli, tempHome, type TempHome } from '../helpers/home.js';

describe('calm ghap / calm learn', () => {
  let t: TempHome;
  const cli = (...args: string[]) => runCli(args, t.env({ CALM_EMBEDDER: 'hash' }));
  before(async () => {
    t = tempHome();
    assert.equal((await cli('init')).code, 0);
  });
  after(() => t.cleanup());

  test('--help on both groups and their commands', async () => {
    const ghap = await cli('ghap', '--help');
    assert.equal(ghap.code, 0);
    for (const cmd of ['start', 'update', 'resolve', 'status', 'list']) assert.match(ghap.stdout, new RegExp(`\\b${cmd}\\b`));
    const learn = await cli('learn', '--help');
    for (const cmd of ['clusters', 'members', 'validate', 'values']) assert.match(learn.stdout, new RegExp(`\\b${cmd}\\b`));
    assert.match((await cli('ghap', 'resolve', '--help')).stdout, /--root-cause-description/);
  });

  test('start → update → status → resolve → list, with --json and exit codes', async () => {
    const empty = await cli('ghap', 'status');
    assert.equal(empty.code, 0);
    assert.match(empty.stdout, /No active GHAP entry/);

    const start = await cli('ghap', 'start', '--domain', 'testing', '--strategy', 'check-assumptions', '--goal', 'Fix the flaky login test',
      '--hypothesis', 'Tests share one user', '--action', 'One user per test', '--prediction', 'Passes 20 runs', '--json');
    assert.equal(start.code, 0, start.stderr);
    const { id } = json<{ ok: boolean; id: string }>(start);

    const again = await cli('ghap', 'start', '-d', 'testing', '-s', 'ask-user', '-g', 'g', '--hypothesis', 'h', '-a', 'a', '-p', 'p');
    assert.equal(again.code, 1);
    assert.equal(again.stderr.trim(), `Error: Active GHAP exists (id: ${id}). Resolve it first with resolve_ghap or abandon it.`);

    assert.deepEqual(json(await cli('ghap', 'update', '--hypothesis', 'Tests share one user and its cookie', '--note', 'cookie jar is global', '--json')),
      { success: true, iteration_count: 2 });
    const status = await cli('ghap', 'status');
    assert.match(status.stdout, new RegExp(`${id} \\(active, iteration 2\\)`));
    assert.match(status.stdout, /Earlier iterations:\n  1\. .*H: Tests share one user \|/);
    assert.match(status.stdout, /cookie jar is global/);
    assert.equal(json<{ entry: { history: unknown[] } }>(await cli('ghap', 'status', '--json')).entry.history.length, 1);

    const refused = await cli('ghap', 'resolve', '--status', 'falsified', '--result', 'still flaky', '--json');
    assert.equal(refused.code, 2);
    assert.deepEqual(JSON.parse(refused.stderr), { error: { type: 'validation_error', message: "Field 'surprise' is required when status is 'falsified'" } });
    const badCategory = await cli('ghap', 'resolve', '--status', 'falsified', '--result', 'r', '--surprise', 's', '--root-cause', 'bad-luck', '--root-cause-description', 'd');
    assert.equal(badCategory.code, 2);
    assert.match(badCategory.stderr, /Invalid root cause category 'bad-luck'\. Must be one of: environment-issue, incomplete-fix,/);

    const resolved = await cli('ghap', 'resolve', '--status', 'falsified', '--result', 'still flaky', '--surprise', 'users were separate',
      '--root-cause', 'test-isolation', '--root-cause-description', 'a shared cache', '--what-worked', 'clear the cache per test');
    assert.equal(resolved.code, 0, resolved.stderr);
    assert.equal(resolved.stdout.trim(), `Resolved GHAP entry ${id} as falsified`);

    const list = json<{ results: { id: string; outcome_status: string }[] }>(await cli('ghap', 'list', '--json'));
    assert.deepEqual(list.results.map((r) => [r.id, r.outcome_status]), [[id, 'falsified']]);
    const table = await cli('ghap', 'list', '--outcome', 'falsified');
    assert.match(table.stdout, /^ID\s+Domain\s+Strategy\s+Outcome/);
    assert.equal((await cli('ghap', 'list', '--limit', '0')).code, 2);
    assert.match((await cli('ghap', 'list', '--limit', '0')).stderr, /Limit must be between 1 and 100 \(got 0\)/);
    assert.equal((await cli('ghap', 'update', '--note', 'late')).code, 1);
  });

  test('learn: clusters, members, validate (and --store), values', async () => {
    const tooFew = await cli('learn', 'clusters', '--json');
    assert.equal(tooFew.code, 0);
    assert.match(json<{ message: string }>(tooFew).message, /^Not enough experiences for clustering\. Found 1, need at least 20\.$/);

    for (const e of dataset({ topics: 3, perTopic: 8, diffuse: 0, seed: 11 }).entries) {
      const s = await cli('ghap', 'start', '-d', e.domain, '-s', e.strategy, '-g', e.goal, '--hypothesis', e.hypothesis, '-a', e.action, '-p', e.prediction);
      assert.equal(s.code, 0, s.stderr);
      assert.equal((await cli('ghap', 'resolve', '--status', e.status, '-r', e.result, '--what-worked', e.lesson!.what_worked)).code, 0);
    }
    const clusters = json<{ clusters: { cluster_id: string; size: number }[]; count: number }>(await cli('learn', 'clusters', 'full', '--json'));
    assert.equal(clusters.count, 3);
    const human = await cli('learn', 'clusters');
    assert.match(human.stdout, /3 cluster\(s\);/);

    let flaky = '';
    for (const c of clusters.clusters) {
      const members = json<{ members: { text: string }[] }>(await cli('learn', 'members', c.cluster_id, '--json'));
      assert.equal(members.members.length, c.size);
      if (members.members.every((m) => /flaky|intermittent/i.test(m.text))) flaky = c.cluster_id;
    }
    assert.ok(flaky, 'a cluster of the flaky-test entries');

    const value = 'Flaky CI tests come from tests that share database state: isolate the test database per test';
    const valid = await cli('learn', 'validate', flaky, value);
    assert.equal(valid.code, 0, valid.stdout + valid.stderr);
    assert.match(valid.stdout, new RegExp(`^Valid for ${flaky} \\(similarity 0\\.\\d{3}\\)`));
    const invalid = await cli('learn', 'validate', flaky, 'The weather in Lisbon is lovely in spring');
    assert.equal(invalid.code, 1);
    assert.match(invalid.stdout, /^Not valid: Value too far from centroid/);

    const stored = await cli('learn', 'validate', flaky, value, '--store', '--json');
    assert.equal(stored.code, 0, stored.stderr);
    const { id } = json<{ id: string }>(stored);
    const values = json<{ results: { id: string; cluster_id: string; member_count: number }[] }>(await cli('learn', 'values', '--json'));
    assert.deepEqual(values.results.map((v) => [v.id, v.cluster_id]), [[id, flaky]]);
    assert.ok(values.results[0]!.member_count >= 7);
    const refused = await cli('learn', 'validate', flaky, 'The weather in Lisbon is lovely in spring', '--store');
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /^Error: Value not stored: Value too far from centroid/);
    assert.equal((await cli('learn', 'clusters', 'mood')).code, 2);
    assert.match((await cli('learn', 'members', 'full0')).stderr, /Invalid cluster_id format: full0\./);
  });
});
