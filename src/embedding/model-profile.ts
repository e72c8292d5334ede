/**
 * @module How a sentence-embedding model wants to be used: its pooling and the prompts it was trained
 * with (nomic: `search_query: ` / `search_document: `; E5: `query: ` / `passage: `; BGE: an instruction
 * before queries). Using a model without them gives vectors it was never trained to compare.
 *
 * Taken from the model folder's own sentence-transformers files where they say so (`modules.json` →
 * the Pooling module's `config.json` `pooling_mode_*`; `config_sentence_transformers.json` `prompts`),
 * else from a small table of known model families, else mean pooling without prompts (MiniLM & co).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CalmError } from '../errors.js';

/** Whether a text is a search query or a stored document: models with prompts embed them differently. */
export type EmbedPurpose = 'query' | 'document';

export type Pooling = 'mean' | 'cls' | 'last_token';

export interface ModelProfile {
  readonly pooling: Pooling;
  readonly prompts: { readonly query: string; readonly document: string };
  /** Where the profile came from, for `calm doctor` and error messages. */
  readonly source: 'model files' | 'known model' | 'default';
}

const BGE_QUERY = 'Represent this sentence for searching relevant passages: ';

/** Known families, matched on the model name (the part after `org/`, so mirrors like Xenova/ match). */
const KNOWN: readonly { readonly name: RegExp; readonly pooling: Pooling; readonly query: string; readonly document: string }[] = [
  { name: /^nomic-embed-text/, pooling: 'mean', query: 'search_query: ', document: 'search_document: ' },
  // bge-m3 and the v1.5 English models use CLS; only the English ones take the query instruction
  { name: /^bge-m3/, pooling: 'cls', query: '', document: '' },
  { name: /^bge-(?:small|base|large)-zh/, pooling: 'cls', query: '为这个句子生成表示以用于检索相关文章：', document: '' },
  { name: /^bge-/, pooling: 'cls', query: BGE_QUERY, document: '' },
  { name: /^gte-/, pooling: 'mean', query: '', document: '' },
  { name: /^(?:multilingual-)?e5-/, pooling: 'mean', query: 'query: ', document: 'passage: ' },
];

const DEFAULT: ModelProfile = { pooling: 'mean', prompts: { query: '', document: '' }, source: 'default' };

function readJson(file: string): unknown {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as unknown;
  } catch (e) {
    throw new CalmError('not_available', `Cannot read ${file}: ${(e as Error).message}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Pooling from sentence-transformers' files, when the folder has them. */
function poolingFromFiles(dir: string): Pooling | undefined {
  const modules = readJson(join(dir, 'modules.json'));
  const pooling = Array.isArray(modules) ? modules.find((m) => isObject(m) && typeof m.type === 'string' && m.type.endsWith('.Pooling')) : undefined;
  const configFile = join(dir, isObject(pooling) && typeof pooling.path === 'string' ? pooling.path : '1_Pooling', 'config.json');
  const config = readJson(configFile);
  if (!isObject(config)) return undefined;
  const modes = Object.entries(config).filter(([k, v]) => k.startsWith('pooling_mode_') && v === true).map(([k]) => k.slice('pooling_mode_'.length));
  if (modes.length === 0) return undefined;
  if (modes.length === 1 && modes[0] === 'cls_token') return 'cls';
  if (modes.length === 1 && modes[0] === 'mean_tokens') return 'mean';
  if (modes.length === 1 && modes[0] === 'lasttoken') return 'last_token';
  throw new CalmError('not_available', `${configFile} asks for ${modes.join(' + ')} pooling; calm supports one of cls_token, mean_tokens or lasttoken`);
}

/** Prompts from `config_sentence_transformers.json` (`query`, and `document` or `passage`). */
function promptsFromFiles(dir: string): { query?: string; document?: string } | undefined {
  const config = readJson(join(dir, 'config_sentence_transformers.json'));
  if (!isObject(config) || !isObject(config.prompts)) return undefined;
  const p = config.prompts;
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const out: { query?: string; document?: string } = {};
  const query = str(p.query);
  const document = str(p.document) ?? str(p.passage) ?? str(p.search_document);
  if (query !== undefined) out.query = query;
  if (document !== undefined) out.document = document;
  return out;
}

function knownFamily(names: readonly string[]): (typeof KNOWN)[number] | undefined {
  for (const n of names) {
    const base = n.toLowerCase().split('/').filter(Boolean).pop() ?? '';
    const hit = KNOWN.find((k) => k.name.test(base));
    if (hit) return hit;
  }
  return undefined;
}

/** The profile of a model known only by its hub id (before its files are on disk). */
export function knownModelProfile(model: string): ModelProfile {
  const known = knownFamily([model]);
  return known ? { pooling: known.pooling, prompts: { query: known.query, document: known.document }, source: 'known model' } : DEFAULT;
}

/**
 * What goes after the model in the embedder id: nothing for plain mean pooling without prompts (the
 * ids calm always used), else the pooling and `+prompts`. Vectors made another way are another
 * embedder, so a collection never mixes them (an older collection asks for `calm reembed`).
 */
export function profileIdSuffix(p: ModelProfile): string {
  const prompts = p.prompts.query !== '' || p.prompts.document !== '';
  return p.pooling === 'mean' && !prompts ? '' : `#${p.pooling}${prompts ? '+prompts' : ''}`;
}

/**
 * The profile for a model folder `dir`, known as `model` (hub id or path). Its config.json
 * `_name_or_path` also counts as a name, so a folder copied from the hub under any name is recognised.
 */
export function modelProfile(dir: string, model: string): ModelProfile {
  const config = readJson(join(dir, 'config.json'));
  const names = [model, ...(isObject(config) && typeof config._name_or_path === 'string' ? [config._name_or_path] : [])];
  const known = knownFamily(names);
  const filePooling = poolingFromFiles(dir);
  const filePrompts = promptsFromFiles(dir);
  if (filePooling === undefined && filePrompts === undefined && !known) return DEFAULT;
  return {
    pooling: filePooling ?? known?.pooling ?? DEFAULT.pooling,
    prompts: { query: filePrompts?.query ?? known?.query ?? '', document: filePrompts?.document ?? known?.document ?? '' },
    source: filePooling !== undefined || filePrompts !== undefined ? 'model files' : 'known model',
  };
}
