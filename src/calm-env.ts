/**
 * @module CALM's configuration in calm's terms. CALM (the Python project calm replaces) read `CALM_*`
 * variables (pydantic-settings: case-insensitive names, `__` for nesting) and wrote a `config.yaml` it
 * never read. Variables calm shares by name (CALM_QDRANT_URL, CALM_MAX_BACKUPS, CALM_SERVER_PORT, ...)
 * simply apply. The others are either mapped to calm's setting or named once per process on stderr as
 * having no effect, so nothing a CALM user set is ignored silently.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

/** calm settings a CALM key maps to, by calm's `section.key`. */
export type CalmDoc = Record<string, Record<string, unknown>>;

const NOMIC = 'nomic-ai/nomic-embed-text-v1.5';
/** CALM's model names for calm's presets. */
const MODEL_PRESETS: Readonly<Record<string, string>> = {
  [NOMIC]: 'nomic',
  'sentence-transformers/all-minilm-l6-v2': 'minilm',
  'all-minilm-l6-v2': 'minilm',
  'xenova/all-minilm-l6-v2': 'minilm',
};

/** calm's embedder for a CALM model name: a preset, a local model folder, or undefined. */
export function embedderForCalmModel(model: string): string | undefined {
  const preset = MODEL_PRESETS[model.trim().toLowerCase()] ?? MODEL_PRESETS[model.trim()];
  if (preset) return preset;
  try {
    if (existsSync(model) && statSync(model).isDirectory()) return resolve(model);
  } catch {
    // not a folder
  }
  return undefined;
}

const NO_PATHS = 'calm keeps metadata.db, server.pid and server.log under CALM_HOME; set CALM_HOME to move them';
const ONE_EMBEDDER = 'calm uses one embedder for every collection (CALM_EMBEDDER / embedding.embedder)';

/** CALM-only variables (upper-cased) and why they do nothing in calm; the CALM_*__ families by prefix. */
const NO_EFFECT: Readonly<Record<string, string>> = {
  CALM_DB_PATH: NO_PATHS,
  CALM_PID_FILE: NO_PATHS,
  CALM_LOG_FILE: NO_PATHS,
  CALM_CODE_MODEL: ONE_EMBEDDER,
};
const NO_EFFECT_FAMILIES: readonly [string, string][] = [
  ['CALM_INDEXER__', 'calm embeds code in batches it sizes itself'],
  ['CALM_CONTEXT__', "calm's context assembly has fixed source weights and dedup thresholds"],
  ['CALM_TOOL__', 'calm has no snippet length setting'],
];

export interface CalmEnvReading {
  /** calm's embedder from CALM_SEMANTIC_MODEL, when nothing of calm's chooses one. */
  readonly embedder?: string | undefined;
  readonly warnings: string[];
}

/**
 * What CALM's variables in `env` mean for calm. `calmNames` are the variables calm reads itself;
 * `paths` the files calm derives from its home (a CALM_DB_PATH naming the same file is no warning);
 * `embedderChosen` whether CALM_EMBEDDER or the config file already picks the embedder.
 */
export function readCalmEnv(
  env: NodeJS.ProcessEnv,
  calmNames: ReadonlySet<string>,
  paths: { database: string; pidFile: string; logFile: string },
  embedderChosen: boolean,
): CalmEnvReading {
  const warnings: string[] = [];
  let embedder: string | undefined;
  const same: Readonly<Record<string, string>> = { CALM_DB_PATH: paths.database, CALM_PID_FILE: paths.pidFile, CALM_LOG_FILE: paths.logFile };
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value === '' || !name.toUpperCase().startsWith('CALM_') || calmNames.has(name)) continue;
    const upper = name.toUpperCase();
    if (upper !== name && calmNames.has(upper)) {
      warnings.push(`${name} has no effect: calm reads its variables in upper case (set ${upper})`);
      continue;
    }
    if (upper === 'CALM_SEMANTIC_MODEL') {
      const mapped = embedderForCalmModel(value);
      if (!mapped) warnings.push(`${name}=${value} has no effect: calm knows no such model (use CALM_EMBEDDER: hash, minilm, nomic or a model folder)`);
      else if (embedderChosen) warnings.push(`${name} has no effect: CALM_EMBEDDER or embedding.embedder in config.yaml already chooses the embedder`);
      else embedder = mapped;
      continue;
    }
    const reason = NO_EFFECT[upper] ?? NO_EFFECT_FAMILIES.find(([prefix]) => upper.startsWith(prefix))?.[1];
    if (reason) {
      if (same[upper] !== undefined && resolve(value) === same[upper]) continue;
      warnings.push(`${name} has no effect: ${reason}`);
    }
  }
  return { embedder, warnings };
}

const warned = new Set<string>();

/** Each warning once per process, on stderr (stdout may belong to MCP or to --json output). */
export function warnOnce(warnings: readonly string[]): void {
  for (const w of warnings) {
    if (warned.has(w)) continue;
    warned.add(w);
    process.stderr.write(`calm: warning: ${w}\n`);
  }
}

export interface TranslatedCalmConfig {
  /** calm's config.yaml content, by calm section and key. */
  readonly doc: CalmDoc;
  readonly mapped: { from: string; to: string; value: unknown }[];
  readonly notCarried: { key: string; reason: string }[];
}

/** CALM's key (flat CalmSettings field, or `section.key` of its config.yaml) → calm's `section.key`. */
const KEY_MAP: Readonly<Record<string, string>> = {
  'server.host': 'server.host', server_host: 'server.host',
  'server.port': 'server.port', server_port: 'server.port',
  'server.log_level': 'server.log_level', log_level: 'server.log_level',
  'qdrant.url': 'storage.qdrant_url', qdrant_url: 'storage.qdrant_url',
  max_backups: 'backup.max_backups',
  memory_content_max_length: 'limits.memory_content_max_length',
  gate_test_timeout: 'orchestration.gate_test_timeout',
};
const KEY_NO_EFFECT: Readonly<Record<string, string>> = {
  home: 'calm takes its home from CALM_HOME only',
  db_path: NO_PATHS, pid_file: NO_PATHS, log_file: NO_PATHS,
  'embedding.code_model': ONE_EMBEDDER, code_model: ONE_EMBEDDER,
};

/** CALM's config.yaml (parsed) as calm's settings, with every key accounted for. */
export function translateCalmConfig(calmDoc: Record<string, unknown>): TranslatedCalmConfig {
  const doc: CalmDoc = {};
  const mapped: TranslatedCalmConfig['mapped'] = [];
  const notCarried: TranslatedCalmConfig['notCarried'] = [];
  const put = (from: string, to: string, value: unknown): void => {
    const [section, key] = to.split('.') as [string, string];
    (doc[section] ??= {})[key] = value;
    mapped.push({ from, to, value });
  };
  const one = (key: string, value: unknown): void => {
    if (value === null || value === undefined) return;
    const target = KEY_MAP[key];
    if (target) return put(key, target, value);
    if (key === 'embedding.semantic_model' || key === 'semantic_model') {
      const e = typeof value === 'string' && value !== NOMIC ? embedderForCalmModel(value) : undefined;
      if (e) put(key, 'embedding.embedder', e);
      else if (value === NOMIC) notCarried.push({ key, reason: "CALM's default model (CALM never read config.yaml); calm chooses its embedder at init" });
      else notCarried.push({ key, reason: `calm knows no model ${JSON.stringify(value)}` });
      return;
    }
    const section = key.split('.')[0]!;
    const reason = KEY_NO_EFFECT[key] ?? NO_EFFECT_FAMILIES.find(([p]) => p === `CALM_${section.toUpperCase()}__`)?.[1] ?? 'not a CALM setting calm knows';
    notCarried.push({ key, reason });
  };
  for (const [top, body] of Object.entries(calmDoc)) {
    const nested = body !== null && typeof body === 'object' && !Array.isArray(body) && ['server', 'embedding', 'qdrant', 'indexer', 'context', 'tool'].includes(top);
    if (nested) for (const [k, v] of Object.entries(body as Record<string, unknown>)) one(`${top}.${k}`, v);
    else one(top, body);
  }
  return { doc, mapped, notCarried };
}
