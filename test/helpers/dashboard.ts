/**
 * A real calm daemon (`calm server start` on a free port, temp HOME and CALM_HOME) for the dashboard's
 * tests, and seed data put in through the real CLI and a real MCP client over HTTP: memories, resolved
 * GHAP entries about three topics (enough to cluster), a value, a git repository with code indexed and
 * commits by two authors, and a task with a review and a worker. The page's browser tests reuse it.
 */
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { dataset } from '../fixtures/experiences.js';
import { commitAll, gitIn, makeRepo, writeFiles } from './git.js';
import { type CliResult, json, runCli, tempHome, type TempHome } from './home.js';
import { call, ok } from './mcp.js';
import { freePort } from './net.js';

export interface ApiResponse<T = Record<string, unknown>> {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  readonly body: T;
}

export interface RequestOptions {
  /** Sent as JSON unless `raw` is given. */
  readonly body?: unknown;
  /** A body sent as it is (e.g. broken JSON). */
  readonly raw?: string;
  readonly headers?: Record<string, string>;
  /** Leave the daemon's token out (to test that it is required). */
  readonly noToken?: boolean;
}

export interface DashboardDaemon {
  readonly t: TempHome;
  readonly env: NodeJS.ProcessEnv;
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly base: string;
  readonly token: string | undefined;
  cli(args: readonly string[], options?: { cwd?: string }): Promise<CliResult>;
  /** One HTTP request through node:http (so Host and Origin can be set), with the token unless `noToken`. */
  request<T = Record<string, unknown>>(method: string, path: string, options?: RequestOptions): Promise<ApiResponse<T>>;
  /** An MCP client connected to the daemon over Streamable HTTP. */
  mcp(): Promise<Client>;
  stop(): Promise<void>;
}

export async function startDashboardDaemon(options: { token?: string } = {}): Promise<DashboardDaemon> {
  const t = tempHome();
  const port = await freePort();
  const env = t.env({ CALM_SERVER_PORT: String(port), ...(options.token ? { CALM_AUTH_TOKEN: options.token } : {}) });
  const base = `http://127.0.0.1:${port}`;
  const clients: Client[] = [];
  const cli = (args: readonly string[], o: { cwd?: string } = {}): Promise<CliResult> => runCli(args, env, o.cwd ? { cwd: o.cwd } : {});
  const must = async (args: readonly string[], o: { cwd?: string } = {}): Promise<CliResult> => {
    const r = await cli(args, o);
    if (r.code !== 0) throw new Error(`calm ${args.join(' ')} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
    return r;
  };
  await must(['init']);
  await must(['server', 'start']);
  const daemon: DashboardDaemon = {
    t,
    env,
    port,
    base,
    token: options.token,
    cli,
    request: <T>(method: string, path: string, o: RequestOptions = {}) =>
      new Promise<ApiResponse<T>>((resolve, reject) => {
        const payload = o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body));
        const headers: Record<string, string> = {
          ...(payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }),
          ...(options.token && !o.noToken ? { authorization: `Bearer ${options.token}` } : {}),
          ...o.headers,
        };
        const req = httpRequest(`${base}${path}`, { method, headers, timeout: 30_000 }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let body: unknown;
            try {
              body = JSON.parse(text);
            } catch {
              body = undefined;
            }
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: body as T });
          });
          res.on('error', reject);
        });
        req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in 30 s`)));
        req.on('error', reject);
        req.end(payload);
      }),
    async mcp() {
      const client = new Client({ name: 'dashboard-test', version: '0.0.0' });
      const headers = options.token ? { Authorization: `Bearer ${options.token}` } : undefined;
      await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`), headers ? { requestInit: { headers } } : {}));
      clients.push(client);
      return client;
    },
    async stop() {
      for (const c of clients) await c.close().catch(() => undefined);
      await cli(['server', 'stop']).catch(() => undefined);
      t.cleanup();
    },
  };
  return daemon;
}

/** Three memories a search must tell apart, by content, category, tags and importance. */
export const SEEDED_MEMORIES = {
  deploy: { content: 'The deploy pipeline ships blue-green releases to the Kubernetes cluster', category: 'workflow', importance: 0.9, tags: ['deploy', 'k8s'] },
  tabs: { content: 'The user prefers tabs over spaces when formatting Go source files', category: 'preference', importance: 0.3, tags: ['style'] },
  wal: { content: 'SQLite WAL mode lets readers continue while a single writer commits', category: 'fact', importance: 0.6, tags: ['sqlite', 'storage'] },
} as const;
export type SeededMemory = keyof typeof SEEDED_MEMORIES;

export const SEEDED_VALUE = 'Flaky CI tests come from tests that share database state: isolate the test database per test';

export interface Seeded {
  /** Memory id by SEEDED_MEMORIES key. */
  readonly memories: Record<SeededMemory, string>;
  /** Ids of `filler` memories stored after the three above (a page of the list), newest last. */
  readonly filler: string[];
  readonly ghapIds: string[];
  /** The cluster (axis full) holding the flaky-tests entries, and the value stored on it. */
  readonly valueClusterId: string;
  readonly valueId: string;
  /** A git repository, its code indexed as project `dash-demo` and its commits indexed. */
  readonly repo: string;
  readonly taskId: string;
  readonly workerId: string;
}

/**
 * Seeds a running daemon. Memories go through `calm memory store` (the three named ones) and MCP
 * `store_memory` (the filler); GHAP entries, the value through MCP; code, commits, the task, its review and
 * worker through the CLI.
 */
export async function seedDashboard(d: DashboardDaemon, options: { filler?: number } = {}): Promise<Seeded> {
  const must = async (args: readonly string[], cwd?: string): Promise<CliResult> => {
    const r = await d.cli(args, cwd ? { cwd } : {});
    if (r.code !== 0) throw new Error(`calm ${args.join(' ')} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
    return r;
  };
  const memories = {} as Record<SeededMemory, string>;
  for (const [key, m] of Object.entries(SEEDED_MEMORIES) as [SeededMemory, (typeof SEEDED_MEMORIES)[SeededMemory]][]) {
    const r = await must(['memory', 'store', m.content, '-c', m.category, '-i', String(m.importance), '-t', m.tags.join(','), '--global', '--json']);
    memories[key] = json<{ id: string }>(r).id;
  }

  const client = await d.mcp();
  const filler: string[] = [];
  for (let i = 0; i < (options.filler ?? 0); i++) {
    const r = ok<{ id: string }>(await call(client, 'store_memory', {
      content: `Filler note number ${i} about the weekly status meeting`, category: 'event', importance: 0.1, tags: ['filler'], allow_duplicate: true, global: true,
    }));
    filler.push(r.id);
  }

  const ghapIds: string[] = [];
  const topicOf = new Map<string, string | null>();
  for (const e of dataset({ topics: 3, perTopic: 9, diffuse: 6, seed: 11 }).entries) {
    const { id } = ok<{ id: string }>(await call(client, 'start_ghap', {
      domain: e.domain, strategy: e.strategy, goal: e.goal, hypothesis: e.hypothesis, action: e.action, prediction: e.prediction,
    }));
    ok(await call(client, 'resolve_ghap', { status: e.status, result: e.result, ...(e.lesson ? { lesson: e.lesson } : {}) }));
    ghapIds.push(id);
    topicOf.set(id, e.topic);
  }
  const clusters = ok<{ clusters: { cluster_id: string }[] }>(await call(client, 'get_clusters', { axis: 'full' }));
  let valueClusterId: string | undefined;
  for (const c of clusters.clusters) {
    const members = ok<{ members: { id: string }[] }>(await call(client, 'get_cluster_members', { cluster_id: c.cluster_id, limit: 100 }));
    if (members.members.every((m) => topicOf.get(m.id) === 'flaky-tests')) valueClusterId = c.cluster_id;
  }
  if (valueClusterId === undefined) throw new Error('no cluster holds only the flaky-tests entries');
  const value = ok<{ id: string }>(await call(client, 'store_value', { text: SEEDED_VALUE, cluster_id: valueClusterId, axis: 'full' }));

  const repo = join(d.t.root, 'dash-demo');
  makeRepo(repo, {
    'src/deploy.ts': 'export function deploy(target: string): string {\n  return `deploying ${target}`;\n}\n',
    'tools/report.py': 'def report(rows):\n    """Summarise rows."""\n    return len(rows)\n',
  }, 'trunk', d.env);
  for (let i = 1; i <= 3; i++) {
    writeFiles(repo, { 'src/deploy.ts': `export function deploy(target: string): string {\n  return \`deploying ${'$'}{target} v${i}\`;\n}\n` });
    commitAll(repo, `deploy: version ${i}`, d.env);
  }
  gitIn(repo, ['config', 'user.name', 'Second Author'], d.env);
  gitIn(repo, ['config', 'user.email', 'second@example.invalid'], d.env);
  writeFiles(repo, { 'src/deploy.ts': 'export function deploy(target: string): string {\n  return `deploying ${target} safely`;\n}\n' });
  commitAll(repo, 'deploy: safer', d.env);
  await must(['index', 'code', repo, '--project', 'dash-demo']);
  await must(['index', 'commits', '--repo', repo]);

  const taskId = 'SPEC-001';
  await must(['task', 'create', taskId, 'Dashboard for calm', '--json'], repo);
  await must(['review', 'record', taskId, 'spec', 'approved', '--notes', 'clear spec'], repo);
  const worker = json<{ id: string }>(await must(['worker', 'start', taskId, 'backend', '--json'], repo));

  return { memories, filler, ghapIds, valueClusterId, valueId: value.id, repo, taskId, workerId: worker.id };
}
