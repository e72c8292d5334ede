/**
 * The UserPromptSubmit hook as a real `calm hook user-prompt-submit` process with Claude Code's payload:
 * the memories and experiences of the payload's project (`cwd`) come before other projects', even when
 * another project has more of them on the prompt's topic.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { makeRepo } from '../helpers/git.js';
import { runCli, tempHome, type TempHome } from '../helpers/home.js';

const SHOP_MEMORY = 'Quokka deploys of the shop need the staging flag and the payments toggle off';
const BLOG_MEMORIES = [
  'Quokka deploys of the blog need the staging flag and a cache purge',
  'Quokka deploys need the staging flag set before 17:00 on Fridays',
  'Quokka deploys with the staging flag go to the blue cluster first',
  'Quokka deploys need the staging flag and a green build on main',
  'Quokka deploys with the staging flag are announced in the deploys channel',
  'Quokka deploys without the staging flag are blocked by the pipeline',
];

describe('UserPromptSubmit ranks the payload project first', () => {
  let t: TempHome;
  let shop: string;
  let blog: string;

  before(async () => {
    t = tempHome();
    assert.equal((await runCli(['init'], t.env())).code, 0);
    shop = makeRepo(join(t.root, 'shop'), { 'README.md': 'shop\n' });
    blog = makeRepo(join(t.root, 'blog'), { 'README.md': 'blog\n' });
    let project: string | undefined;
    const app = createApp(loadConfig(t.env()), { currentProject: async () => project });
    try {
      project = (await app.orchestration.projects.detect(blog)).root;
      for (const content of BLOG_MEMORIES) await app.memory.store({ content, category: 'workflow', allow_duplicate: true });
      await app.ghap.start({
        domain: 'debugging', strategy: 'read-the-error', goal: 'Quokka deploy with the staging flag failed in the blog',
        hypothesis: 'the staging flag was unset', action: 'set the staging flag', prediction: 'the quokka deploy passes',
      });
      await app.ghap.resolve({ status: 'confirmed', result: 'the blog quokka deploy with the staging flag passed' });
      project = (await app.orchestration.projects.detect(shop)).root;
      await app.memory.store({ content: SHOP_MEMORY, category: 'workflow' });
      await app.ghap.start({
        domain: 'debugging', strategy: 'read-the-error', goal: 'Quokka deploy with the staging flag failed in the shop',
        hypothesis: 'the payments toggle was on', action: 'turn the payments toggle off', prediction: 'the quokka deploy passes',
      });
      await app.ghap.resolve({ status: 'confirmed', result: 'the shop quokka deploy with the staging flag passed' });
    } finally {
      await app.close();
    }
  });
  after(() => t.cleanup());

  const hook = async (cwd: string): Promise<string[]> => {
    const payload = {
      session_id: 'sess-1', transcript_path: '/tmp/x.jsonl', cwd, permission_mode: 'default', hook_event_name: 'UserPromptSubmit',
      prompt: 'How do quokka deploys work with the staging flag?',
    };
    const r = await runCli(['hook', 'user-prompt-submit'], t.env(), { input: JSON.stringify(payload) });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const out = JSON.parse(r.stdout) as { hookSpecificOutput: { additionalContext: string } };
    return out.hookSpecificOutput.additionalContext.split('\n');
  };
  const firstAfter = (lines: string[], title: RegExp): string => lines[lines.findIndex((l) => title.test(l)) + 1] ?? '';

  test("from the shop: the shop's memory and experience lead, although the blog has six memories on the topic", async () => {
    const lines = await hook(shop);
    assert.match(firstAfter(lines, /^Memories:/), /payments toggle off/);
    assert.match(firstAfter(lines, /^Past experiences/), /in the shop/);
  });

  test("from the blog: the blog's memory and experience lead", async () => {
    const lines = await hook(blog);
    assert.doesNotMatch(firstAfter(lines, /^Memories:/), /payments toggle/);
    assert.match(firstAfter(lines, /^Memories:/), /Quokka deploys/);
    assert.match(firstAfter(lines, /^Past experiences/), /in the blog/);
  });
});
