/**
 * Hostile input against every MCP tool, listed from the server through a real SDK client (a new tool is
 * covered without touching this file). Arguments come from each tool's inputSchema, most with hostile
 * values swapped in. Every call must come back as a result (never a crash or a hung request), errors
 * must be structured (calm's `{"error":{"type","message"}}` envelope, or the SDK's schema rejection),
 * never an internal error or a stack trace, and a rejected call must leave the store byte-identical.
 * CALM_FUZZ_RUNS (default 3, for CI) sets the cases per tool; 40 per tool passed locally (1,160 calls).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { App } from '../../src/app.js';
import { seedEverything } from '../helpers/backup-seed.js';
import { makeRepo } from '../helpers/git.js';
import { tempHome, type TempHome } from '../helpers/home.js';
import { argumentsFor, describeArgs, fuzzRuns, fuzzSeed, judgeToolResult, type JsonSchema } from '../helpers/hostile.js';
import { connectInMemory, textOf } from '../helpers/mcp.js';
import { changedTables, tableDigests } from '../helpers/store-digest.js';

// each call digests the whole store twice and some carry 10 MB: about 2 s a call on 2 shared cores
const RUNS = fuzzRuns(3);
describe('hardening: hostile arguments to every MCP tool', () => {
  let t: TempHome;
  let app: App;
  let client: Client;
  let close: () => Promise<void>;
  let tools: Tool[];
  const logs: string[] = [];
  const plausible: Record<string, unknown[]> = {};
  const tally = new Map<string, { tried: number; ok: number; rejected: number }>();
  const cwd = process.cwd();
  const realHome = process.env.HOME;

  before(async () => {
    t = tempHome();
    // `~` in a path argument and the git tools' default repository must stay inside the test's folders
    process.env.HOME = t.home;
    mkdirSync(t.home, { recursive: true });
    const repo = makeRepo(join(t.root, 'repo'), { 'src/a.ts': 'export function a(): number {\n  return 1;\n}\n', 'README.md': '# r\n' });
    process.chdir(repo);
    app = t.app();
    await seedEverything(app, 3);
    ({ client, close } = await connectInMemory(app, logs));
    tools = (await client.listTools()).tools;
    const memoryIds = (await app.records.scroll('memories', { limit: 3 })).map((r) => r.id);
    Object.assign(plausible, {
      directory: [join(repo, 'src'), repo],
      project: ['fuzz-proj', 'proj'],
      repo_path: [repo],
      path: ['src/a.ts', 'README.md', join(repo, 'src/a.ts')],
      working_directory: [repo],
      memory_id: memoryIds,
      entry_id: ['J-1'],
      'entry_ids[]': ['J-1'],
      cluster_id: ['full_0', 'strategy_0'],
      since: ['2020-01-01', '2026-01-01T00:00:00Z'],
      query: ['backups', 'sqlite vectors'],
    });
  });

  after(async () => {
    await close?.();
    await app?.close();
    process.chdir(cwd);
    process.env.HOME = realHome;
    t?.cleanup();
    const rows = [...tally].map(([tool, c]) => `${tool}: ${c.tried} tried, ${c.ok} ok, ${c.rejected} rejected`);
    console.log(`# mcp fuzz (${RUNS} runs per tool, seed ${fuzzSeed()}):\n# ${rows.join('\n# ')}`);
  });

  test('tools/list names every tool with an object input schema', () => {
    assert.ok(tools.length >= 29, `only ${tools.length} tools listed`);
    for (const tool of tools) assert.equal(tool.inputSchema.type, 'object', tool.name);
  });

  test('every tool survives hostile arguments in-process: structured errors, store unchanged on rejection', async () => {
    const problems: string[] = [];
    for (const tool of tools) {
      const count = tally.get(tool.name) ?? { tried: 0, ok: 0, rejected: 0 };
      tally.set(tool.name, count);
      await fc.assert(
        fc.asyncProperty(argumentsFor(tool.inputSchema as JsonSchema, plausible), async (args) => {
          const before = tableDigests(app.db);
          let result: CallToolResult;
          try {
            result = (await client.callTool({ name: tool.name, arguments: args })) as CallToolResult;
          } catch (e) {
            throw new Error(`${tool.name}(${describeArgs(args)}) threw at the protocol level: ${(e as Error).message}`);
          }
          count.tried++;
          const verdict = judgeToolResult(result);
          count[verdict.outcome]++;
          if (verdict.problem) throw new Error(`${tool.name}(${describeArgs(args)}): ${verdict.problem}`);
          if (verdict.outcome === 'rejected') {
            const changed = changedTables(before, tableDigests(app.db));
            if (changed.length > 0) throw new Error(`${tool.name}(${describeArgs(args)}) was rejected (${textOf(result).slice(0, 120)}) but changed ${changed.join(', ')}`);
          }
        }),
        { numRuns: RUNS, seed: fuzzSeed(), endOnFailure: true },
      ).catch((e: unknown) => problems.push((e as Error).message.split('\n').slice(0, 4).join('\n')));
    }
    assert.deepEqual(problems, []);
    assert.deepEqual(logs.filter((l) => /tool failed/.test(l)).slice(0, 3), [], 'internal failures were logged');
  });
});
