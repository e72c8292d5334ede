/**
 * @module CALM's Qdrant collections read as calm records. CALM's points carry its payload plus
 * `_original_id` (the record id; see store/records/qdrant/ids.ts); the text calm keeps beside each
 * record is rebuilt from the payload the way CALM built it: the memory content, the value text, and for
 * GHAP axes CALM's templates (renderAxisText). Timestamps become UTC ISO (CALM wrote `+00:00` strings
 * and epoch floats).
 *
 * The irreplaceable collections are imported: memories, ghap_full, ghap_strategy, ghap_surprise,
 * ghap_root_cause and values. commits and code_units are re-derivable and are re-indexed instead (calm's
 * indexers also keep per-file state in SQLite that CALM's points do not carry).
 */
import type { QdrantClient } from '@qdrant/js-client-rest';
import { renderAxisText } from '../ghap/axes.js';
import { AXIS_COLLECTIONS, type Axis, type Lesson, type OutcomeStatus, type RootCause } from '../ghap/model.js';
// CALM's server is a source to read, not calm's store; its points keep the record id under the key calm's Qdrant layout took from CALM
import { ORIGINAL_ID_KEY } from '../../store/records/qdrant/ids.js';
import { memoryCreatedTs } from '../memory-time.js';
import { calmTimeToIso } from './calm-time.js';

export const IMPORTED_COLLECTIONS = ['memories', 'ghap_full', 'ghap_strategy', 'ghap_surprise', 'ghap_root_cause', 'values'] as const;
export const SKIPPED_COLLECTIONS: Readonly<Record<string, string>> = {
  commits: 're-derivable: index the repositories again with `calm git index`',
  code_units: 're-derivable: index the projects again with `calm index`',
};

export interface CalmPoint {
  readonly id: string;
  readonly text: string;
  readonly payload: Record<string, unknown>;
  /** CALM's vector (Qdrant normalised it when storing). */
  readonly vector: Float32Array | undefined;
}

const AXIS_BY_COLLECTION = new Map(Object.entries(AXIS_COLLECTIONS).map(([axis, c]) => [c as string, axis as Axis]));

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

function memory(payload: Record<string, unknown>): { text: string; payload: Record<string, unknown> } {
  const p: Record<string, unknown> = { ...payload, created_at: calmTimeToIso(payload.created_at) };
  p.created_ts = memoryCreatedTs(str(p.created_at));
  return { text: str(p.content), payload: p };
}

function value(payload: Record<string, unknown>): { text: string; payload: Record<string, unknown> } {
  const p: Record<string, unknown> = { ...payload, created_at: calmTimeToIso(payload.created_at) };
  if (payload.validated_at !== undefined) p.validated_at = calmTimeToIso(payload.validated_at);
  return { text: str(p.text), payload: p };
}

/** CALM's ghap payload in calm's shape (ISO timestamps), and the text CALM embedded for the axis. */
function ghap(axis: Axis, payload: Record<string, unknown>): { text: string; payload: Record<string, unknown> } {
  const p: Record<string, unknown> = {
    ...payload,
    created_at: calmTimeToIso(payload.created_at),
    captured_at: calmTimeToIso(payload.captured_at),
    axis,
  };
  const text = renderAxisText(axis, {
    domain: str(p.domain), strategy: str(p.strategy), goal: str(p.goal), hypothesis: str(p.hypothesis), action: str(p.action),
    prediction: str(p.prediction), iteration_count: typeof p.iteration_count === 'number' ? p.iteration_count : 1,
    outcome_status: str(p.outcome_status) as OutcomeStatus, outcome_result: str(p.outcome_result),
    surprise: typeof p.surprise === 'string' ? p.surprise : null,
    root_cause: (p.root_cause ?? null) as RootCause | null,
    lesson: (p.lesson ?? null) as Lesson | null,
  });
  return { text, payload: p };
}

export function toCalmRecord(collection: string, pointId: string | number, payload: Record<string, unknown>, vector: unknown): CalmPoint {
  const { [ORIGINAL_ID_KEY]: original, ...rest } = payload;
  const id = typeof original === 'string' ? original : String(pointId);
  const axis = AXIS_BY_COLLECTION.get(collection);
  const mapped = collection === 'memories' ? memory(rest) : collection === 'values' ? value(rest) : axis ? ghap(axis, rest) : { text: '', payload: rest };
  return { id, ...mapped, vector: Array.isArray(vector) ? Float32Array.from(vector as number[]) : undefined };
}

/**
 * Every point of a CALM collection, page by page (next_page_offset), as calm records. `as` names the
 * CALM collection the points are from when they are read from another name (a backup's snapshot
 * recovered into a temporary collection).
 */
export async function* readCalmCollection(client: QdrantClient, collection: string, pageSize = 256, as = collection): AsyncGenerator<CalmPoint[]> {
  let offset: string | number | null | undefined;
  do {
    const page = await client.scroll(collection, { limit: pageSize, with_payload: true, with_vector: true, ...(offset != null ? { offset } : {}) });
    yield page.points.map((p) => toCalmRecord(as, p.id, (p.payload ?? {}) as Record<string, unknown>, p.vector));
    offset = page.next_page_offset as string | number | null | undefined;
  } while (offset !== null && offset !== undefined);
}
