/**
 * @module Memories: store, retrieve (semantic, keyword, hybrid), list, show and delete.
 * Everything is validated, with CALM's messages, before any storage or embedding work.
 */
import { randomUUID } from 'node:crypto';
import type { Embedder } from '../embedding/embedder.js';
import { notFound, validationError } from '../errors.js';
import { COLLECTIONS } from '../store/records/collections.js';
import type { Filter } from '../store/records/filter.js';
import type { RecordStore, StoredRecord } from '../store/records/record-store.js';
import { nowIso } from '../store/time.js';
import type { CollectionGuard } from './collection-guard.js';
import { findDuplicate } from './memory-dedupe.js';
import { decodeCursor, encodeCursor } from './page-cursor.js';
import { type CurrentProject, PROJECT_KEY, projectOf, searchProjectFirst, validateScope } from './project-scope.js';
import { CREATED_TS_KEY, createdRange, memoryCreatedTs } from './memory-time.js';
import { applyMemoryPatch, historyOf, type MemoryRevision, type UpdateMemoryPatch, type UpdateMemoryResult } from './memory-update.js';
import type { SearchEngine } from './search.js';
import {
  MEMORY_CATEGORIES, type MemoryCategory, validateEnum, validateLimit, validateOffset, validateQuery, validateSearchMode,
  validateTags, validateTextLength, validateUnitInterval, validateUuid,
} from './validation.js';

const COLLECTION = COLLECTIONS.memories;
/** `list` pages newest first; migration 7 indexes this key. */
const LIST_ORDER_KEY = 'created_at';

export interface Memory {
  id: string;
  content: string;
  category: MemoryCategory;
  importance: number;
  tags: string[];
  created_at: string;
  /** Set once the memory has been edited with `update`. */
  updated_at?: string;
  /** The project it was stored from; absent for a global memory. */
  project?: string;
}

/** A memory as `show` returns it: with its earlier versions, oldest first. */
export interface MemoryWithHistory extends Memory {
  history: MemoryRevision[];
}

export interface StoreMemoryInput {
  content: string;
  category: string;
  importance?: number | undefined;
  tags?: string[] | undefined;
  /** Store even when a near-duplicate exists in the same project. */
  allow_duplicate?: boolean | undefined;
  /** Keep the memory out of any project: every project sees it. */
  global?: boolean | undefined;
}

export type StoreMemoryResult =
  | { id: string; status: 'stored'; category: MemoryCategory; importance: number; created_at: string }
  | { id: string; status: 'duplicate'; duplicate_of: string; similarity: number; category: MemoryCategory; importance: number; created_at: string };

export interface RetrieveMemoriesInput {
  query: string;
  limit?: number | undefined;
  category?: string | undefined;
  min_importance?: number | undefined;
  search_mode?: string | undefined;
  /** ISO-8601 date or date-time: only memories created at or after it. */
  since?: string | undefined;
  /** ISO-8601 date (that whole day) or date-time: only memories created at or before it. */
  until?: string | undefined;
  /** 'all' (default): the current project's and global memories first; 'project': only those. */
  scope?: string | undefined;
  /** Only memories with at least one of these tags (not a CALM parameter: the dashboard's filter). */
  tags?: string[] | undefined;
}

export interface ListMemoriesInput {
  category?: string | undefined;
  tags?: string[] | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
  /** The `next_cursor` of the previous page: continues after it (keyset paging), instead of an offset. */
  cursor?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
  /** Only memories at least this important (not a CALM parameter: the dashboard's filter). */
  min_importance?: number | undefined;
  /** false skips counting every match (`total` is then left out): a page of 100k memories need not count them all. */
  include_total?: boolean | undefined;
  /**
   * Give each result the first this many characters of its content, with `truncated: true` when cut (not a
   * CALM parameter: `list_memories` stays metadata only; the dashboard shows rows without a request per row).
   */
  content_preview?: number | undefined;
}

export interface MemoryPage {
  results: MemoryListItem[];
  count: number;
  total: number;
  /** Present when more memories follow: pass it as `cursor` for the next page. */
  next_cursor?: string;
}

export type MemorySummary = Omit<Memory, 'content'>;

/** A list result: metadata, plus the start of the content when `content_preview` asks for it. */
export type MemoryListItem = MemorySummary & { content?: string; truncated?: true };

/** The first `chars` characters of `text`, never splitting a surrogate pair. */
function preview(text: string, chars: number): { content: string; truncated?: true } {
  if (text.length <= chars) return { content: text };
  const end = /[\uD800-\uDBFF]/.test(text[chars - 1]!) ? chars - 1 : chars;
  return { content: text.slice(0, end), truncated: true };
}

/** A memory as `list` shows it: metadata only, missing keys defaulted as CALM did. */
function toSummary(record: StoredRecord): MemorySummary {
  const p = record.payload;
  const memory: MemorySummary = {
    id: record.id,
    category: (p.category as MemoryCategory | undefined) ?? ('unknown' as MemoryCategory),
    importance: typeof p.importance === 'number' ? p.importance : 0.5,
    tags: Array.isArray(p.tags) ? (p.tags as string[]) : [],
    created_at: typeof p.created_at === 'string' ? p.created_at : record.createdAt,
  };
  if (typeof p.updated_at === 'string') memory.updated_at = p.updated_at;
  const project = projectOf(p);
  if (project !== undefined) memory.project = project;
  return memory;
}

function toMemory(record: StoredRecord): Memory {
  const p = record.payload;
  const { id, ...rest } = toSummary(record);
  return { id, content: typeof p.content === 'string' ? p.content : record.text, ...rest };
}

export class MemoryService {
  constructor(
    private readonly records: RecordStore,
    private readonly embedder: () => Promise<Embedder>,
    private readonly guard: CollectionGuard,
    private readonly search: SearchEngine,
    private readonly contentMaxLength: number,
    private readonly currentProject: CurrentProject = async () => undefined,
  ) {}

  async store(input: StoreMemoryInput): Promise<StoreMemoryResult> {
    const category = validateEnum(input.category, MEMORY_CATEGORIES, 'category');
    if (typeof input.content !== 'string') throw validationError('Content must be a string');
    const content = validateTextLength(input.content, this.contentMaxLength, 'Content');
    const importance = validateUnitInterval(input.importance ?? 0.5, 'Importance');
    const tags = validateTags(input.tags);
    const project = input.global === true ? undefined : await this.currentProject();

    await this.guard.ensure(COLLECTION);
    const [vector] = await (await this.embedder()).embed([content]);
    if (input.allow_duplicate !== true) {
      const existing = await findDuplicate(this.records, COLLECTION, vector!, content, project);
      if (existing) {
        const m = toMemory(existing);
        return {
          id: m.id, status: 'duplicate', duplicate_of: m.id, similarity: Number(existing.score.toFixed(4)),
          category: m.category, importance: m.importance, created_at: m.created_at,
        };
      }
    }
    const memory: Memory = { id: randomUUID(), content, category, importance, tags, created_at: nowIso() };
    const payload = { ...memory, [CREATED_TS_KEY]: memoryCreatedTs(memory.created_at), ...(project ? { [PROJECT_KEY]: project } : {}) };
    await this.records.upsert(COLLECTION, [{ id: memory.id, text: content, payload, vector: vector! }]);
    // the confirmation never echoes content or tags: agents pay for every byte they read back
    return { id: memory.id, status: 'stored', category, importance, created_at: memory.created_at };
  }

  async retrieve(input: RetrieveMemoriesInput): Promise<{ results: (Memory & { score: number })[]; count: number }> {
    const category = input.category === undefined ? undefined : validateEnum(input.category, MEMORY_CATEGORIES, 'category');
    const limit = validateLimit(input.limit ?? 10, 1, 100);
    const minImportance = validateUnitInterval(input.min_importance ?? 0, 'min_importance');
    const query = validateQuery(input.query);
    const mode = validateSearchMode(input.search_mode ?? 'semantic');
    const created = createdRange(input.since, input.until);
    const scope = validateScope(input.scope);
    const tags = input.tags === undefined ? undefined : validateTags(input.tags);

    const filter: Record<string, Filter[string]> = {};
    if (category) filter.category = category;
    if (tags && tags.length > 0) filter.tags = { $in: tags };
    if (minImportance > 0) filter.importance = { $gte: minImportance };
    if (created) filter[CREATED_TS_KEY] = created;
    const hits = await searchProjectFirst(
      (projectFilter, n) => this.search.search(COLLECTION, { query, mode, limit: n, filter: { ...filter, ...projectFilter } }),
      await this.currentProject(), scope, limit, 300,
    );
    const results = hits.map((h) => ({ ...toMemory(h), score: h.score }));
    return { results, count: results.length };
  }

  /**
   * Newest first, ordered in the store so the order holds across pages (CALM sorted each page alone).
   * Pages by `offset` (CALM's way) or by `cursor`, which continues after the previous page's last memory:
   * no memory is skipped or repeated while others are stored between pages, and nothing is counted or
   * skipped over. `total` is the collection's kept count without filters; with filters it is counted on
   * the first page (and for every offset page) and carried by the cursor after that; `include_total: false`
   * leaves it out.
   */
  async list(input?: ListMemoriesInput & { include_total?: true }): Promise<MemoryPage>;
  async list(input: ListMemoriesInput): Promise<Omit<MemoryPage, 'total'> & { total?: number }>;
  async list(input: ListMemoriesInput = {}): Promise<Omit<MemoryPage, 'total'> & { total?: number }> {
    const category = input.category === undefined ? undefined : validateEnum(input.category, MEMORY_CATEGORIES, 'category');
    const tags = input.tags === undefined ? undefined : validateTags(input.tags);
    const limit = validateLimit(input.limit ?? 50, 1, 200);
    const offset = validateOffset(input.offset ?? 0);
    const created = createdRange(input.since, input.until);
    const minImportance = validateUnitInterval(input.min_importance ?? 0, 'min_importance');
    const withTotal = input.include_total !== false;
    const previewChars = input.content_preview === undefined ? undefined : validateLimit(input.content_preview, 1, 10_000);
    const filter: Record<string, Filter[string]> = {};
    if (category) filter.category = category;
    if (tags && tags.length > 0) filter.tags = { $in: tags };
    if (minImportance > 0) filter.importance = { $gte: minImportance };
    if (created) filter[CREATED_TS_KEY] = created;
    const filters = JSON.stringify(filter);
    if (input.cursor !== undefined && offset > 0) throw validationError('Give either an offset or a cursor, not both');
    const from = input.cursor === undefined ? undefined : decodeCursor(input.cursor, filters);

    if (!(await this.guard.exists(COLLECTION))) return { results: [], count: 0, ...(withTotal ? { total: 0 } : {}) };
    const filtered = Object.keys(filter).length > 0;
    const order = { key: LIST_ORDER_KEY, direction: 'desc' as const };
    // one row more than the page says whether another page follows
    const rows = await this.records.scroll(COLLECTION, { limit: limit + 1, offset, after: from?.after, filter, orderBy: order });
    const page = rows.slice(0, limit);
    const total = !withTotal ? undefined
      : filtered && from?.total !== undefined ? from.total : await this.records.count(COLLECTION, filtered ? filter : undefined);
    const results: MemoryListItem[] = previewChars === undefined ? page.map(toSummary)
      : page.map((r) => { const { id, content, ...rest } = toMemory(r); return { id, ...preview(content, previewChars), ...rest }; });
    const out: Omit<MemoryPage, 'total'> & { total?: number } = { results, count: results.length, ...(total === undefined ? {} : { total }) };
    if (rows.length > limit) out.next_cursor = encodeCursor(page[page.length - 1]!, LIST_ORDER_KEY, filters, filtered ? total : undefined);
    return out;
  }

  async get(memoryId: string): Promise<MemoryWithHistory> {
    const record = await this.find(memoryId);
    return { ...toMemory(record), history: historyOf(record.payload) };
  }

  /**
   * Edits a memory in place. The previous version goes to the payload's `history` (so it lives, and is
   * backed up, with the record on either backend); the vector is recomputed only when the content changes,
   * and the keyword index follows the new text. A patch that changes nothing writes nothing.
   */
  async update(memoryId: string, patch: UpdateMemoryPatch): Promise<UpdateMemoryResult> {
    const id = validateUuid(memoryId, 'memory_id');
    if (patch.category !== undefined) validateEnum(patch.category, MEMORY_CATEGORIES, 'category');
    if (patch.content !== undefined) {
      if (typeof patch.content !== 'string') throw validationError('Content must be a string');
      validateTextLength(patch.content, this.contentMaxLength, 'Content');
    }
    if (patch.importance !== undefined) validateUnitInterval(patch.importance, 'Importance');
    if (patch.tags !== undefined) validateTags(patch.tags);
    if (patch.content === undefined && patch.category === undefined && patch.importance === undefined && patch.tags === undefined) {
      throw validationError('Nothing to update: give content, category, importance or tags');
    }

    const record = await this.find(id, { withVectors: true });
    const current = toMemory(record);
    const next = applyMemoryPatch(current, record.payload, patch as UpdateMemoryPatch & { category?: MemoryCategory }, nowIso());
    if (next.changed.length === 0) {
      return { id, status: 'unchanged', changed: [], category: current.category, importance: current.importance, updated_at: current.updated_at ?? current.created_at };
    }
    const vector = next.changed.includes('content') || !record.vector
      ? (await (await this.embedder()).embed([next.payload.content as string]))[0]!
      : record.vector;
    await this.guard.ensure(COLLECTION);
    await this.records.upsert(COLLECTION, [{ id, text: next.payload.content as string, payload: next.payload, vector }]);
    return {
      id, status: 'updated', changed: next.changed, category: next.payload.category as MemoryCategory,
      importance: next.payload.importance as number, updated_at: next.payload.updated_at as string,
    };
  }

  private async find(memoryId: string, options: { withVectors?: boolean } = {}): Promise<StoredRecord> {
    const id = validateUuid(memoryId, 'memory_id');
    const [record] = (await this.guard.exists(COLLECTION)) ? await this.records.get(COLLECTION, [id], options) : [];
    if (!record) throw notFound(`Memory not found: ${id}`);
    return record;
  }

  /** `deleted` says whether a memory was actually removed (CALM always said true). */
  async delete(memoryId: string): Promise<{ deleted: boolean }> {
    const id = validateUuid(memoryId, 'memory_id');
    if (!(await this.guard.exists(COLLECTION))) return { deleted: false };
    return { deleted: (await this.records.delete(COLLECTION, { ids: [id] })) > 0 };
  }
}
