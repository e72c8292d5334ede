/**
 * Every test gets its own HOME and CALM_HOME under the system temp dir, so nothing ever touches the
 * real home directory, and each child process gets exactly the environment the test chose.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config.js';
import { createApp, type App } from '../../src/app.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(REPO_ROOT, 'dist', 'cli', 'bin.js');

export interface TempHome {
  readonly root: string;
  readonly home: string;
  readonly calmHome: string;
  /** Environment for child processes: the parent's PATH etc., with HOME and CALM_HOME replaced and CALM_* cleared. */
  env(extra?: Record<string, string>): NodeJS.ProcessEnv;
  app(extra?: Record<string, string>): App;
  cleanup(): void;
}

export function tempHome(): TempHome {
  const root = mkdtempSync(join(tmpdir(), 'calm-test-'));
  const home = join(root, 'home');
  const calmHome = join(root, 'calm');
  const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => {
    const base: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('CALM_')) base[k] = v;
    // downloads off unless a test asks: no test may reach for the network; `calm init` picks hash, not the
    // 512-d sentence encoder, unless a test asks (tests stay fast and deterministic)
    // the test file's name travels with every process it starts: scripts/run-tests.mjs names it when one outlives the run
    const file = process.argv[1] ? relative(REPO_ROOT, process.argv[1]) : 'unknown';
    return { ...base, HOME: home, CALM_HOME: calmHome, CALM_MODEL_DOWNLOAD: 'false', CALM_OFFLINE_EMBEDDER: 'hash', TEST_RUN_CALM_FILE: file, ...extra };
  };
  return {
    root,
    home,
    calmHome,
    env,
    app: (extra) => createApp(loadConfig(env(extra))),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(args: readonly string[], env: NodeJS.ProcessEnv, options: { input?: string; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, cwd: options.cwd ?? REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

export function json<T = Record<string, unknown>>(r: CliResult): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`expected JSON on stdout (exit ${r.code}):\n${r.stdout}\n--- stderr ---\n${r.stderr}`);
  }
}
