/** @module Running a project's own commands (tests, lint, typecheck) with a time limit. */
import { spawn } from 'node:child_process';

export interface CommandRun {
  readonly command: string;
  readonly exitCode: number | null;
  readonly output: string;
  readonly timedOut: boolean;
  readonly durationSeconds: number;
}

const MAX_OUTPUT = 4 * 1024 * 1024;

/**
 * Runs `command` through the shell in `cwd`. The command gets its own process group, so a timeout
 * stops the whole tree (test runners fork workers), not only the shell.
 */
export function runShell(command: string, cwd: string, timeoutSeconds: number, env: NodeJS.ProcessEnv = process.env): Promise<CommandRun> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let timedOut = false;
    const append = (d: Buffer): void => {
      if (output.length < MAX_OUTPUT) output += d.toString();
    };
    child.stdout.on('data', append);
    child.stderr.on('data', append);
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutSeconds * 1000);
    const finish = (exitCode: number | null, extra = ''): void => {
      clearTimeout(timer);
      resolve({ command, exitCode, output: output + extra, timedOut, durationSeconds: (performance.now() - started) / 1000 });
    };
    child.on('error', (e) => finish(null, `\n${e.message}`));
    child.on('close', (code) => finish(timedOut ? null : code));
  });
}
