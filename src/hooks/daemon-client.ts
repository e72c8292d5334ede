/**
 * @module Talking to the daemon from a hook: is it running (PID file), ask it (`POST /hooks/query`,
 * node:http with a plain referenced timer and `agent: false`, so a slow daemon costs at most the
 * timeout and an unanswered request never lets the event loop drain early), and start it without
 * waiting (detached, stdio to the log file, so Claude Code, which reads the hook's pipes to EOF, is
 * not held by the child: cc#43123).
 */
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { bearerHeader } from '../services/auth-token.js';
import { calmBinPath, clientHost, isProcessAlive, readPidFile, spawnServer } from '../services/daemon.js';
import type { HookSettings } from './settings.js';

const RESPONSE_MAX_BYTES = 1024 * 1024;
/** Two SessionStart events at once (resume fires two: cc#23932) start one daemon. */
const SPAWN_GUARD_MS = 15_000;

export type DaemonState = 'running' | 'stopped';

export function daemonState(settings: Pick<HookSettings, 'pidFile'>): DaemonState {
  const pid = readPidFile(settings.pidFile);
  return pid !== undefined && isProcessAlive(pid) ? 'running' : 'stopped';
}

/** The daemon's JSON answer, or undefined when it is not running, too slow, or answers anything but 200. */
export function askDaemon(settings: Pick<HookSettings, 'host' | 'port' | 'authToken'>, path: string, body: unknown, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (value: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(value);
    };
    const payload = JSON.stringify(body);
    const host = clientHost(settings.host);
    const req = request(
      {
        host: host.replace(/^\[|\]$/g, ''),
        port: settings.port,
        path,
        method: 'POST',
        agent: false,
        headers: {
          host: `${host}:${settings.port}`,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(payload),
          ...(settings.authToken ? { authorization: bearerHeader(settings.authToken) } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > RESPONSE_MAX_BYTES) {
            req.destroy();
            finish(undefined);
          } else chunks.push(c);
        });
        res.on('end', () => {
          if (res.statusCode !== 200) return finish(undefined);
          try {
            finish(JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown);
          } catch {
            finish(undefined);
          }
        });
        res.on('error', () => finish(undefined));
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      finish(undefined);
    }, timeoutMs);
    req.on('error', () => finish(undefined));
    req.end(payload);
  });
}

/** The `calm` entry script: this build's bin.js, else whatever started this process. */
/**
 * Starts `calm server start --foreground` detached and returns at once (no health wait: a hook has no
 * time to). Returns false when another hook started one moments ago. Throws when the spawn fails.
 */
export function spawnDaemon(settings: Pick<HookSettings, 'home' | 'hooksDir' | 'logFile' | 'pidFile' | 'env' | 'host' | 'port'>): boolean {
  mkdirSync(settings.hooksDir, { recursive: true, mode: 0o700 });
  const guard = join(settings.hooksDir, 'daemon-spawn.stamp');
  try {
    if (Date.now() - statSync(guard).mtimeMs < SPAWN_GUARD_MS) return false;
  } catch {
    // never spawned from a hook
  }
  writeFileSync(guard, `${process.pid}\n`, { mode: 0o600 });
  const child = spawnServer({
    cliPath: calmBinPath(),
    home: settings.home,
    logFile: settings.logFile,
    banner: `calm server start (from a Claude Code hook) ${new Date().toISOString()} on ${settings.host}:${settings.port}`,
    env: settings.env,
    pidFile: settings.pidFile,
  });
  child.on('error', () => undefined); // reported by the next hook finding no daemon
  return true;
}
