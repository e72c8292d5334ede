/** `calm memory list --cursor` through the real CLI: keyset pages, stores between them, filters, bad cursors. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { json, runCli, tempHome, type TempHome } from '../helpers/home.js';

interface Page {
  results: { id: string; category: string }[];
  count: number;
  total: number;
  next_cursor?: string;
}

describe('calm memory list --cursor', () => {
  let t: TempHome;
  const stored: { id: string; category: string }[] = [];
  before(async () => {
    t = tempHome();
    assert.equal((await runCli(['init', '--json'], t.env())).code, 0);
    for (let i = 0; i < 7; i++) {
      const category = i % 2 === 0 ? 'fact' : 'event';
      const r = await runCli(['memory', 'store', `cli paging memory ${i} on subject ${i * 17}`, '--category', category, '--json'], t.env());
      assert.equal(r.code, 0, r.stderr);
      stored.push({ id: json<{ id: string }>(r).id, category });
    }
  });
  after(() => t.cleanup());

  const page = async (...args: string[]): Promise<Page> => {
    const r = await runCli(['memory', 'list', '--json', ...args], t.env());
    assert.equal(r.code, 0, r.stderr);
    return json<Page>(r);
  };

  test('pages follow next_cursor to the end; a memory stored between pages changes none of them', async () => {
    const whole = (await page('--limit', '200')).results.map((r) => r.id);
    assert.deepEqual([...whole].sort(), stored.map((s) => s.id).sort());
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const p = await page('--limit', '3', ...(cursor ? ['--cursor', cursor] : []));
      seen.push(...p.results.map((r) => r.id));
      assert.equal(p.total, stored.length + pages, 'the total counts the memories stored meanwhile');
      cursor = p.next_cursor;
      if (cursor) {
        const r = await runCli(['memory', 'store', `stored while paging ${pages}`, '--category', 'event', '--json'], t.env());
        assert.equal(r.code, 0, r.stderr);
      }
      pages += 1;
    } while (cursor);
    assert.deepEqual(seen, whole, 'every memory once, in the order of a single listing');
    assert.equal(pages, 3);
  });

  test('with a filter, every page holds only matches; the text output names the next cursor', async () => {
    const first = await page('--limit', '2', '--category', 'fact');
    assert.ok(first.next_cursor);
    const second = await page('--limit', '2', '--category', 'fact', '--cursor', first.next_cursor);
    const facts = stored.filter((s) => s.category === 'fact').map((s) => s.id);
    for (const r of [...first.results, ...second.results]) assert.equal(r.category, 'fact');
    assert.equal(new Set([...first.results, ...second.results].map((r) => r.id)).size, 4);
    assert.equal(second.total, facts.length);
    const human = await runCli(['memory', 'list', '--limit', '2', '--category', 'fact'], t.env());
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /next page: --cursor \S+/);
  });

  test('a cursor from another listing, beside an offset, or made up exits 2 with one line', async () => {
    const first = await page('--limit', '2', '--category', 'fact');
    for (const args of [
      ['--cursor', first.next_cursor!, '--category', 'event'],
      ['--cursor', first.next_cursor!, '--category', 'fact', '--offset', '2'],
      ['--cursor', 'garbage'],
    ]) {
      const r = await runCli(['memory', 'list', ...args], t.env());
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, /cursor/i);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
  });
});
