/**
 * @module Editing a memory: which fields a patch changes, and the history it leaves behind.
 *
 * History lives in the memory's own payload (`history`: earlier versions, oldest first), not in a side
 * table: it then travels with the record on both backends, through `calm migrate`, exports and backups,
 * and is deleted with the memory. Only the newest HISTORY_MAX versions are kept, so a memory edited
 * in a loop cannot grow without bound.
 */
import type { MemoryCategory } from './validation.js';

export const HISTORY_MAX = 20;
export const UPDATABLE_FIELDS = ['content', 'category', 'importance', 'tags'] as const;
export type UpdatableField = (typeof UPDATABLE_FIELDS)[number];

export interface UpdateMemoryPatch {
  content?: string | undefined;
  category?: string | undefined;
  importance?: number | undefined;
  tags?: string[] | undefined;
}

export interface MemoryRevision {
  content: string;
  category: MemoryCategory;
  importance: number;
  tags: string[];
  /** When this version stopped being the current one. */
  replaced_at: string;
}

export interface UpdateMemoryResult {
  id: string;
  status: 'updated' | 'unchanged';
  /** The fields whose values changed. */
  changed: UpdatableField[];
  category: MemoryCategory;
  importance: number;
  updated_at: string;
}

interface CurrentMemory {
  content: string;
  category: MemoryCategory;
  importance: number;
  tags: string[];
}

export function historyOf(payload: Readonly<Record<string, unknown>>): MemoryRevision[] {
  return Array.isArray(payload.history) ? (payload.history as MemoryRevision[]) : [];
}

const sameTags = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((t, i) => t === b[i]);

/** The new payload for an already validated patch; `changed` is empty when the patch repeats what is stored. */
export function applyMemoryPatch(
  current: CurrentMemory,
  payload: Readonly<Record<string, unknown>>,
  patch: UpdateMemoryPatch & { category?: MemoryCategory | undefined },
  now: string,
): { payload: Record<string, unknown>; changed: UpdatableField[] } {
  const next: CurrentMemory = {
    content: patch.content ?? current.content,
    category: patch.category ?? current.category,
    importance: patch.importance ?? current.importance,
    tags: patch.tags ? [...patch.tags] : current.tags,
  };
  const changed = UPDATABLE_FIELDS.filter((f) =>
    f === 'tags' ? !sameTags(current.tags, next.tags) : current[f] !== next[f],
  );
  if (changed.length === 0) return { payload: { ...payload }, changed };
  const revision: MemoryRevision = { ...current, tags: [...current.tags], replaced_at: now };
  const history = [...historyOf(payload), revision].slice(-HISTORY_MAX);
  return { payload: { ...payload, ...next, updated_at: now, history }, changed };
}
