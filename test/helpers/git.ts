/**
 * Temporary git repositories for orchestration tests. Identity is set in the repository itself and
 * git never reads a global or system config (HOME is the test's temp home anyway).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const GIT_ENV = { GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };

export function gitIn(cwd: string, args: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync('git', args, { cwd, env: { ...env, ...GIT_ENV }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

export function writeFiles(root: string, files: Record<string, string>): void {
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), content);
  }
}

/** A repository at `dir` on `branch` with one commit holding `files`. */
export function makeRepo(dir: string, files: Record<string, string>, branch = 'trunk', env: NodeJS.ProcessEnv = process.env): string {
  mkdirSync(dir, { recursive: true });
  gitIn(dir, ['init', '-q', '-b', branch], env);
  gitIn(dir, ['config', 'user.name', 'Calm Test'], env);
  gitIn(dir, ['config', 'user.email', 'calm-test@example.invalid'], env);
  gitIn(dir, ['config', 'commit.gpgsign', 'false'], env);
  writeFiles(dir, files);
  commitAll(dir, 'initial commit', env);
  return dir;
}

export function commitAll(dir: string, message: string, env: NodeJS.ProcessEnv = process.env): string {
  gitIn(dir, ['add', '-A'], env);
  gitIn(dir, ['commit', '-q', '-m', message], env);
  return gitIn(dir, ['rev-parse', 'HEAD'], env);
}
