/** `calm memory update` (and, below, duplicates, since/until and project scope) through the real CLI. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeRepo } from '../helpers/git.js';
import { json, runCli, tempHome, type TempHome } from '../helpers/home.js';

describe('calm memory update', () => {
  let t: TempHome;
  before(async () => {
    t = tempHome();
    assert.equal((await runCli(['init', '--json'], t.env())).code, 0);
  });
  after(() => t.cleanup());

  const store = async (content: string, ...extra: string[]): Promise<string> => {
    const r = await runCli(['memory', 'store', content, '--category', 'fact', '--json', ...extra], t.env());
    assert.equal(r.code, 0, r.stderr);
    return json<{ id: string }>(r).id;
  };

  test('content from stdin, new tags; show lists the earlier version', async () => {
    const id = await store('Staging resets on Sundays', '--tags', 'staging');
    const r = await runCli(['memory', 'update', id, '--content', '-', '--tags', 'staging,db', '--json'], t.env(), { input: 'Staging resets on Mondays at 03:00\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(json<{ changed: string[] }>(r).changed, ['content', 'tags']);
    const shown = json<{ content: string; tags: string[]; history: { content: string }[] }>(await runCli(['memory', 'show', id, '--json'], t.env()));
    assert.equal(shown.content, 'Staging resets on Mondays at 03:00');
    assert.deepEqual(shown.tags, ['staging', 'db']);
    assert.deepEqual(shown.history.map((h) => h.content), ['Staging resets on Sundays']);
    const human = await runCli(['memory', 'show', id], t.env());
    assert.match(human.stdout, /History \(1 earlier version/);
    assert.match(human.stdout, /Staging resets on Sundays/);
  });

  test('bad input exits 2 with one clear line; unknown id exits 1', async () => {
    const id = await store('Prefer rebase over merge');
    const none = await runCli(['memory', 'update', id], t.env());
    assert.equal(none.code, 2);
    assert.match(none.stderr, /Nothing to update/);
    assert.doesNotMatch(none.stderr, /at .*\.js/);
    const bad = await runCli(['memory', 'update', id, '--importance', '7'], t.env());
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Importance 7 out of range/);
    const missing = await runCli(['memory', 'update', '6f1c2b9e-0000-4000-8000-000000000000', '--content', 'x'], t.env());
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Memory not found/);
    const help = await runCli(['memory', 'update', '--help'], t.env());
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--content/);
  });
});

describe('calm memory list/search --since/--until', () => {
  let t: TempHome;
  before(async () => {
    t = tempHome();
    assert.equal((await runCli(['init', '--json'], t.env())).code, 0);
    assert.equal((await runCli(['memory', 'store', 'Run the linter before pushing', '--category', 'workflow'], t.env())).code, 0);
  });
  after(() => t.cleanup());

  test('a window around now finds the memory, one in the past does not; bad dates exit 2', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const list = json<{ total: number }>(await runCli(['memory', 'list', '--since', today, '--until', today, '--json'], t.env()));
    assert.equal(list.total, 1);
    const old = json<{ total: number }>(await runCli(['memory', 'list', '--until', '2001-01-01', '--json'], t.env()));
    assert.equal(old.total, 0);
    const search = json<{ count: number }>(await runCli(['memory', 'search', 'linter', '--mode', 'keyword', '--since', '2001-01-01T00:00:00Z', '--json'], t.env()));
    assert.equal(search.count, 1);
    const bad = await runCli(['memory', 'search', 'linter', '--until', 'tomorrow'], t.env());
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Invalid date format for 'until'/);
  });
});

describe('calm memory store duplicates and --scope, from two real git repositories', () => {
  let t: TempHome;
  let shop: string;
  let blog: string;
  before(async () => {
    t = tempHome();
    shop = makeRepo(join(t.root, 'shop'), { 'README.md': 'shop\n' });
    blog = makeRepo(join(t.root, 'blog'), { 'README.md': 'blog\n' });
    mkdirSync(join(shop, 'src', 'deep'), { recursive: true });
    assert.equal((await runCli(['init', '--json'], t.env())).code, 0);
  });
  after(() => t.cleanup());

  const store = async (cwd: string, content: string, ...extra: string[]) => {
    const r = await runCli(['memory', 'store', content, '--category', 'fact', '--json', ...extra], t.env(), { cwd });
    assert.equal(r.code, 0, r.stderr);
    return json<{ id: string; status: string; duplicate_of?: string }>(r);
  };

  test('a re-stored memory is reported as a duplicate unless --allow-duplicate', async () => {
    const first = await store(shop, 'Orders are archived after 90 days.');
    const again = await runCli(['memory', 'store', 'orders are archived after 90 days', '--category', 'fact'], t.env(), { cwd: join(shop, 'src', 'deep') });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`Not stored: memory ${first.id} already says this`));
    const copy = await store(shop, 'orders are archived after 90 days', '--allow-duplicate');
    assert.equal(copy.status, 'stored');
    assert.notEqual(copy.id, first.id);
  });

  test('a memory that differs only by a number is stored, not reported as a duplicate', async () => {
    const [a, b] = ['The orders API listens on port 8080 locally when started with the dev script.', 'The orders API listens on port 8081 locally when started with the dev script.'];
    const first = await store(shop, a);
    const other = await store(shop, b);
    assert.equal(other.status, 'stored');
    assert.notEqual(other.id, first.id);
    const shown = await runCli(['memory', 'show', other.id, '--json'], t.env(), { cwd: shop });
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(json<{ content: string }>(shown).content, b);
  });

  test('each repository sees its own and global memories first; --scope project hides the other', async () => {
    const shopId = (await store(shop, 'Quokka build cache lives in .quokka')).id;
    const blogId = (await store(blog, 'Quokka build cache is disabled here')).id;
    const globalId = (await store(blog, 'Quokka build cache needs 2 GB of disk', '--global')).id;
    const search = async (cwd: string, ...extra: string[]): Promise<string[]> =>
      json<{ results: { id: string }[] }>(await runCli(['memory', 'search', 'quokka build cache', '--mode', 'keyword', '--json', ...extra], t.env(), { cwd })).results.map((r) => r.id);
    const fromShop = await search(shop);
    assert.deepEqual(new Set(fromShop.slice(0, 2)), new Set([shopId, globalId]));
    assert.equal(fromShop[2], blogId);
    assert.deepEqual(new Set(await search(blog, '--scope', 'project')), new Set([blogId, globalId]));
    const shown = await runCli(['memory', 'show', shopId], t.env());
    assert.match(shown.stdout, new RegExp(`Project: +${shop.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const bad = await runCli(['memory', 'search', 'x', '--scope', 'mine'], t.env());
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Invalid scope 'mine'/);
  });
});
