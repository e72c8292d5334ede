/**
 * @module The hook process's configuration, cheaply. A hook runs on every prompt and tool call, and
 * loading config.ts (zod and yaml) costs more than the rest of a hook together. So the resolved
 * configuration is cached under `$CALM_HOME/hooks/` and rebuilt through the full `loadConfig` only
 * when config.yaml or any CALM_* variable changes.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CalmConfig } from '../config.js';
import { writeFileAtomic } from '../fs-atomic.js';
import { resolveAuthToken } from '../services/auth-token.js';

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
  /** The daemon's bearer token, when it requires one. */
  readonly authToken: string | undefined;
  /** The environment the hook runs in, with CALM_HOME pinned to `home`. */
  readonly env: NodeJS.ProcessEnv;
  /** The full configuration, as last resolved for the same config file and CALM_* variables. */
  readonly config: CalmConfig;
}

interface Cached {
  readonly key: string;
  readonly config: CalmConfig;
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
  // every CALM_* variable: the cached configuration stands for all of them
  const vars = Object.entries(env).filter(([k]) => k.startsWith('CALM_')).sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([stamp, vars]);
}

function readCache(file: string, key: string): Cached | undefined {
  try {
    const c = JSON.parse(readFileSync(file, 'utf8')) as Partial<Cached>;
    if (c.key === key && c.config && typeof c.config === 'object' && c.config.paths?.database) return c as Cached;
  } catch {
    // missing or damaged: rebuilt below
  }
  return undefined;
}

/** The full configuration for this hook's home, resolved afresh (loads zod and yaml: done only when the cache is stale). */
export async function fullConfig(settings: Pick<HookSettings, 'env'>): Promise<CalmConfig> {
  const { loadConfig } = await import('../config.js');
  return loadConfig(settings.env);
}

/** Thrown when the hook's home is CALM's: the hook gives no context and logs nothing (the log file would be CALM's). */
export class CalmHomeNotAdopted extends Error {
  constructor(readonly home: string) {
    super(`${home} is a CALM home: run \`calm init\` to bring it over to calm`);
  }
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
    // a CALM home not yet brought over: nothing may be read through calm's config or written there
    const { detectCalmHome } = await import('../services/calm-home/detect.js');
    if (await detectCalmHome(home)) throw new CalmHomeNotAdopted(home);
    cached = { key, config: await fullConfig({ env }) };
    try {
      // never create a home that `calm init` has not made
      if (!existsSync(join(home, 'metadata.db'))) throw new Error('not initialized');
      mkdirSync(hooksDir, { recursive: true, mode: 0o700 });
      writeFileAtomic(cacheFile, `${JSON.stringify(cached)}\n`, { durable: false });
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
    host: cached.config.serverHost,
    port: cached.config.serverPort,
    embedder: cached.config.embedder,
    authToken: resolveAuthToken(cached.config),
    env,
    config: cached.config,
  };
}
