/**
 * @module What the UserPromptSubmit hook injects: the memories, experiences and values relevant to a
 * prompt, within a token budget.
 *
 * CALM injected the five most important memories whatever the prompt said. Here every item must be
 * relevant, judged on two signals: cosine similarity of the prompt and the record, and the meaningful
 * (non-stopword) words they share. A record is kept when its similarity is strong on its own, or
 * moderate and backed by a shared word. Without a loaded model (the hook's fallback when the daemon
 * does not answer and the embedder is a neural model, too slow to load in a hook) only shared words
 * count, and two are needed. Thresholds differ per embedder: the built-in hash embedder is lexical and
 * scores unrelated English text up to ~0.3 through common trigrams; neural models score differently.
 */
import type { Embedder } from '../../embedding/embedder.js';
import { COLLECTIONS } from '../../store/records/collections.js';
import type { RecordStore, ScoredRecord } from '../../store/records/record-store.js';
import { cosineSimilarity } from '../../embedding/embedder.js';
import type { Filter } from '../../store/records/filter.js';
import { inProject, PROJECT_KEY } from '../project-scope.js';
import { meaningfulTerms, sharedTerms } from '../query-terms.js';

export type PromptContextMode = 'semantic' | 'keyword';
export type PromptContextKind = 'memory' | 'experience' | 'value';

export interface PromptContextItem {
  readonly kind: PromptContextKind;
  readonly id: string;
  /** The line the hook shows, already cut to fit. */
  readonly text: string;
  /** Cosine similarity when measured, else the share of the prompt's words found in the record. */
  readonly score: number;
  /** Whether it is the prompt's project's or global (true), or another project's (false). */
  readonly own: boolean;
}

export interface PromptContext {
  readonly mode: PromptContextMode;
  readonly items: PromptContextItem[];
  readonly token_count: number;
  /** Relevant items left out to keep within the budget. */
  readonly omitted: number;
}

export interface PromptContextOptions {
  readonly mode?: PromptContextMode;
  readonly maxTokens?: number;
  /** The prompt's project: its records and global ones come before other projects' (see project-scope.ts). */
  readonly project?: string | undefined;
}

export interface PromptContextDeps {
  readonly records: RecordStore;
  readonly embedder: () => Promise<Embedder>;
}

export const PROMPT_CONTEXT_MAX_TOKENS = 1000;
/** Longest prompt looked at: the start of a pasted log says what it is about. */
export const PROMPT_MAX_CHARS = 2000;
const ITEM_MAX_CHARS = 400;
const CANDIDATES = 8;
const PER_KIND: Readonly<Record<PromptContextKind, number>> = { memory: 5, experience: 3, value: 3 };

interface Thresholds {
  /** Similarity that makes a record relevant by itself. */
  readonly strong: number;
  /** Similarity that, with a shared word, makes a record relevant. */
  readonly weak: number;
}

const HASH_THRESHOLDS: Thresholds = { strong: 0.45, weak: 0.1 };
const MODEL_THRESHOLDS: Thresholds = { strong: 0.5, weak: 0.25 };
export const thresholdsFor = (embedderId: string): Thresholds => (embedderId.startsWith('hash') ? HASH_THRESHOLDS : MODEL_THRESHOLDS);

/** The prompt's project's and global items before other projects', each group best score first. */
const ownFirst = (a: PromptContextItem, b: PromptContextItem): number =>
  Number(b.own) - Number(a.own) || b.score - a.score || a.id.localeCompare(b.id);

export const estimateTokens = (text: string): number => Math.ceil(text.length / 4);

const cut = (text: string, max: number): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
};
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

function memoryLine(r: ScoredRecord): string {
  const p = r.payload;
  const category = str(p.category) ?? 'memory';
  return cut(`[${category}] ${str(p.content) ?? r.text}`, ITEM_MAX_CHARS);
}

function experienceLine(r: ScoredRecord): string {
  const p = r.payload;
  const lesson = p.lesson as { what_worked?: unknown; takeaway?: unknown } | null | undefined;
  const parts = [
    `[${str(p.domain) ?? 'experience'}, ${str(p.outcome_status) ?? 'resolved'}]`,
    str(p.goal) ? `Goal: ${str(p.goal)}.` : '',
    str(p.hypothesis) ? `Hypothesis: ${str(p.hypothesis)}.` : '',
    str(p.outcome_result) ? `Result: ${str(p.outcome_result)}.` : '',
    str(lesson?.takeaway) ?? str(lesson?.what_worked) ? `Lesson: ${str(lesson?.takeaway) ?? str(lesson?.what_worked)}.` : '',
  ];
  return cut(parts.filter(Boolean).join(' ') || r.text, ITEM_MAX_CHARS);
}

const valueLine = (r: ScoredRecord): string => cut(str(r.payload.text) ?? r.text, ITEM_MAX_CHARS);

const SOURCES: readonly { kind: PromptContextKind; collection: string; line: (r: ScoredRecord) => string }[] = [
  { kind: 'memory', collection: COLLECTIONS.memories, line: memoryLine },
  { kind: 'experience', collection: COLLECTIONS.ghapFull, line: experienceLine },
  { kind: 'value', collection: COLLECTIONS.values, line: valueLine },
];

export class PromptContextService {
  constructor(private readonly deps: PromptContextDeps) {}

  async find(prompt: string, options: PromptContextOptions = {}): Promise<PromptContext> {
    const mode = options.mode ?? 'semantic';
    const maxTokens = Math.max(50, Math.floor(options.maxTokens ?? PROMPT_CONTEXT_MAX_TOKENS));
    const query = prompt.slice(0, PROMPT_MAX_CHARS).trim();
    const terms = meaningfulTerms(query);
    if (query === '' || (terms.size === 0 && mode === 'keyword')) return { mode, items: [], token_count: 0, omitted: 0 };

    let embedder: Embedder | undefined;
    let vector: Float32Array | undefined;
    if (mode === 'semantic') {
      embedder = await this.deps.embedder();
      vector = (await embedder.embed([query], 'query'))[0];
    }
    const thresholds = thresholdsFor(embedder?.id ?? '');

    const project = options.project;
    // with a project, its own records are also searched on their own, so other projects' cannot crowd them out
    const filters: (Filter | undefined)[] = project === undefined ? [undefined] : [{ [PROJECT_KEY]: project }, undefined];
    const relevant: PromptContextItem[] = [];
    for (const source of SOURCES) {
      const info = await this.deps.records.info(source.collection);
      if (!info || info.count === 0) continue;
      const candidates = new Map<string, { record: ScoredRecord; similarity?: number }>();
      for (const filter of filters) {
        if (vector && embedder && info.embedder === embedder.id && info.dim === vector.length) {
          for (const r of await this.deps.records.search(source.collection, vector, { limit: CANDIDATES, filter })) {
            if (!candidates.has(r.id)) candidates.set(r.id, { record: r, similarity: r.score });
          }
        }
        if (terms.size > 0) {
          const wantVectors = vector !== undefined && info.embedder === embedder?.id;
          for (const r of await this.deps.records.keyword(source.collection, query, { limit: CANDIDATES, withVectors: wantVectors, filter })) {
            if (candidates.has(r.id)) continue;
            candidates.set(r.id, { record: r, ...(r.vector && vector ? { similarity: cosineSimilarity(vector, r.vector) } : {}) });
          }
        }
      }
      const kept: PromptContextItem[] = [];
      for (const { record, similarity } of candidates.values()) {
        const shared = terms.size > 0 ? sharedTerms(terms, record.text) : 0;
        const isRelevant =
          similarity === undefined
            ? shared >= Math.min(2, terms.size)
            : similarity >= thresholds.strong || (shared >= 1 && similarity >= thresholds.weak);
        if (!isRelevant) continue;
        kept.push({
          kind: source.kind, id: record.id, text: source.line(record), score: similarity ?? shared / Math.max(1, terms.size),
          own: inProject(record.payload, project),
        });
      }
      kept.sort(ownFirst);
      relevant.push(...kept.slice(0, PER_KIND[source.kind]));
    }

    // the project's (and global) items first, best first, while they fit; a long one may be passed over for a shorter one
    relevant.sort(ownFirst);
    const items: PromptContextItem[] = [];
    let tokens = 0;
    for (const item of relevant) {
      const cost = estimateTokens(item.text) + 2;
      if (tokens + cost > maxTokens) continue;
      items.push(item);
      tokens += cost;
    }
    return { mode, items, token_count: tokens, omitted: relevant.length - items.length };
  }
}
