/**
 * @module The daemon's process management: PID file, liveness, start (detached, logging to the log
 * file, waiting until `/health` answers) and stop (SIGTERM, then SIGKILL). No HTTP serving here: the
 * daemon is `calm server start --foreground` in a child process, which writes its own PID file once it
 * listens and removes it on exit.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { CalmError } from '../errors.js';
import { writeFileAtomic } from '../fs-atomic.js';
import type { DaemonSettings } from './settings.js';

export interface DaemonStatus {
  readonly running: boolean;
  readonly pid?: number;
  /** A PID file was found that names no live calm server; it has been removed. */
  readonly stale?: boolean;
}

export interface StartResult {
  readonly alreadyRunning: boolean;
  readonly pid: number;
}

export interface StopResult {
  readonly wasRunning: boolean;
  readonly pid?: number;
}

const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 5_000;
const POLL_MS = 100;
const LOG_TAIL_LINES = 15;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The host clients use: a wildcard bind address is reached through loopback; IPv6 literals get brackets. */
export function clientHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** `http://host:port`, without a path. */
export function daemonBaseUrl(config: Pick<DaemonSettings, 'serverHost' | 'serverPort'>): string {
  return `http://${clientHost(config.serverHost)}:${config.serverPort}`;
}

export function daemonMcpUrl(config: Pick<DaemonSettings, 'serverHost' | 'serverPort'>): string {
  return `${daemonBaseUrl(config)}/mcp`;
}

/** The PID in the file, or undefined when the file is missing, empty or not a positive integer. */
export function readPidFile(pidFile: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(pidFile, 'utf8').trim();
  } catch {
    return undefined;
  }
  if (!/^\d+$/.test(text)) return undefined;
  const pid = Number(text);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

/** Written atomically (temp file + rename), mode 0600. */
export function writePidFile(pidFile: string, pid: number): void {
  writeFileAtomic(pidFile, `${pid}\n`);
}

/**
 * Records a server just spawned, before it has loaded anything: a `calm server stop` or `calm
 * uninstall` in the next moment finds it and stops it, instead of missing it and leaving it to run.
 * Never over the file of a live server (that one stays the server; the new child sees it and exits).
 */
export function claimPidFile(pidFile: string, pid: number): boolean {
  const current = readPidFile(pidFile);
  if (current !== undefined && current !== pid && isProcessAlive(current) && looksLikeCalmServer(current)) return false;
  writePidFile(pidFile, pid);
  return true;
}

/** Removes the PID file only if it still names `pid`: a newer server's file is left alone. */
export function removePidFileIfOwn(pidFile: string, pid: number): void {
  if (readPidFile(pidFile) === pid) removeQuietly(pidFile);
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

/** `kill(pid, 0)`, treating zombies (exited, not yet reaped) as dead. EPERM means it exists. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (process.platform === 'linux') {
    try {
      // the state follows the parenthesised command name: "123 (node) Z ..."
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state === 'Z' || state === 'X') return false;
    } catch {
      // no /proc entry readable: trust kill()
    }
  }
  return true;
}

/**
 * On Linux, a live PID whose command line has no `server` argument is not a calm server: the PID was
 * reused after the server died without removing its file (a crash, a reboot). Elsewhere, trust kill().
 */
function looksLikeCalmServer(pid: number): boolean {
  if (process.platform !== 'linux') return true;
  let cmdline: string;
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return true;
  }
  return cmdline.split('\0').includes('server');
}

/** Running = the PID file parses and names a live calm server. Anything else found there is stale and removed. */
export function daemonStatus(config: { readonly paths: Pick<DaemonSettings['paths'], 'pidFile'> }): DaemonStatus {
  const file = config.paths.pidFile;
  if (!existsSync(file)) return { running: false };
  const pid = readPidFile(file);
  if (pid !== undefined && isProcessAlive(pid) && looksLikeCalmServer(pid)) return { running: true, pid };
  removeQuietly(file);
  return pid === undefined ? { running: false, stale: true } : { running: false, pid, stale: true };
}

/** True when `GET /health` answers 200 with `status: healthy` within `timeoutMs`. */
export function probeHealth(baseUrl: string, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (ok: boolean): void => {
      if (!done) {
        done = true;
        resolve(ok);
      }
    };
    const req = request(`${baseUrl}/health`, { method: 'GET', timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < 64 * 1024) body += chunk;
      });
      res.on('end', () => {
        try {
          finish(res.statusCode === 200 && (JSON.parse(body) as { status?: unknown }).status === 'healthy');
        } catch {
          finish(false);
        }
      });
      res.on('error', () => finish(false));
    });
    req.on('timeout', () => {
      req.destroy();
      finish(false);
    });
    req.on('error', () => finish(false));
    req.end();
  });
}

function logTail(logFile: string, fromByte: number): string {
  let text = '';
  try {
    text = readFileSync(logFile).subarray(fromByte).toString('utf8');
  } catch {
    return '';
  }
  const lines = text.split('\n').map((l) => l.trimEnd()).filter((l) => l.length > 0);
  return lines.slice(-LOG_TAIL_LINES).map((l) => `  ${l}`).join('\n');
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** This build's `calm` entry script (dist/cli/bin.js), else whatever started this process. */
export function calmBinPath(): string {
  const bin = fileURLToPath(new URL('../cli/bin.js', import.meta.url));
  return existsSync(bin) ? bin : process.argv[1]!;
}

/**
 * Runs `<node> <cliPath> server start --foreground` detached from this process, in the home (a daemon
 * shared by every project should not depend on, or pin, the directory it was started from), its
 * output appended to the log file after `banner` (earlier runs' logs are kept).
 */
export function spawnServer(o: {
  readonly cliPath: string; readonly home: string; readonly logFile: string; readonly pidFile: string; readonly banner: string; readonly env: NodeJS.ProcessEnv;
}): ChildProcess {
  const fd = openSync(o.logFile, 'a', 0o600);
  try {
    writeSync(fd, `\n=== ${o.banner} ===\n`);
    const child = spawn(process.execPath, [o.cliPath, 'server', 'start', '--foreground'], { detached: true, stdio: ['ignore', fd, fd], cwd: o.home, env: o.env });
    child.unref();
    // the PID file is written the moment the child exists, so an uninstall racing its start still finds it
    if (child.pid !== undefined) claimPidFile(o.pidFile, child.pid);
    return child;
  } finally {
    closeSync(fd);
  }
}

export interface StartOptions {
  /** The `calm` entry script the child runs (`<node> <cliPath> server start --foreground`); default: this build's. */
  readonly cliPath?: string;
  /** Environment of the child; defaults to this process's. */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Starts the daemon unless one is running. The child is detached, its stdout and stderr appended to the
 * log file after a banner line (earlier runs' logs are kept), and this resolves once the child has
 * written its PID file and `/health` answers. A child that exits first is reported with its last log lines.
 */
export async function startDaemon(config: DaemonSettings, options: StartOptions = {}): Promise<StartResult> {
  const current = daemonStatus(config);
  if (current.running && current.pid !== undefined) return { alreadyRunning: true, pid: current.pid };

  const { home, logFile, pidFile } = config.paths;
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const logStart = fileSize(logFile);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  const child = spawnServer({
    cliPath: options.cliPath ?? calmBinPath(),
    home,
    logFile,
    banner: `calm server start ${new Date().toISOString()} on ${config.serverHost}:${config.serverPort}`,
    env: { ...(options.env ?? process.env), CALM_HOME: home },
    pidFile,
  });
  child.on('exit', (code, signal) => (exited = { code, signal }));
  child.on('error', (e) => (spawnError = e));
  const pid = child.pid;
  if (pid === undefined) {
    await sleep(0); // let the 'error' event arrive
    throw new CalmError('not_available', `Cannot start the calm server: ${spawnError?.message ?? 'spawn failed'}`);
  }

  const base = daemonBaseUrl(config);
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited) {
      // lost a race against another `calm server start`? Then that one is the server.
      const now = daemonStatus(config);
      if (now.running && now.pid !== undefined && (await probeHealth(base))) return { alreadyRunning: true, pid: now.pid };
      const how = exited.signal ? `signal ${exited.signal}` : `exit code ${exited.code ?? '?'}`;
      const tail = logTail(logFile, logStart);
      throw new CalmError('not_available', `The calm server exited during startup (${how}). Last lines of ${logFile}:\n${tail || '  (empty)'}`);
    }
    if (readPidFile(pidFile) === pid && (await probeHealth(base, 300))) return { alreadyRunning: false, pid };
    await sleep(POLL_MS);
  }
  // not healthy in time: do not leave a half-started process behind
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
  removePidFileIfOwn(pidFile, pid);
  const tail = logTail(logFile, logStart);
  throw new CalmError(
    'not_available',
    `The calm server did not become healthy at ${base}/health within ${START_TIMEOUT_MS / 1000} s and was stopped. Last lines of ${logFile}:\n${tail || '  (empty)'}`,
  );
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) return true;
    await sleep(POLL_MS);
  }
  return !isProcessAlive(pid);
}

/** SIGTERM, up to 5 s for a clean exit, then SIGKILL; the PID file is removed either way. */
export async function stopDaemon(config: { readonly paths: Pick<DaemonSettings['paths'], 'pidFile'> }): Promise<StopResult> {
  const status = daemonStatus(config);
  if (!status.running || status.pid === undefined) return { wasRunning: false };
  const { pid } = status;
  try {
    process.kill(pid, 'SIGTERM');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EPERM') {
      throw new CalmError('not_available', `Not allowed to stop the calm server (PID ${pid}): it belongs to another user`);
    }
  }
  if (!(await waitForExit(pid, STOP_TIMEOUT_MS))) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited in between
    }
    await waitForExit(pid, 2_000);
  }
  removePidFileIfOwn(config.paths.pidFile, pid);
  return { wasRunning: true, pid };
}
