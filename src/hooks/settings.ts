/**
 * @module The hook process's configuration, cheaply. A hook runs on every prompt and tool call, and
 * loading config.ts (zod and yaml) costs more than the rest of a hook together. So the few values a
 * hook needs before it knows whether the daemon answers (home, server address, embedder) come from
 * the environment plus a small cache under `$CALM_HOME/hooks/`, rebuilt through the full `loadConfig`
 * whenever config.yaml or the relevant variables change. The full configuration is loaded only on the
 * paths that open the database themselves.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CalmConfig } from '../config.js';

export interface HookSettings {
  readonly home: string;
  readonly database: string;
  readonly pidFile: string;
  readonly logFile: string;
  readonly hookErrorLog: string;
  /** calm's own state for hooks: the settings cache, per-session tool counters. */
  readonly hooksDir: string;
  readonly host: string;
  readonly port: number;
  readonly embedder: string;
  /** The environment the hook runs in, with CALM_HOME pinned to `home`. */
  readonly env: NodeJS.ProcessEnv;
}

interface Cached {
  readonly key: string;
  readonly host: string;
  readonly port: number;
  readonly embedder: string;
}

/** Same rule as resolveHome in config.ts, which cannot be imported without loading zod and yaml. */
export function hookHome(env: NodeJS.ProcessEnv, override?: string): string {
  const raw = override?.trim() || env.CALM_HOME?.trim();
  const userHome = env.HOME?.trim() || homedir();
  if (raw) return resolve(raw === '~' || raw.startsWith('~/') ? join(userHome, raw.slice(1)) : raw);
  return join(userHome, '.calm');
}

function cacheKey(configFile: string, env: NodeJS.ProcessEnv): string {
  let stamp: unknown = null;
  try {
    const s = statSync(configFile);
    stamp = [s.mtimeMs, s.size];
  } catch {
    // no config file: defaults and environment only
  }
  return JSON.stringify([stamp, env.CALM_SERVER_HOST ?? null, env.CALM_SERVER_PORT ?? null, env.CALM_EMBEDDER ?? null]);
}

function readCache(file: string, key: string): Cached | undefined {
  try {
    const c = JSON.parse(readFileSync(file, 'utf8')) as Partial<Cached>;
    if (c.key === key && typeof c.host === 'string' && typeof c.port === 'number' && typeof c.embedder === 'string') return c as Cached;
  } catch {
    // missing or damaged: rebuilt below
  }
  return undefined;
}

/** The full configuration for this hook's home (loads zod and yaml: only for paths that open the database). */
export async function fullConfig(settings: Pick<HookSettings, 'env'>): Promise<CalmConfig> {
  const { cliConfig } = await import('../cli/app-context.js');
  return cliConfig(settings.env);
}

export async function hookSettings(baseEnv: NodeJS.ProcessEnv, homeOverride?: string): Promise<HookSettings> {
  const home = hookHome(baseEnv, homeOverride);
  const env: NodeJS.ProcessEnv = { ...baseEnv, CALM_HOME: home };
  const hooksDir = join(home, 'hooks');
  const configFile = join(home, 'config.yaml');
  const cacheFile = join(hooksDir, 'settings-cache.json');
  const key = cacheKey(configFile, env);
  let cached = readCache(cacheFile, key);
  if (!cached) {
    const config = await fullConfig({ env });
    cached = { key, host: config.serverHost, port: config.serverPort, embedder: config.embedder };
    try {
      // never create a home that `calm init` has not made
      if (!existsSync(join(home, 'metadata.db'))) throw new Error('not initialized');
      mkdirSync(hooksDir, { recursive: true, mode: 0o700 });
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(cached)}\n`, { mode: 0o600 });
      renameSync(tmp, cacheFile);
    } catch {
      // a read-only home still works, only slower
    }
  }
  return {
    home,
    database: join(home, 'metadata.db'),
    pidFile: join(home, 'server.pid'),
    logFile: join(home, 'server.log'),
    hookErrorLog: join(home, 'hook_errors.log'),
    hooksDir,
    host: cached.host,
    port: cached.port,
    embedder: cached.embedder,
    env,
  };
}
