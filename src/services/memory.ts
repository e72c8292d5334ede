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
import type { SearchEngine } from './search.js';
import {
  MEMORY_CATEGORIES, type MemoryCategory, validateEnum, validateLimit, validateOffset, validateQuery, validateSearchMode,
  validateTags, validateTextLength, validateUnitInterval, validateUuid,
} from './validation.js';

const COLLECTION = COLLECTIONS.memories;

export interface Memory {
  id: string;
  content: string;
  category: MemoryCategory;
  importance: number;
  tags: string[];
  created_at: string;
}

export interface StoreMemoryInput {
  content: string;
  category: string;
  importance?: number | undefined;
  tags?: string[] | undefined;
}

export interface RetrieveMemoriesInput {
  query: string;
  limit?: number | undefined;
  category?: string | undefined;
  min_importance?: number | undefined;
  search_mode?: string | undefined;
}

export interface ListMemoriesInput {
  category?: string | undefined;
  tags?: string[] | undefined;
  limit?: number | undefined;
  offset?: number | undefined;
}

export type MemorySummary = Omit<Memory, 'content'>;

function toMemory(record: StoredRecord): Memory {
  const p = record.payload;
  return {
    id: record.id,
    content: typeof p.content === 'string' ? p.content : record.text,
    category: (p.category as MemoryCategory | undefined) ?? ('unknown' as MemoryCategory),
    importance: typeof p.importance === 'number' ? p.importance : 0.5,
    tags: Array.isArray(p.tags) ? (p.tags as string[]) : [],
    created_at: typeof p.created_at === 'string' ? p.created_at : record.createdAt,
  };
}

export class MemoryService {
  constructor(
    private readonly records: RecordStore,
    private readonly embedder: () => Promise<Embedder>,
    private readonly guard: CollectionGuard,
    private readonly search: SearchEngine,
    private readonly contentMaxLength: number,
  ) {}

  async store(input: StoreMemoryInput): Promise<{ id: string; status: 'stored'; category: MemoryCategory; importance: number; created_at: string }> {
    const category = validateEnum(input.category, MEMORY_CATEGORIES, 'category');
    if (typeof input.content !== 'string') throw validationError('Content must be a string');
    const content = validateTextLength(input.content, this.contentMaxLength, 'Content');
    const importance = validateUnitInterval(input.importance ?? 0.5, 'Importance');
    const tags = validateTags(input.tags);

    await this.guard.ensure(COLLECTION);
    const [vector] = await (await this.embedder()).embed([content]);
    const memory: Memory = { id: randomUUID(), content, category, importance, tags, created_at: nowIso() };
    await this.records.upsert(COLLECTION, [{ id: memory.id, text: content, payload: { ...memory }, vector: vector! }]);
    // the confirmation never echoes content or tags: agents pay for every byte they read back
    return { id: memory.id, status: 'stored', category, importance, created_at: memory.created_at };
  }

  async retrieve(input: RetrieveMemoriesInput): Promise<{ results: (Memory & { score: number })[]; count: number }> {
    const category = input.category === undefined ? undefined : validateEnum(input.category, MEMORY_CATEGORIES, 'category');
    const limit = validateLimit(input.limit ?? 10, 1, 100);
    const minImportance = validateUnitInterval(input.min_importance ?? 0, 'min_importance');
    const query = validateQuery(input.query);
    const mode = validateSearchMode(input.search_mode ?? 'semantic');

    const filter: Record<string, Filter[string]> = {};
    if (category) filter.category = category;
    if (minImportance > 0) filter.importance = { $gte: minImportance };
    const hits = await this.search.search(COLLECTION, { query, mode, limit, filter });
    const results = hits.map((h) => ({ ...toMemory(h), score: h.score }));
    return { results, count: results.length };
  }

  async list(input: ListMemoriesInput = {}): Promise<{ results: MemorySummary[]; count: number; total: number }> {
    const category = input.category === undefined ? undefined : validateEnum(input.category, MEMORY_CATEGORIES, 'category');
    const tags = input.tags === undefined ? undefined : validateTags(input.tags);
    const limit = validateLimit(input.limit ?? 50, 1, 200);
    const offset = validateOffset(input.offset ?? 0);

    if (!(await this.guard.exists(COLLECTION))) return { results: [], count: 0, total: 0 };
    const filter: Record<string, Filter[string]> = {};
    if (category) filter.category = category;
    if (tags && tags.length > 0) filter.tags = { $in: tags };
    const [total, rows] = await Promise.all([
      this.records.count(COLLECTION, filter),
      // ordered in the store, so "newest first" holds across pages (CALM sorted each page alone)
      this.records.scroll(COLLECTION, { limit, offset, filter, orderBy: { key: 'created_at', direction: 'desc' } }),
    ]);
    const results = rows.map((r) => {
      const { content: _content, ...summary } = toMemory(r);
      return summary;
    });
    return { results, count: results.length, total };
  }

  async get(memoryId: string): Promise<Memory> {
    const id = validateUuid(memoryId, 'memory_id');
    const [record] = (await this.guard.exists(COLLECTION)) ? await this.records.get(COLLECTION, [id]) : [];
    if (!record) throw notFound(`Memory not found: ${id}`);
    return toMemory(record);
  }

  /** `deleted` says whether a memory was actually removed (CALM always said true). */
  async delete(memoryId: string): Promise<{ deleted: boolean }> {
    const id = validateUuid(memoryId, 'memory_id');
    if (!(await this.guard.exists(COLLECTION))) return { deleted: false };
    return { deleted: (await this.records.delete(COLLECTION, { ids: [id] })) > 0 };
  }
}
