/**
 * @module Hook latency: `calm hook <event>` from process start to exit, as Claude Code runs it (the
 * built CLI, a realistic payload on stdin), with the daemon up and down, against `node -e ""` started
 * the same way (the interpreter's own start-up, which no hook can avoid).
 *
 *   node --import tsx bench/hooks.ts            40 runs per case, 300 memories
 *   node --import tsx bench/hooks.ts --quick    12 runs per case
 *
 * CALM's target was < 100 ms per hook beyond interpreter start.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { freePort } from '../test/helpers/net.js';
import { record } from './report.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(ROOT, 'dist', 'cli', 'bin.js');
const quick = process.argv.includes('--quick');
const RUNS = quick ? 12 : 40;
const MEMORIES = 300;
const WORDS = ('database migration deploy staging login test flaky cache index query review branch merge release ' +
  'config token secret docker build lint type error timeout retry queue worker schema backup restore vector').split(' ');

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

interface Timing {
  p50: number;
  p95: number;
  /** `node -e ""` runs interleaved with these, so load on the machine affects both alike. */
  base50: number;
}

function run(args: string[], input: string, env: NodeJS.ProcessEnv): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { input, env, encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

function measure(args: string[], input: string, env: NodeJS.ProcessEnv): Timing {
  const samples: number[] = [];
  const base: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    base.push(run(['-e', ''], '', env));
    samples.push(run(args, input, env));
  }
  samples.sort((a, b) => a - b);
  base.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p95: percentile(samples, 95), base50: percentile(base, 50) };
}

const root = mkdtempSync(join(tmpdir(), 'calm-bench-hooks-'));
const env: NodeJS.ProcessEnv = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CALM_'))),
  HOME: join(root, 'home'), CALM_HOME: join(root, 'calm'), CALM_EMBEDDER: 'hash', CALM_MODEL_DOWNLOAD: 'false',
  CALM_SERVER_PORT: String(await freePort()),
};
try {
  const app = createApp(loadConfig(env));
  for (let i = 0; i < MEMORIES; i++) {
    const words = Array.from({ length: 12 }, (_, k) => WORDS[(i * 7 + k * 3) % WORDS.length]).join(' ');
    await app.memory.store({ content: `Note ${i}: ${words}`, category: 'fact' });
  }
  await app.ghap.start({
    domain: 'testing', strategy: 'check-assumptions', goal: 'Fix the flaky login test', hypothesis: 'Tests share one user',
    action: 'One user per test', prediction: 'The login test passes',
  });
  await app.close();

  const base = { session_id: 'bench', transcript_path: '/tmp/t.jsonl', cwd: root, permission_mode: 'default' };
  const cases: [string, string, unknown][] = [
    ['session-start', 'SessionStart', { ...base, hook_event_name: 'SessionStart', source: 'resume' }],
    ['user-prompt-submit', 'UserPromptSubmit', { ...base, hook_event_name: 'UserPromptSubmit', prompt: 'why is the login test flaky after the database migration?' }],
    ['pre-tool-use', 'PreToolUse', { ...base, hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'ls' } }],
    ['post-tool-use', 'PostToolUse', { ...base, hook_event_name: 'PostToolUse', tool_name: 'Bash', tool_input: { command: 'pytest -q' }, tool_response: { stdout: '....F\n1 failed, 4 passed in 0.2s\n', stderr: '' } }],
  ];

  spawnSync(process.execPath, [CLI, 'hook', 'user-prompt-submit'], { input: '{}', env }); // warm the file cache and the settings cache
  console.log(`hooks: ${RUNS} runs per case, ${MEMORIES} memories, active GHAP; process start to exit (ms)`);
  console.log('each case alternates with `node -e ""` runs (its p50 is "node"), so the ratio holds under varying load\n');
  console.log(`${'event'.padEnd(20)}${'daemon'.padEnd(8)}${'p50'.padStart(8)}${'p95'.padStart(8)}${'node'.padStart(8)}${'p50 ×node'.padStart(11)}${'beyond node'.padStart(13)}`);
  const row = (name: string, daemon: string, r: Timing): void => {
    process.env.CALM_BENCH_REPORT_QUIET = '1';
    record({ group: 'hooks', name: `calm hook ${name}, daemon ${daemon}`, value: r.p50, floor: r.base50, floorName: 'node -e "" (p50, alternated)', unit: 'ms' });
    console.log(`${name.padEnd(20)}${daemon.padEnd(8)}${r.p50.toFixed(1).padStart(8)}${r.p95.toFixed(1).padStart(8)}${r.base50.toFixed(1).padStart(8)}${(r.p50 / r.base50).toFixed(2).padStart(11)}${(r.p50 - r.base50).toFixed(1).padStart(10)} ms`);
  };

  // daemon down: SessionStart would start one; keep it down by measuring the others first
  for (const [arg, , payload] of cases.slice(1)) row(arg, 'down', measure([CLI, 'hook', arg], JSON.stringify(payload), env));
  const started = spawnSync(process.execPath, [CLI, 'server', 'start'], { env, encoding: 'utf8' });
  if (started.status !== 0) throw new Error(`server start failed: ${started.stderr}`);
  try {
    for (const [arg, , payload] of cases) row(arg, 'up', measure([CLI, 'hook', arg], JSON.stringify(payload), env));
  } finally {
    spawnSync(process.execPath, [CLI, 'server', 'stop'], { env });
  }
  // SessionStart with the daemon down starts it, so its "down" figure is taken last
  // a port held here: the daemon SessionStart starts exits at once, so every run finds no daemon
  const blocker = createServer().listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  const blocked = String((blocker.address() as AddressInfo).port);
  const down = measure([CLI, 'hook', 'session-start'], JSON.stringify(cases[0]![2]), { ...env, CALM_SERVER_PORT: blocked });
  await new Promise((r) => setTimeout(r, 1500));
  blocker.close();
  row('session-start', 'down*', down);
  console.log('\n* SessionStart "down": its port is taken, so the daemon it starts (once per 15 s) exits and it reads the database itself.');
  console.log('  pre-tool-use: 9 calls in 10 only count (no database, no daemon); the 10th asks for the active GHAP (see p95).');
} finally {
  spawnSync(process.execPath, [CLI, 'server', 'stop'], { env });
  rmSync(root, { recursive: true, force: true });
}
