/**
 * assemble_context through a real MCP client keeps the project-first order in the document: within a
 * source, the caller's project's (and global) memories and experiences come before another project's,
 * even when the other project's score higher on the query; then the most relevant first.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { type App, createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { tempHome, type TempHome } from '../helpers/home.js';
import { call, connectInMemory, ok } from '../helpers/mcp.js';

const QUERY = 'quokka deploys staging flag cache purge blue cluster';
// the blog's memory and experience repeat the query's words; the shop's share only a few of them
const BLOG_MEMORY = 'Quokka deploys need the staging flag, a cache purge and the blue cluster first';
const SHOP_MEMORY = 'Quokka deploys of the shop turn the payments toggle off';
const GLOBAL_MEMORY = 'Quokka deploys are announced in the deploys channel';

interface Context { markdown: string; item_count: number; sources_used: Record<string, number> }

describe('assemble_context over MCP: the caller\'s project first in the document', () => {
  let t: TempHome;
  let app: App;
  let client: Client;
  let close: () => Promise<void>;
  let project: string | undefined;

  const resolveOne = async (goal: string, result: string): Promise<void> => {
    ok(await call(client, 'start_ghap', {
      domain: 'debugging', strategy: 'read-the-error', goal, hypothesis: 'the staging flag was unset',
      action: 'set the staging flag', prediction: 'the quokka deploy passes',
    }));
    ok(await call(client, 'resolve_ghap', { status: 'confirmed', result }));
  };

  before(async () => {
    t = tempHome();
    app = createApp(loadConfig(t.env()), { currentProject: async () => project });
    ({ client, close } = await connectInMemory(app));
    project = undefined;
    ok(await call(client, 'store_memory', { content: GLOBAL_MEMORY, category: 'workflow' }));
    project = '/work/blog';
    ok(await call(client, 'store_memory', { content: BLOG_MEMORY, category: 'workflow' }));
    await resolveOne('Quokka deploys with the staging flag, cache purge and blue cluster failed in the blog', 'the blog quokka deploy with the staging flag, cache purge and blue cluster passed');
    project = '/work/shop';
    ok(await call(client, 'store_memory', { content: SHOP_MEMORY, category: 'workflow' }));
    await resolveOne('Quokka deploy failed in the shop', 'the shop deploy passed');
  });
  after(async () => {
    await close();
    await app.close();
    t.cleanup();
  });

  const assemble = async (): Promise<Context> =>
    ok<Context>(await call(client, 'assemble_context', { query: QUERY, context_types: ['memories', 'experiences'], max_tokens: 3000 }));
  const at = (markdown: string, text: string): number => {
    const i = markdown.indexOf(text);
    assert.notEqual(i, -1, `${text} is in the document`);
    return i;
  };

  test('the blog scores higher on the query: with no project, its memory and experience lead', async () => {
    project = undefined;
    const { markdown } = await assemble();
    assert.ok(at(markdown, BLOG_MEMORY) < at(markdown, SHOP_MEMORY), markdown);
    assert.ok(at(markdown, 'failed in the blog') < at(markdown, 'failed in the shop'), markdown);
  });

  test("from the shop: the shop's and the global memory, and the shop's experience, come before the blog's", async () => {
    project = '/work/shop';
    const ctx = await assemble();
    assert.equal(ctx.sources_used.memories, 3, 'every memory is shown, the blog\'s too');
    assert.equal(ctx.sources_used.experiences, 2);
    const { markdown } = ctx;
    assert.ok(at(markdown, SHOP_MEMORY) < at(markdown, BLOG_MEMORY), markdown);
    assert.ok(at(markdown, GLOBAL_MEMORY) < at(markdown, BLOG_MEMORY), markdown);
    assert.ok(at(markdown, 'failed in the shop') < at(markdown, 'failed in the blog'), markdown);
  });

  test("from the blog: the blog's own lead, the shop's memory comes last", async () => {
    project = '/work/blog';
    const { markdown } = await assemble();
    assert.ok(at(markdown, BLOG_MEMORY) < at(markdown, GLOBAL_MEMORY), markdown);
    assert.ok(at(markdown, GLOBAL_MEMORY) < at(markdown, SHOP_MEMORY), markdown);
    assert.ok(at(markdown, 'failed in the blog') < at(markdown, 'failed in the shop'), markdown);
  });
});
