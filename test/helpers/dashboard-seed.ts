/**
 * A real daemon on a free port with a temporary home, seeded through the real CLI and a real MCP client
 * over HTTP with something for every dashboard view: memories, a resolved GHAP set that clusters (plus an
 * active one and a stored value), an indexed tiny git repository, a task with a review, and a backup.
 */
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { dataset } from '../fixtures/experiences.js';
import { commitAll, GIT_ENV, makeRepo, writeFiles } from './git.js';
import { type CliResult, json, runCli, tempHome, type TempHome } from './home.js';
import { call, ok } from './mcp.js';
import { freePort } from './net.js';

export const SEEDED_MEMORIES = [
  { content: 'The staging database password rotates every Monday at 09:00 UTC', category: 'fact', importance: 0.9, tags: ['ops', 'staging'] },
  { content: 'Prefer small pull requests: reviewers approve them faster', category: 'preference', importance: 0.6, tags: ['review'] },
  { content: 'Run the linter before pushing; CI rejects lint errors', category: 'workflow', importance: 0.7, tags: ['ci'] },
  { content: 'The billing service decided to use idempotency keys for every charge', category: 'decision', importance: 0.8, tags: ['billing'] },
  { content: 'Flaky login test was caused by a shared cookie jar between tests', category: 'error', importance: 0.5, tags: ['testing', 'flaky'] },
] as const;

export interface SeededDaemon {
  readonly t: TempHome;
  readonly env: NodeJS.ProcessEnv;
  readonly port: number;
  readonly base: string;
  /** Memory ids in SEEDED_MEMORIES order. */
  readonly memoryIds: string[];
  readonly repo: string;
  readonly taskId: string;
  readonly backupName: string;
  readonly valueText: string;
  readonly activeGoal: string;
  /** An MCP client connected to the daemon over HTTP (closed by stop). */
  readonly client: Client;
  cli(args: string[], cwd?: string): Promise<CliResult>;
  stop(): Promise<void>;
}

const VALUE = 'Flaky CI tests come from tests that share database state: isolate the test database per test';

export async function startSeededDaemon(): Promise<SeededDaemon> {
  const t = tempHome();
  const port = await freePort();
  const env = t.env({ ...GIT_ENV, CALM_SERVER_PORT: String(port), CALM_EMBEDDER: 'hash' });
  delete env.NODE_TEST_CONTEXT;
  const cli = async (args: string[], cwd?: string): Promise<CliResult> => {
    const r = await runCli(args, env, cwd === undefined ? {} : { cwd });
    if (r.code !== 0) throw new Error(`calm ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r;
  };
  const clients: Client[] = [];
  const stop = async (): Promise<void> => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await runCli(['server', 'stop'], env).catch(() => undefined);
    t.cleanup();
  };
  try {
    await cli(['init']);
    await cli(['server', 'start']);
    const base = `http://127.0.0.1:${port}`;
    const client = new Client({ name: 'dashboard-seed', version: '0.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`)));
    clients.push(client);

    const memoryIds: string[] = [];
    for (const m of SEEDED_MEMORIES) memoryIds.push(ok<{ id: string }>(await call(client, 'store_memory', { ...m, tags: [...m.tags] })).id);

    // 3 topics × 8 entries cluster into 3; two one-off entries are noise
    for (const e of dataset({ topics: 3, perTopic: 8, diffuse: 2, seed: 11 }).entries) {
      ok(await call(client, 'start_ghap', { domain: e.domain, strategy: e.strategy, goal: e.goal, hypothesis: e.hypothesis, action: e.action, prediction: e.prediction }));
      const resolve: Record<string, unknown> = { status: e.status, result: e.result };
      if (e.surprise !== undefined) resolve.surprise = e.surprise;
      if (e.root_cause !== undefined) resolve.root_cause = e.root_cause;
      if (e.lesson !== undefined) resolve.lesson = e.lesson;
      ok(await call(client, 'resolve_ghap', resolve));
    }
    const clusters = ok<{ clusters: { cluster_id: string }[] }>(await call(client, 'get_clusters', { axis: 'full' })).clusters;
    let flaky: string | undefined;
    for (const c of clusters) {
      const members = ok<{ members: { text: string }[] }>(await call(client, 'get_cluster_members', { cluster_id: c.cluster_id })).members;
      if (members.every((m) => /flaky|intermittent/i.test(m.text))) flaky = c.cluster_id;
    }
    if (flaky === undefined) throw new Error(`no cluster of flaky-test entries among ${JSON.stringify(clusters)}`);
    ok(await call(client, 'store_value', { text: VALUE, cluster_id: flaky, axis: 'full' }));
    const activeGoal = 'Make the dashboard screenshot test reliable';
    ok(await call(client, 'start_ghap', {
      domain: 'testing', strategy: 'check-assumptions', goal: activeGoal, hypothesis: 'Fonts load late', action: 'Use system fonts only', prediction: 'Same picture every run',
    }));
    ok(await call(client, 'update_ghap', { hypothesis: 'Fonts load late, and charts animate', note: 'animations are off already' }));

    const repo = makeRepo(join(t.root, 'tiny'), {
      'src/math.ts': 'export function add(a: number, b: number): number {\n  return a + b;\n}\n',
      'src/greet.py': 'def greet(name):\n    return f"hello {name}"\n',
      'README.md': '# tiny\n',
    }, 'trunk', env);
    writeFiles(repo, { 'src/math.ts': 'export function add(a: number, b: number): number {\n  return a + b;\n}\n\nexport const double = (x: number): number => add(x, x);\n' });
    commitAll(repo, 'double', env);
    writeFiles(repo, { 'src/math.ts': 'export function add(a: number, b: number): number {\n  return a + b;\n}\n\nexport const double = (x: number): number => x * 2;\n' });
    commitAll(repo, 'simpler double', { ...env, GIT_AUTHOR_NAME: 'Second Author', GIT_AUTHOR_EMAIL: 'second@example.invalid' });
    ok(await call(client, 'index_codebase', { directory: repo, project: 'tiny' }));
    ok(await call(client, 'index_commits', { repo_path: repo }));

    const taskId = 'SPEC-001';
    await cli(['task', 'create', taskId, 'Show the board in the dashboard'], repo);
    await cli(['review', 'record', taskId, 'spec', 'approved', '--worker', 'W-1'], repo);
    await cli(['worker', 'start', taskId, 'reviewer'], repo);

    const backup = json<{ name: string }>(await cli(['backup', 'create', '--json']));
    return { t, env, port, base, memoryIds, repo, taskId, backupName: backup.name, valueText: VALUE, activeGoal, client, cli, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
