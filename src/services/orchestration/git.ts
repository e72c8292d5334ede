/** @module Running git and reading its output. Every orchestration git call goes through here. */
import { execFile } from 'node:child_process';

export interface GitResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * git's environment: the caller's, minus variables that would point git at another repository
 * (set when calm runs inside a git hook), with messages in English so CONFLICT lines parse.
 */
function gitEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C', LANG: 'C', GIT_TERMINAL_PROMPT: '0' };
  for (const k of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_COMMON_DIR', 'GIT_PREFIX']) delete env[k];
  return env;
}

/** Runs git in `cwd`; never throws for a non-zero exit (callers read the code and git's own output). */
export function git(cwd: string, args: readonly string[]): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, env: gitEnv(), maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(error); // git missing or cwd gone: not a git answer
        return;
      }
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

/** Runs git and returns trimmed stdout, or undefined when git exits non-zero. */
export async function gitOut(cwd: string, args: readonly string[]): Promise<string | undefined> {
  const r = await git(cwd, args).catch(() => undefined);
  return r && r.code === 0 ? r.stdout.trim() : undefined;
}

/** The first line of git's complaint, for error messages. */
export function gitError(r: GitResult): string {
  const text = (r.stderr.trim() || r.stdout.trim()).split('\n').filter((l) => l.trim() && !l.startsWith('hint:'));
  return text.join(' ').slice(0, 400) || `git exited with ${r.code}`;
}
