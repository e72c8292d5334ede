/** `calm learn search` and `calm learn values --scope` through the real CLI, from two real git repositories. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeRepo } from '../helpers/git.js';
import { runCli, tempHome, type TempHome } from '../helpers/home.js';

const json = <T>(r: { code: number; stdout: string; stderr: string }): T => {
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as T;
};

describe('calm learn search: experiences of the current repository first', () => {
  let t: TempHome;
  let shop: string;
  let blog: string;
  const ids: Record<string, string> = {};

  const resolveIn = async (cwd: string, where: string): Promise<string> => {
    const started = json<{ id: string }>(await runCli([
      'ghap', 'start', '--domain', 'testing', '--strategy', 'root-cause-analysis', '--goal', `Fix the flaky wombat checkout test in the ${where}`,
      '--hypothesis', 'tests share database state', '--action', 'isolate the database per test', '--prediction', 'it passes 50 runs', '--json',
    ], t.env(), { cwd }));
    json(await runCli(['ghap', 'resolve', '--status', 'confirmed', '--result', 'the wombat test passes now', '--json'], t.env(), { cwd }));
    return started.id;
  };

  before(async () => {
    t = tempHome();
    shop = makeRepo(join(t.root, 'shop'), { 'README.md': 'shop\n' });
    blog = makeRepo(join(t.root, 'blog'), { 'README.md': 'blog\n' });
    assert.equal((await runCli(['init', '--json'], t.env())).code, 0);
    ids.blog = await resolveIn(blog, 'blog');
    ids.shop = await resolveIn(shop, 'shop');
  });
  after(() => t.cleanup());

  const search = async (cwd: string, ...extra: string[]) =>
    json<{ results: { id: string; project?: string }[] }>(await runCli(['learn', 'search', 'flaky wombat checkout test', '--json', ...extra], t.env(), { cwd })).results;

  test("each repository sees its own experience first; --scope project hides the other's", async () => {
    const fromShop = await search(shop, '--mode', 'hybrid');
    assert.deepEqual(fromShop.map((r) => r.id), [ids.shop, ids.blog]);
    assert.match(fromShop[0]!.project ?? '', /shop$/);
    assert.deepEqual((await search(blog)).map((r) => r.id), [ids.blog, ids.shop]);
    assert.deepEqual((await search(blog, '--scope', 'project')).map((r) => r.id), [ids.blog]);
    const text = await runCli(['learn', 'search', 'flaky wombat checkout test'], t.env(), { cwd: shop });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout.split('\n')[2] ?? '', /in the shop/, 'the table lists the shop first');
  });

  test('a bad scope is a usage error for search and values', async () => {
    for (const args of [['learn', 'search', 'x', '--scope', 'mine'], ['learn', 'values', '--scope', 'mine']]) {
      const r = await runCli(args, t.env(), { cwd: shop });
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, /Invalid scope 'mine'/);
    }
    assert.match((await runCli(['learn', 'values', '--scope', 'project'], t.env(), { cwd: shop })).stdout, /No values stored/);
  });
});
