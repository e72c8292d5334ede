/**
 * @module Configuration: defaults < `$CALM_HOME/config.yaml` < `CALM_*` environment variables.
 *
 * Every path derives from `home`, so one `CALM_HOME` moves everything (CALM's db, pid and log paths
 * ignored it). Only composition roots (app.ts, the CLI's entry) call `loadConfig`; everything else
 * receives the resolved object.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { readCalmEnv, warnOnce } from './calm-env.js';
import { CalmError } from './errors.js';
import { type CalmPaths, pathsFor } from './paths.js';

export { type CalmPaths, pathsFor } from './paths.js';

export type ConfigSource = 'default' | 'config file' | 'environment';

/** One row per setting: where it lives in config.yaml, its variable, its type and default. */
interface SettingSpec<T> {
  readonly path: readonly [string, string];
  readonly env: string;
  readonly schema: z.ZodType<T>;
  readonly defaultValue: T;
  readonly description: string;
  readonly secret?: boolean;
}

const setting = <T>(spec: SettingSpec<T>): SettingSpec<T> => spec;

const port = z.coerce.number().int().min(1).max(65535);
const positiveInt = z.coerce.number().int().min(1);
const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])]).transform((v) =>
  typeof v === 'boolean' ? v : ['true', '1', 'yes'].includes(v),
);

export const SETTINGS = {
  serverHost: setting({
    path: ['server', 'host'], env: 'CALM_SERVER_HOST', schema: z.string().min(1), defaultValue: '127.0.0.1',
    description: 'Address the daemon binds to',
  }),
  serverPort: setting({
    path: ['server', 'port'], env: 'CALM_SERVER_PORT', schema: port, defaultValue: 6335,
    description: 'Port of the daemon (Streamable HTTP MCP at /mcp, health at /health)',
  }),
  serverAuth: setting({
    path: ['server', 'auth'], env: 'CALM_SERVER_AUTH', schema: bool, defaultValue: false,
    description: 'Require a bearer token on every daemon route but /health (generated into $CALM_HOME/auth_token unless CALM_AUTH_TOKEN is set)',
  }),
  authToken: setting({
    path: ['server', 'auth_token'], env: 'CALM_AUTH_TOKEN', schema: z.string(), defaultValue: '',
    description: 'Bearer token the daemon requires (setting it turns auth on)', secret: true,
  }),
  logLevel: setting({
    path: ['server', 'log_level'], env: 'CALM_LOG_LEVEL',
    schema: z.enum(['debug', 'info', 'warn', 'error']), defaultValue: 'info' as 'debug' | 'info' | 'warn' | 'error',
    description: 'Log level of the daemon and the stdio server (logs go to stderr or the log file)',
  }),
  embedder: setting({
    path: ['embedding', 'embedder'], env: 'CALM_EMBEDDER', schema: z.string().min(1), defaultValue: 'hash',
    description: "Embedder: 'hash' (built in), 'use' (offline sentence encoder from npm), 'minilm', 'nomic', or the path of a local model folder; `calm init` records its choice",
  }),
  offlineEmbedder: setting({
    path: ['embedding', 'offline_fallback'], env: 'CALM_OFFLINE_EMBEDDER',
    schema: z.enum(['use', 'hash']), defaultValue: 'use' as 'use' | 'hash',
    description: "What `calm init` picks when minilm is not available: 'use' (when installed) or 'hash'",
  }),
  modelDownload: setting({
    path: ['embedding', 'download'], env: 'CALM_MODEL_DOWNLOAD', schema: bool, defaultValue: true,
    description: 'Whether model weights may be downloaded (once, into $CALM_HOME/models)',
  }),
  vectorBackend: setting({
    path: ['storage', 'backend'], env: 'CALM_VECTOR_BACKEND',
    schema: z.enum(['embedded', 'qdrant']), defaultValue: 'embedded' as 'embedded' | 'qdrant',
    description: "Where records live: 'embedded' (SQLite file, default) or 'qdrant'",
  }),
  qdrantUrl: setting({
    path: ['storage', 'qdrant_url'], env: 'CALM_QDRANT_URL', schema: z.string().url(), defaultValue: 'http://localhost:6333',
    description: 'Qdrant server URL (with the qdrant backend)',
  }),
  qdrantApiKey: setting({
    path: ['storage', 'qdrant_api_key'], env: 'CALM_QDRANT_API_KEY', schema: z.string(), defaultValue: '',
    description: 'Qdrant API key (with the qdrant backend)', secret: true,
  }),
  memoryContentMaxLength: setting({
    path: ['limits', 'memory_content_max_length'], env: 'CALM_MEMORY_CONTENT_MAX_LENGTH', schema: positiveInt,
    defaultValue: 10000, description: 'Longest memory content accepted, in characters',
  }),
  maxBackups: setting({
    path: ['backup', 'max_backups'], env: 'CALM_MAX_BACKUPS', schema: positiveInt, defaultValue: 10,
    description: 'Automatic backups kept by rotation (named backups are never rotated away)',
  }),
  gateTestTimeout: setting({
    path: ['orchestration', 'gate_test_timeout'], env: 'CALM_GATE_TEST_TIMEOUT', schema: positiveInt, defaultValue: 600,
    description: 'Seconds a gate check may spend running the project tests',
  }),
  clusterMinSize: setting({
    path: ['learning', 'cluster_min_size'], env: 'CALM_CLUSTER_MIN_SIZE', schema: z.coerce.number().int().min(2), defaultValue: 4,
    description: 'HDBSCAN min_cluster_size: the fewest experiences that make a cluster',
  }),
  clusterMinSamples: setting({
    path: ['learning', 'cluster_min_samples'], env: 'CALM_CLUSTER_MIN_SAMPLES', schema: positiveInt, defaultValue: 4,
    description: 'HDBSCAN min_samples: neighbours that make an experience a core point (higher = more noise)',
  }),
} as const;

export type SettingKey = keyof typeof SETTINGS;
type SettingValues = { [K in SettingKey]: (typeof SETTINGS)[K]['defaultValue'] };

export interface CalmConfig extends SettingValues {
  readonly paths: CalmPaths;
  /** Where each value came from, for `calm config show`. `home` included. */
  readonly sources: Readonly<Record<SettingKey | 'home', ConfigSource>>;
  /** A setting taken from one of CALM's variables instead of calm's own (CALM_SEMANTIC_MODEL → embedder). */
  readonly envNames?: Partial<Record<SettingKey, string>>;
}

export function resolveHome(env: NodeJS.ProcessEnv = process.env): { home: string; source: ConfigSource } {
  const raw = env.CALM_HOME?.trim();
  if (raw) return { home: resolve(expandTilde(raw, env)), source: 'environment' };
  return { home: join(env.HOME?.trim() || homedir(), '.calm'), source: 'default' };
}

function expandTilde(p: string, env: NodeJS.ProcessEnv): string {
  return p === '~' || p.startsWith('~/') ? join(env.HOME?.trim() || homedir(), p.slice(1)) : p;
}

function readConfigFile(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  let parsed: unknown;
  try {
    parsed = parseYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CalmError('config_error', `${file} is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (parsed == null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new CalmError('config_error', `${file} must hold a mapping of sections (server, embedding, storage, ...)`);
  }
  return parsed as Record<string, unknown>;
}

const KNOWN_SECTIONS = new Map<string, Set<string>>();
for (const spec of Object.values(SETTINGS)) {
  const [section, key] = spec.path;
  if (!KNOWN_SECTIONS.has(section)) KNOWN_SECTIONS.set(section, new Set());
  KNOWN_SECTIONS.get(section)!.add(key);
}

function checkUnknownKeys(file: string, doc: Record<string, unknown>): void {
  for (const [section, body] of Object.entries(doc)) {
    const keys = KNOWN_SECTIONS.get(section);
    if (!keys) {
      throw new CalmError('config_error', `${file}: unknown section '${section}' (known: ${[...KNOWN_SECTIONS.keys()].join(', ')})`);
    }
    if (body == null) continue;
    if (typeof body !== 'object' || Array.isArray(body)) {
      throw new CalmError('config_error', `${file}: '${section}' must be a mapping of keys`);
    }
    for (const key of Object.keys(body)) {
      if (!keys.has(key)) {
        throw new CalmError('config_error', `${file}: unknown key '${section}.${key}' (known: ${[...keys].map((k) => `${section}.${k}`).join(', ')})`);
      }
    }
  }
}

function parseValue<T>(spec: SettingSpec<T>, raw: unknown, where: string): T {
  const result = spec.schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new CalmError('config_error', `${where}: invalid value ${JSON.stringify(raw)} (${issue?.message ?? 'invalid'})`);
}

/** Builds the effective configuration. Throws a `config_error` naming the key or variable at fault. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): CalmConfig {
  const { home } = resolveHome(env);
  return configFrom(env, readConfigFile(pathsFor(home).configFile));
}

const CALM_ENV_NAMES = new Set(['CALM_HOME', 'CALM_DEBUG', 'CALM_MODEL_PATH', ...Object.values(SETTINGS).map((s) => s.env)]);

/** The configuration with `doc` standing in for config.yaml (`calm init` on a CALM home, before it writes calm's). */
export function configFrom(env: NodeJS.ProcessEnv, doc: Record<string, unknown>): CalmConfig {
  const { home, source: homeSource } = resolveHome(env);
  const paths = pathsFor(home);
  checkUnknownKeys(paths.configFile, doc);

  const values: Record<string, unknown> = {};
  const sources: Record<string, ConfigSource> = { home: homeSource };
  for (const [name, spec] of Object.entries(SETTINGS) as [SettingKey, SettingSpec<unknown>][]) {
    const [section, key] = spec.path;
    const fromFile = (doc[section] as Record<string, unknown> | null | undefined)?.[key];
    const fromEnv = env[spec.env];
    if (fromEnv !== undefined && fromEnv !== '') {
      values[name] = parseValue(spec, fromEnv, `environment variable ${spec.env}`);
      sources[name] = 'environment';
    } else if (fromFile !== undefined && fromFile !== null) {
      values[name] = parseValue(spec, fromFile, `${paths.configFile}: key '${section}.${key}'`);
      sources[name] = 'config file';
    } else {
      values[name] = spec.defaultValue;
      sources[name] = 'default';
    }
  }
  // CALM's own variables: mapped where calm has the setting, otherwise named once as having no effect
  const calm = readCalmEnv(env, CALM_ENV_NAMES, paths, sources.embedder !== 'default');
  warnOnce(calm.warnings);
  const envNames: Partial<Record<SettingKey, string>> = {};
  if (calm.embedder !== undefined) {
    values.embedder = calm.embedder;
    sources.embedder = 'environment';
    envNames.embedder = 'CALM_SEMANTIC_MODEL';
  }
  return { ...(values as SettingValues), paths, sources: sources as CalmConfig['sources'], envNames };
}

/** The rows `calm config show` prints; secrets are masked. */
export function describeConfig(config: CalmConfig): { key: string; env: string; value: unknown; source: ConfigSource }[] {
  const rows: { key: string; env: string; value: unknown; source: ConfigSource }[] = [
    { key: 'home', env: 'CALM_HOME', value: config.paths.home, source: config.sources.home },
  ];
  for (const [name, spec] of Object.entries(SETTINGS) as [SettingKey, SettingSpec<unknown>][]) {
    const value = config[name];
    rows.push({
      key: spec.path.join('.'),
      env: config.envNames?.[name] ?? spec.env,
      value: spec.secret && value ? '********' : value,
      source: config.sources[name],
    });
  }
  return rows;
}

/** The YAML `calm init` writes: every setting with its default, commented, plus the embedder chosen. */
export function renderConfigFile(overrides: Partial<Record<SettingKey, unknown>>): string {
  const lines = ['# calm configuration. Environment variables (CALM_*) override these values.', ''];
  let current = '';
  for (const [name, spec] of Object.entries(SETTINGS) as [SettingKey, SettingSpec<unknown>][]) {
    const [section, key] = spec.path;
    if (section !== current) {
      if (current) lines.push('');
      lines.push(`${section}:`);
      current = section;
    }
    lines.push(`  # ${spec.description} (${spec.env})`);
    if (name in overrides) lines.push(`  ${key}: ${JSON.stringify(overrides[name])}`);
    else lines.push(`  # ${key}: ${JSON.stringify(spec.defaultValue)}`);
  }
  return lines.join('\n') + '\n';
}
