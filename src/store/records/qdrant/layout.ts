/**
 * @module How a calm record sits in a Qdrant point: CALM's payload, as the services write it, plus a
 * few hidden keys (stripped on read, like CALM's `_original_id`):
 * - `_original_id`: the record id (point ids are UUIDs, see ids.ts);
 * - `_text`: the text the vector was computed from (full-text indexed for keyword search);
 * - `_vector`: the vector exactly as written (float32, little-endian, base64). Qdrant normalises vectors
 *   of cosine collections when it stores them, so its copy would not round-trip bit for bit;
 * - `_created_at`, `_updated_at`: UTC ISO timestamps.
 * Collection metadata (Qdrant >= 1.16) holds `calm: {format, embedder, dim, pending?}`; it travels with
 * snapshots, so a restored collection still says which embedder built it.
 */
import type { Schemas } from '@qdrant/js-client-rest';
import { ORIGINAL_ID_KEY } from './ids.js';

export const TEXT_KEY = '_text';
export const VECTOR_KEY = '_vector';
export const CREATED_KEY = '_created_at';
export const UPDATED_KEY = '_updated_at';
export const HIDDEN_KEYS: readonly string[] = [ORIGINAL_ID_KEY, TEXT_KEY, VECTOR_KEY, CREATED_KEY, UPDATED_KEY];

/** Shadow collection of a re-embedding: the new vectors are built here, then copied over at commit. */
export const SHADOW_SUFFIX = '__reembed';
export const shadowName = (name: string): string => `${name}${SHADOW_SUFFIX}`;

/**
 * Generation collection: a restore loads `<name>__g<id>` and then points the live name, an alias, at it
 * (a live name that is still a physical collection is an install from before generations).
 */
const GENERATION_RE = /__g[0-9a-z]+$/;
export const generationName = (name: string, id: string): string => `${name}__g${id}`;
export const isGeneration = (name: string): boolean => GENERATION_RE.test(name);
/** A collection calm keeps beside a live one (a shadow or a generation), never listed as a collection of its own. */
export const isInternal = (name: string): boolean => name.endsWith(SHADOW_SUFFIX) || isGeneration(name);
/** The calm collection whose payload layout a physical collection follows. */
export const layoutOf = (name: string): string =>
  name.endsWith(SHADOW_SUFFIX) ? name.slice(0, -SHADOW_SUFFIX.length) : name.replace(GENERATION_RE, '');

export interface CalmCollectionMeta {
  readonly format: 1;
  readonly embedder: string;
  readonly dim: number;
  /** Live collection: a re-embedding in progress. */
  readonly pending?: { readonly embedder: string; readonly dim: number; readonly committing?: boolean } | undefined;
  /** Shadow collection: whose shadow it is, and whether the copy-over at commit has begun. */
  readonly shadowOf?: string | undefined;
  readonly committing?: boolean | undefined;
}

type IndexSchema = Schemas['PayloadFieldSchema'];

/**
 * Payload indexes: the record text (full text), the original id, and the fields each collection's
 * services filter on (reference §5.3, plus the code and git indexers' keys).
 */
const TEXT_INDEX: IndexSchema = { type: 'text', tokenizer: 'word', lowercase: true };
const FILTERED_FIELDS: Record<string, Record<string, IndexSchema>> = {
  memories: { category: 'keyword', tags: 'keyword', importance: 'float' },
  ghap_full: ghapFields(),
  ghap_strategy: ghapFields(),
  ghap_surprise: ghapFields(),
  ghap_root_cause: ghapFields(),
  values: { axis: 'keyword', cluster_id: 'keyword' },
  commits: { author: 'keyword', repo_path: 'keyword', timestamp: 'float' },
  code_units: { project: 'keyword', language: 'keyword', unit_type: 'keyword', file_path: 'keyword' },
};

function ghapFields(): Record<string, IndexSchema> {
  return { domain: 'keyword', strategy: 'keyword', outcome_status: 'keyword', session_id: 'keyword', ghap_id: 'keyword', captured_at: 'float' };
}

export function payloadIndexes(collection: string): [string, IndexSchema][] {
  return [[TEXT_KEY, TEXT_INDEX], [ORIGINAL_ID_KEY, 'keyword'], ...Object.entries(FILTERED_FIELDS[collection] ?? {})];
}
