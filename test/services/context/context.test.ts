/**
 * Context assembly with real data in all five sources (memories, code, experiences, values, commits),
 * each written the way its writer writes it; the budget holds for every max_tokens.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { App } from '../../../src/app.js';
import { CollectionGuard } from '../../../src/services/collection-guard.js';
import { estimateTokens } from '../../../src/services/context/tokens.js';
import { COLLECTIONS } from '../../../src/store/records/collections.js';
import { commitAll, gitIn, writeFiles } from '../../helpers/git.js';
import { tempHome, type TempHome } from '../../helpers/home.js';

/** An experience as the GHAP service persists it (reference: internals §2, ghap_* payload). */
function experience(id: string, goal: string, extra: Record<string, unknown> = {}): { id: string; text: string; payload: Record<string, unknown> } {
  const payload = {
    ghap_id: id, session_id: 'session_1', created_at: '2025-01-01T00:00:00+00:00', captured_at: 1735689600, domain: 'debugging',
    strategy: 'read-the-error', outcome_status: 'falsified', confidence_tier: 'silver', iteration_count: 2, axis: 'full',
    goal, hypothesis: 'the cache key ignores the locale', action: 'add the locale to the cache key', prediction: 'stale pages disappear',
    outcome_result: 'pages were still stale', surprise: 'a CDN cached them as well', root_cause: { category: 'wrong-assumption', description: 'two caches' },
    lesson: { what_worked: 'purge the CDN after deploys', takeaway: 'check every cache layer' }, ...extra,
  };
  return { id, payload, text: `Goal: ${goal}\nHypothesis: ${payload.hypothesis}` };
}

describe('context assembly', () => {
  let t: TempHome;
  let app: App;
  let codeDir: string;
  before(async () => {
    t = tempHome();
    app = t.app();
    const embedder = await app.embedder();
    const guard = new CollectionGuard(app.records, app.embedder);
    const put = async (collection: string, rows: { id: string; text: string; payload: Record<string, unknown> }[]): Promise<void> => {
      await guard.ensure(collection);
      const vectors = await embedder.embed(rows.map((r) => r.text));
      await app.records.upsert(collection, rows.map((r, i) => ({ ...r, vector: vectors[i]! })));
    };

    await app.memory.store({ content: 'The page cache is keyed by URL and locale; purge it after every deploy', category: 'fact', importance: 0.9 });
    await app.memory.store({ content: 'The page cache is keyed by URL and locale; purge it after each deploy', category: 'fact', importance: 0.8 });
    await app.memory.store({ content: 'Prefer small pull requests', category: 'preference' });

    codeDir = join(t.root, 'code');
    writeFiles(codeDir, {
      'cache.py': [
        'class PageCache:',
        '    """A page cache keyed by URL and locale."""',
        '',
        '    def purge(self, locale):',
        '        """Purge the page cache for a locale."""',
        '        return self.store.clear(locale)',
        '',
        '',
        'def cache_key(url, locale):',
        '    """Build the page cache key."""',
        '    return f"{url}|{locale}"',
        '',
      ].join('\n'),
    });
    await app.code.index({ directory: codeDir, project: 'site' });

    await put(COLLECTIONS.ghapFull, [
      experience('ghap_20250101_000000_aaaaaa', 'Fix stale pages served from the page cache'),
      experience('ghap_20250102_000000_bbbbbb', 'Speed up the page cache warmup', { outcome_status: 'confirmed', surprise: undefined, root_cause: undefined }),
    ]);
    await put(COLLECTIONS.values, [
      { id: 'v1', text: 'Check every cache layer when pages look stale', payload: { id: 'v1', text: 'Check every cache layer when pages look stale', cluster_id: 'full_0', axis: 'full', cluster_size: 7, created_at: '2025-01-03T00:00:00.000Z' } },
      // a value about the same GHAP entry as an experience: the two are one item
      { id: 'v2', text: 'Fix stale pages served from the page cache', payload: { id: 'v2', text: 'Fix stale pages served from the page cache', cluster_id: 'full_1', axis: 'full', ghap_id: 'ghap_20250101_000000_aaaaaa', created_at: '2025-01-03T00:00:00.000Z' } },
    ]);

    const repo = join(t.root, 'repo');
    mkdirSync(repo);
    const env = t.env({ GIT_AUTHOR_NAME: 'Dana', GIT_AUTHOR_EMAIL: 'dana@example.com', GIT_COMMITTER_NAME: 'Dana', GIT_COMMITTER_EMAIL: 'dana@example.com' });
    gitIn(repo, ['init', '-q', '-b', 'main'], env);
    writeFiles(repo, { 'cache.py': 'x = 1\n' });
    commitAll(repo, 'Key the page cache by locale to stop serving stale pages', env);
    writeFiles(repo, { 'deploy.sh': 'purge\n' });
    commitAll(repo, 'Purge the page cache after deploys', env);
    await app.git.indexCommits({ repo_path: repo });
  });
  after(async () => {
    await app.close();
    t.cleanup();
  });

  const QUERY = 'stale pages from the page cache';

  test('every source contributes a section; duplicates collapse; the budget holds', async () => {
    const ctx = await app.context.assemble({ query: QUERY, max_tokens: 3000 });
    for (const title of ['Memories', 'Code', 'Experiences', 'Values', 'Commits']) assert.match(ctx.markdown, new RegExp(`^## ${title}$`, 'm'), title);
    assert.ok(ctx.markdown.startsWith('# Context\n'));
    assert.match(ctx.markdown, /\n---\n\*\d+ items from 5 sources\*$/);
    assert.deepEqual(Object.keys(ctx.sources_used).sort(), ['code', 'commits', 'experiences', 'memories', 'values']);
    assert.equal(ctx.item_count, Object.values(ctx.sources_used).reduce((a, b) => a + b, 0));
    assert.ok(ctx.token_count <= 3000);
    assert.equal(ctx.token_count, estimateTokens(ctx.markdown));

    // the near-identical memories are one item; the value tied to an experience is one item
    assert.equal(ctx.sources_used.memories, 2);
    assert.equal(ctx.markdown.match(/purge it after (every|each) deploy/g)?.length, 1);
    assert.equal(ctx.markdown.match(/Fix stale pages served from the page cache/g)?.length, 1);
    // a class and its method overlap: the same lines are not shown twice
    assert.equal(ctx.markdown.match(/def purge\(self, locale\)/g)?.length, 1);

    // what CALM's assembler dropped: code with its code, values, commits with their dates
    assert.match(ctx.markdown, /\*\*Function\*\* `cache\.cache_key` in `[^`]+cache\.py:9`\n/);
    assert.match(ctx.markdown, /```python\ndef cache_key\(url, locale\):/);
    assert.match(ctx.markdown, /\*\*Value\*\* \(full, cluster size: 7\):\nCheck every cache layer when pages look stale/);
    assert.match(ctx.markdown, /\*\*Commit\*\* `[0-9a-f]{7}` by Dana on \d{4}-\d{2}-\d{2}\n/);
    assert.match(ctx.markdown, /\*\*Experience\*\*: debugging \| read-the-error\n- \*\*Goal\*\*: (Fix stale pages|Speed up the page cache)/);
    assert.match(ctx.markdown, /- \*\*Lesson\*\*: purge the CDN after deploys/);
    assert.match(ctx.markdown, /\*\*Memory\*\*: The page cache is keyed by URL and locale; purge it after (every|each) deploy\n\*Category: fact, Importance: 0\.\d0\*/);
  });

  test('token_count never exceeds max_tokens, from the smallest budget to the largest', async () => {
    let previousItems = 0;
    for (const max of [100, 150, 200, 300, 500, 800, 1500, 3000, 10_000]) {
      const ctx = await app.context.assemble({ query: QUERY, max_tokens: max, limit: 50 });
      assert.ok(ctx.token_count <= max, `${ctx.token_count} > ${max}`);
      assert.equal(ctx.token_count, estimateTokens(ctx.markdown));
      assert.ok(ctx.item_count >= 1, `nothing fit in ${max}`);
      assert.ok(ctx.item_count >= previousItems, `a larger budget (${max}) holds fewer items`);
      previousItems = ctx.item_count;
    }
    const small = await app.context.assemble({ query: QUERY, max_tokens: 100 });
    assert.equal(small.truncated, true);
    const large = await app.context.assemble({ query: QUERY, max_tokens: 10_000 });
    assert.equal(large.truncated, false);
  });

  test('context_types selects sources; a blank query is empty', async () => {
    const onlyCommits = await app.context.assemble({ query: QUERY, context_types: ['commits'] });
    assert.deepEqual(Object.keys(onlyCommits.sources_used), ['commits']);
    assert.doesNotMatch(onlyCommits.markdown, /## (Memories|Code|Experiences|Values)/);
    assert.deepEqual(await app.context.assemble({ query: '   ' }), { markdown: '', token_count: 0, item_count: 0, truncated: false, sources_used: {} });
    assert.equal((await app.context.assemble({ query: QUERY, context_types: [] })).item_count, 0);
  });

  test('validation: CALM messages', async () => {
    await assert.rejects(app.context.assemble({ query: 'x', context_types: ['values', 'docs', 'wiki'] }), {
      message: "Invalid context types: ['docs', 'wiki']. Valid options: values, experiences, memories, code, commits",
    });
    await assert.rejects(app.context.assemble({ query: 'x', limit: 51 }), { message: 'Limit 51 out of range. Must be between 1 and 50.' });
    await assert.rejects(app.context.assemble({ query: 'x', max_tokens: 99 }), { message: 'Max_tokens 99 out of range. Must be between 100 and 10000.' });
    await assert.rejects(app.context.assemble({ query: 'x', max_tokens: 10_001 }), { message: 'Max_tokens 10001 out of range. Must be between 100 and 10000.' });
    await assert.rejects(app.context.assemble({ query: 'x'.repeat(10_001) }), /Query too long \(10001 chars\)/);
  });
});

describe('context assembly: a failing source', () => {
  test('is left out with a warning; the others still contribute', async () => {
    const t = tempHome();
    const app = t.app();
    try {
      await app.memory.store({ content: 'Deploys happen on Thursdays', category: 'event' });
      // a collection built by another embedder cannot be searched with this one
      await app.records.ensureCollection(COLLECTIONS.values, { embedder: 'other-model', dim: 8 });
      const ctx = await app.context.assemble({ query: 'when do deploys happen' });
      assert.deepEqual(ctx.sources_used, { memories: 1 });
      assert.equal(ctx.warnings?.length, 1);
      assert.match(ctx.warnings![0]!, /^values: /);
    } finally {
      await app.close();
      t.cleanup();
    }
  });
});
