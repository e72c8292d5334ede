/**
 * `calm demo`: a guided tour in a throwaway home. It runs the real services and a real MCP client
 * against a fresh database, prints each step, and removes the home afterwards (unless --keep).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { App } from '../app.js';
import { withApp } from './app-context.js';
import { codeTour } from './demo-code.js';

const MEMORIES = [
  { content: 'Run database migrations with `npm run db:migrate` before starting the API locally', category: 'workflow', importance: 0.8, tags: ['database', 'setup'] },
  { content: 'The staging database is reset every Sunday at 02:00 UTC', category: 'fact', importance: 0.7, tags: ['staging', 'database'] },
  { content: 'Prefer small pull requests that change one concern each', category: 'preference', importance: 0.6, tags: ['review'] },
  { content: 'Flaky login test was caused by a shared test user; each test now creates its own', category: 'error', importance: 0.9, tags: ['testing', 'auth'] },
  { content: 'Chose SQLite with sqlite-vec over a vector server so backups cover everything', category: 'decision', importance: 0.8, tags: ['architecture'] },
  { content: 'Deploys go out from the main branch through the release workflow on Thursdays', category: 'event', importance: 0.5, tags: ['deploy'] },
] as const;

const QUERIES: { query: string; mode: 'semantic' | 'keyword' | 'hybrid'; why: string }[] = [
  { query: 'why did the login test fail', mode: 'semantic', why: 'vector similarity of the whole query' },
  { query: 'staging database', mode: 'keyword', why: 'full-text (BM25) over every memory' },
  { query: 'how do I set up the database locally', mode: 'hybrid', why: 'both rankings fused (the words count as much as they cover the question)' },
];

const say = (line = ''): void => void process.stdout.write(`${line}\n`);
const step = (n: number, title: string): void => say(`\n── ${n}. ${title} ${'─'.repeat(Math.max(0, 60 - title.length))}`);
const short = (text: string, max = 72): string => (text.length > max ? `${text.slice(0, max - 3)}...` : text);

/** `workDir`: where the demo writes its sample project and repository, beside the home. */
async function tour(app: App, workDir: string): Promise<void> {
  step(1, 'A fresh calm home');
  const embedder = await app.embedder();
  say(`Home:      ${app.settings.paths.home} (throwaway; your own data is not touched)`);
  say(`Database:  ${app.settings.paths.database} — one SQLite file: records, vectors (sqlite-vec), keyword index (FTS5)`);
  say(`Embedder:  ${embedder.id} (${embedder.dim}-d)`);

  step(2, 'Store memories');
  const ids: string[] = [];
  for (const m of MEMORIES) {
    const stored = await app.memory.store({ ...m, tags: [...m.tags] });
    ids.push(stored.id);
    say(`stored ${stored.id.slice(0, 8)}  [${m.category}]  ${short(m.content, 60)}`);
  }

  step(3, 'Search them three ways');
  for (const q of QUERIES) {
    const found = await app.memory.retrieve({ query: q.query, search_mode: q.mode, limit: 3 });
    say(`${q.mode} "${q.query}" — ${q.why}`);
    for (const r of found.results) say(`   ${r.score.toFixed(3)}  ${short(r.content)}`);
    if (found.count === 0) say('   (no results)');
  }

  step(4, 'List, newest first, filtered');
  const page = await app.memory.list({ tags: ['database'], limit: 10 });
  say(`memories tagged "database": ${page.total}`);
  for (const r of page.results) say(`   ${r.created_at}  ${r.id.slice(0, 8)}  [${r.category}] importance ${r.importance}`);

  step(5, 'Delete one');
  const victim = ids[ids.length - 1]!;
  say(`delete ${victim.slice(0, 8)} → ${JSON.stringify(await app.memory.delete(victim))}`);
  say(`again          → ${JSON.stringify(await app.memory.delete(victim))}  (nothing left to delete, and calm says so)`);

  step(6, 'The GHAP learning loop: start → update → resolve');
  const started = await app.ghap.start({
    domain: 'testing', strategy: 'check-assumptions', goal: 'Fix the flaky login test in CI',
    hypothesis: 'Tests share one user account', action: 'Give each test its own user', prediction: 'The test passes 20 runs in a row',
  });
  say(`start   → ${JSON.stringify(started)}`);
  const revised = await app.ghap.update({ hypothesis: 'Tests share one user account and its session cookie', note: 'cookie jar is global' });
  say(`update  → ${JSON.stringify(revised)}  (a changed hypothesis is a new iteration)`);
  say(`resolve → ${JSON.stringify(await app.ghap.resolve({ status: 'confirmed', result: 'Passed 20 runs in a row', lesson: { what_worked: 'One user per test' } }))}`);
  const found = await app.experiences.searchExperiences({ query: 'flaky login test', limit: 1 });
  say(`the experience is now searchable: ${found.count} hit, "${short(found.results[0]?.goal ?? '', 50)}"`);

  step(7, 'Code, git history and context for a prompt');
  await codeTour(app, workDir, say);

  step(8, 'The same through MCP, as Claude Code sees it');
  const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
  const { InMemoryTransport } = await import('@modelcontextprotocol/sdk/inMemory.js');
  const { createServer } = await import('../mcp/server.js');
  const server = createServer(app, (m) => process.stderr.write(`${m}\n`));
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'calm-demo', version: '1.0.0' });
  await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
  try {
    const { tools } = await client.listTools();
    say(`tools: ${tools.map((t) => t.name).join(', ')}`);
    const result = await client.callTool({ name: 'retrieve_memories', arguments: { query: 'pull request size', limit: 1, search_mode: 'hybrid' } });
    const block = (result.content as { type: string; text?: string }[])[0];
    say(`retrieve_memories → ${short(block?.text ?? '', 160)}`);
  } finally {
    await client.close();
    await server.close();
  }

  step(9, "What Claude Code's UserPromptSubmit hook would inject");
  const { HookContextService } = await import('../services/hooks/hook-context.js');
  const { formatPromptContext } = await import('../hooks/user-prompt-submit.js');
  for (const prompt of ['the login test is flaky again', 'write a haiku about autumn']) {
    // the hook's own logic, run here against the demo home; ~/.claude is never read or written
    const injected = formatPromptContext(await new HookContextService(app).prompt(prompt));
    say(`prompt "${prompt}" →`);
    say(injected ? injected.split('\n').map((l) => `   ${l}`).join('\n') : '   (nothing relevant: the hook stays silent)');
  }
  say('`calm install` registers this hook and the others in ~/.claude/settings.json.');

  step(10, 'Health check');
  const { runDoctor } = await import('../services/doctor.js');
  const report = await runDoctor(app);
  for (const c of report.checks) say(`   [${c.status}] ${c.name}: ${c.detail}`);
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('A guided tour of calm in a throwaway home: store, search (3 modes), list, delete, GHAP loop, code and git, context, MCP, doctor')
    .option('--keep', 'keep the throwaway home afterwards and print its path')
    .action(async (opts: { keep?: boolean }) => {
      // the home and the demo's project and repository side by side: calm never indexes its own home
      const root = mkdtempSync(join(tmpdir(), 'calm-demo-'));
      const home = join(root, 'home');
      // the tour runs on the embedded default with the built-in embedder, so it needs no download
      const env: NodeJS.ProcessEnv = { ...process.env, CALM_HOME: home, CALM_EMBEDDER: 'hash', CALM_VECTOR_BACKEND: 'embedded' };
      try {
        say('calm demo: what calm does for a coding agent, step by step.');
        await withApp((app) => tour(app, root), {}, env);
        say('\nDone. Next: `calm init` to set up your own home, then `calm memory store "..." --category fact`.');
      } finally {
        if (opts.keep) say(`Kept the demo home at ${home} (CALM_HOME=${home} calm status)`);
        else rmSync(root, { recursive: true, force: true });
      }
    });
}
