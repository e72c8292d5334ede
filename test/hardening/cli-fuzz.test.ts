/**
 * Hostile arguments to every CLI command, run as the real binary (dist/cli/bin.js) in a child process.
 * The command list is walked from the real commander program, so a new command or option is covered
 * without touching this file. Every call must exit 0, 1 or 2 (never a signal, a crash or a hang), a
 * refused call must say why in a readable line (no stack trace, no "unexpected failure"), and a refused
 * call must leave the store byte-identical (digest of every table before and after).
 *
 * argv cannot carry NUL or more than 128 KB per argument, so those are trimmed; absolute paths are
 * moved under the test's folder (the tests may run as root: `export -o /etc/passwd` would obey).
 * Path escapes are covered by test/security/path-confinement.test.ts, with decoys outside the store.
 * CALM_FUZZ_RUNS (default 1) sets the calls per command.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { Command, Option } from 'commander';
import { buildProgram } from '../../src/cli/main.js';
import { seedEverything } from '../helpers/backup-seed.js';
import { makeRepo } from '../helpers/git.js';
import { CLI, runCli, tempHome, type TempHome } from '../helpers/home.js';
import { fuzzRuns, fuzzSeed, hostileString, STACK_TRACE } from '../helpers/hostile.js';
import { freePort } from '../helpers/net.js';
import { changedTables, tableDigests } from '../helpers/store-digest.js';
import Database from 'better-sqlite3';

// one call per command in CI (about 1 s each on 2 shared cores); CALM_FUZZ_RUNS=2 passed locally (198 calls)
const RUNS = fuzzRuns(1);
/** Commands that serve until stopped: a well-formed call is ended by the test, not a hang. */
const SERVES = new Set(['server start', 'server restart', 'mcp']);
const CALL_TIMEOUT_MS = 30_000;
const SERVE_TIMEOUT_MS = 8_000;

interface Leaf {
  readonly name: string;
  readonly path: readonly string[];
  readonly args: readonly { name: string; required: boolean; variadic: boolean }[];
  readonly options: readonly Option[];
}

function leaves(cmd: Command, path: string[] = []): Leaf[] {
  if (cmd.commands.length > 0) return cmd.commands.flatMap((c) => leaves(c, [...path, c.name()]));
  return [{
    name: path.join(' '),
    path,
    args: cmd.registeredArguments.map((a) => ({ name: a.name(), required: a.required, variadic: a.variadic })),
    options: cmd.options.filter((o) => !o.hidden),
  }];
}

/** What argv can carry: no NUL, at most 64 KB; absolute paths rebased under `sandbox`. */
function argvSafe(s: string, sandbox: string): string {
  let out = s.replace(/\0/g, '');
  if (Buffer.byteLength(out) > 64 * 1024) out = out.slice(0, 16 * 1024);
  if (out.startsWith('/')) out = join(sandbox, out);
  return out;
}

interface Call {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

function runBounded(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number, cwd: string): Promise<Call> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, cwd, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
    child.stdin.end('');
  });
}

interface Worker {
  readonly t: TempHome;
  readonly cwd: string;
  readonly sandbox: string;
  readonly env: NodeJS.ProcessEnv;
}

describe('hardening: hostile arguments to every CLI command (real binary)', () => {
  const workers: Worker[] = [];
  const commands = leaves(buildProgram('0.0.0'));
  const tally = { tried: 0, ok: 0, usage: 0, failure: 0, served: 0, reinit: 0 };
  const problems: string[] = [];

  async function initialise(w: Worker): Promise<void> {
    const init = await runCli(['init', '--json'], w.env, { cwd: w.cwd });
    assert.equal(init.code, 0, init.stderr);
    const { createApp } = await import('../../src/app.js');
    const { loadConfig } = await import('../../src/config.js');
    const app = createApp(loadConfig(w.env));
    try {
      await seedEverything(app, 2);
    } finally {
      await app.close();
    }
  }

  before(async () => {
    for (let i = 0; i < 2; i++) {
      const t = tempHome();
      mkdirSync(t.home, { recursive: true });
      // deep enough that `../../../../../../etc/passwd` from the working directory stays in the test's folder
      const cwd = makeRepo(join(t.root, 'a/b/c/d/e/f/g/repo'), { 'src/a.ts': 'export const a = 1;\n', 'README.md': '# r\n' });
      const env = t.env({ CALM_SERVER_PORT: String(await freePort()) });
      const w = { t, cwd, sandbox: join(t.root, 'abs'), env };
      await initialise(w);
      workers.push(w);
    }
  });

  after(async () => {
    for (const w of workers) {
      await runCli(['server', 'stop'], w.env, { cwd: w.cwd }); // a fuzzed `server start` or `install` may have started one
      w.t.cleanup();
    }
    console.log(`# cli fuzz (${commands.length} commands, ${RUNS} runs each, seed ${fuzzSeed()}): ${tally.tried} calls, ${tally.ok} ok, ` +
      `${tally.usage} usage errors (exit 2), ${tally.failure} failures (exit 1), ${tally.served} served until stopped, ` +
      `${tally.reinit} homes re-initialised after a destructive success; problems: ${problems.length}`);
  });

  test('the walk finds every command group', () => {
    assert.ok(commands.length >= 90, `only ${commands.length} commands`);
    for (const name of ['memory store', 'backup restore', 'index code', 'git history', 'uninstall', 'hook']) {
      assert.ok(commands.some((c) => c.name === name), name);
    }
  });

  function argvFor(cmd: Leaf, sandbox: string): fc.Arbitrary<string[]> {
    const plausible: Record<string, readonly string[]> = {
      id: ['memory-0', 'S-1'], 'task-id': ['SPEC-001', 'BUG-001'], 'worker-id': ['W-1'], 'session-id': ['S-1'], 'entry-id': ['J-1'],
      cluster: ['full_0'], name: ['merges_since_e2e', 'nightly'], dir: ['.', 'src'], path: ['src/a.ts', 'README.md'], query: ['backups'],
      event: ['session-start', 'user-prompt-submit'], role: ['backend'], prefix: ['SPEC'], type: ['spec'], result: ['approved'],
    };
    const str = (name: string): fc.Arbitrary<string> => {
      const known = plausible[name];
      const wild = fc.oneof(hostileString(), fc.string({ maxLength: 20 }));
      return (known ? fc.oneof(fc.constantFrom(...known), wild) : wild).map((s) => argvSafe(s, sandbox));
    };
    const positional = fc.tuple(...cmd.args.map((a) => fc.option(str(a.name), { nil: undefined, freq: a.required ? 8 : 2 })), fc.array(str('extra'), { maxLength: 1 }));
    const option = (o: Option): fc.Arbitrary<string[]> => {
      const flag = o.long ?? o.short!;
      if (!o.required && !o.optional) return fc.constant([flag]);
      const valueName = /<([^>]+)>/.exec(o.flags)?.[1] ?? 'value';
      return str(valueName).map((v) => [flag, v]);
    };
    const options: fc.Arbitrary<string[][]> = fc
      .subarray(cmd.options.map(option))
      .chain((arbs) => (arbs.length ? (fc.tuple(...arbs) as fc.Arbitrary<string[][]>) : fc.constant<string[][]>([])));
    const junk = fc.array(fc.constantFrom('--no-such-option', '-Z', '--json=yes', '--', '--limit', '-'), { maxLength: 1 });
    return fc.tuple(positional, options, junk).map(([pos, opts, extra]) => [
      ...cmd.path,
      ...(pos.slice(0, -1) as (string | undefined)[]).filter((p): p is string => p !== undefined),
      ...(pos[pos.length - 1] as string[]),
      ...opts.flat(),
      ...extra,
    ]);
  }

  function digest(w: Worker): Record<string, string> | undefined {
    const file = join(w.t.calmHome, 'metadata.db');
    if (!existsSync(file)) return undefined;
    const db = new Database(file, { fileMustExist: true });
    try {
      return tableDigests(db);
    } finally {
      db.close();
    }
  }

  async function fuzzCommand(cmd: Leaf, w: Worker): Promise<void> {
    await fc.assert(
      fc.asyncProperty(argvFor(cmd, w.sandbox), async (argv) => {
        const before = digest(w);
        const r = await runBounded(argv, w.env, SERVES.has(cmd.name) ? SERVE_TIMEOUT_MS : CALL_TIMEOUT_MS, w.cwd);
        tally.tried++;
        const shown = JSON.stringify(argv.map((a) => (a.length > 60 ? `<${a.length} chars>` : a)));
        const out = `${r.stdout}\n${r.stderr}`;
        if (STACK_TRACE.test(out)) throw new Error(`${shown}: stack trace printed: ${out.slice(0, 400)}`);
        if (r.timedOut || r.signal) {
          if (SERVES.has(cmd.name) && r.timedOut) {
            tally.served++;
            return;
          }
          throw new Error(`${shown}: ${r.timedOut ? `no exit within ${CALL_TIMEOUT_MS} ms` : `killed by ${r.signal}`}`);
        }
        if (r.code === 0) {
          tally.ok++;
          if (!existsSync(join(w.t.calmHome, 'metadata.db'))) {
            tally.reinit++; // `uninstall --remove-data -y` did what it says; the next calls need a store
            await initialise(w);
          }
          return;
        }
        if (r.code !== 1 && r.code !== 2) throw new Error(`${shown}: exit ${r.code}: ${out.slice(0, 300)}`);
        tally[r.code === 2 ? 'usage' : 'failure']++;
        if (cmd.name !== 'hook' && !/\S/.test(r.stderr)) throw new Error(`${shown}: exit ${r.code} without a message`);
        if (/unexpected failure|Internal server error/.test(out)) throw new Error(`${shown}: internal error: ${out.slice(0, 300)}`);
        const after = digest(w);
        if (before && after) {
          const changed = changedTables(before, after);
          if (changed.length > 0) throw new Error(`${shown}: exit ${r.code} (${r.stderr.trim().slice(0, 160)}) but changed ${changed.join(', ')}`);
        }
      }),
      { numRuns: RUNS, seed: fuzzSeed(), endOnFailure: true },
    ).catch((e: unknown) => problems.push(`${cmd.name}: ${(e as Error).message.split('\n').slice(0, 4).join('\n')}`));
  }

  test('every command: exit 0/1/2, a readable message, no stack trace, store unchanged when refused', async () => {
    // two homes in parallel, each command on one of them (the digests compare one home's own calls)
    const queues = workers.map((w, i) => commands.filter((_c, j) => j % workers.length === i).map((c) => [c, w] as const));
    await Promise.all(queues.map(async (queue) => {
      for (const [cmd, w] of queue) await fuzzCommand(cmd, w);
    }));
    assert.deepEqual(problems, []);
  });
});
