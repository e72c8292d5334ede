/**
 * @module assemble_context: relevant memories, code, experiences, values and commits for a prompt, as
 * one markdown document within a token budget.
 *
 * 1. Every requested source is searched at once (hybrid ranking); a failing source contributes nothing
 *    and is named in `warnings`. Memories, experiences and values are chosen project first: the caller's
 *    project's and global ones fill a source's `limit` before other projects' (project-scope.ts), and keep
 *    that place in the budget and the document: within a source, they come before other projects' items
 *    whatever their scores, then the most relevant first.
 * 2. Duplicates across sources are dropped (dedup.ts).
 * 3. The budget, less the document's frame, is split by source weight over the sources that found
 *    something (CALM also gave a share to sources that found nothing, and lost it). Within its share
 *    a source takes its best items; an item may use at most a quarter of the share (or an even split
 *    when there are fewer items), and a longer one is cut, with a note. Items that do not fit are
 *    passed over for smaller ones. What is left over goes to the sources that still have items, the
 *    one with the most relevant item first (so even a small budget shows the best item).
 * 4. The document: `# Context`, a section per source in the order of its best item (items in the order
 *    of 1.), a footer.
 *    `token_count` is the estimate of that exact text and is never above `max_tokens`.
 */
import { validationError } from '../../errors.js';
import { COLLECTIONS } from '../../store/records/collections.js';
import type { ScoredRecord } from '../../store/records/record-store.js';
import { type CurrentProject, inProject, searchProjectFirst } from '../project-scope.js';
import type { SearchEngine } from '../search.js';
import { validateLimit, validateQuery } from '../validation.js';
import { deduplicate } from './dedup.js';
import { codeItem, commitItem, type ContextItem, experienceItem, memoryItem, projectThenRelevance, valueItem } from './items.js';
import { type ContextSource, distributeBudget, estimateTokens } from './tokens.js';

/** CALM's order of the valid types (its error message lists them so). */
export const CONTEXT_TYPES = ['values', 'experiences', 'memories', 'code', 'commits'] as const;
export type ContextType = ContextSource;

const TITLES: Readonly<Record<ContextSource, string>> = {
  memories: 'Memories', code: 'Code', experiences: 'Experiences', values: 'Values', commits: 'Commits',
};

const SOURCES: Readonly<Record<ContextSource, { collection: string; toItem: (r: ScoredRecord) => ContextItem; limit: (l: number) => number }>> = {
  memories: { collection: COLLECTIONS.memories, toItem: memoryItem, limit: (l) => l },
  code: { collection: COLLECTIONS.codeUnits, toItem: codeItem, limit: (l) => l },
  experiences: { collection: COLLECTIONS.ghapFull, toItem: experienceItem, limit: (l) => l },
  // CALM asked for 5 values whatever the limit; fewer when the limit is smaller
  values: { collection: COLLECTIONS.values, toItem: valueItem, limit: (l) => Math.min(l, 5) },
  commits: { collection: COLLECTIONS.commits, toItem: commitItem, limit: (l) => l },
};

/** Sources whose records carry the project they came from (code and commits belong to their repository). */
const PROJECT_SCOPED: ReadonlySet<ContextSource> = new Set(['memories', 'experiences', 'values']);

const ITEM_SHARE = 0.25;
const MAX_TOKENS_MIN = 100;
const MAX_TOKENS_MAX = 10_000;

export interface AssembleContextInput {
  query: string;
  context_types?: readonly string[] | undefined;
  limit?: number | undefined;
  max_tokens?: number | undefined;
}

export interface AssembledContext {
  markdown: string;
  token_count: number;
  item_count: number;
  /** Whether anything found was cut or left out to keep within `max_tokens`. */
  truncated: boolean;
  sources_used: Partial<Record<ContextSource, number>>;
  warnings?: string[];
}

function validateTypes(value: unknown): ContextSource[] {
  if (value === undefined || value === null) return [...CONTEXT_TYPES];
  if (!Array.isArray(value)) throw validationError('context_types must be a list of strings');
  const invalid = value.filter((t) => !(CONTEXT_TYPES as readonly unknown[]).includes(t));
  if (invalid.length) {
    const repr = `[${invalid.map((t) => `'${String(t)}'`).join(', ')}]`;
    throw validationError(`Invalid context types: ${repr}. Valid options: ${CONTEXT_TYPES.join(', ')}`);
  }
  return [...new Set(value as ContextSource[])];
}

function validateMaxTokens(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < MAX_TOKENS_MIN || value > MAX_TOKENS_MAX) {
    throw validationError(`Max_tokens ${String(value)} out of range. Must be between ${MAX_TOKENS_MIN} and ${MAX_TOKENS_MAX}.`);
  }
  return value;
}

interface Selected {
  readonly item: ContextItem;
  readonly text: string;
  readonly cut: boolean;
}

const bestRelevance = (items: readonly { readonly relevance: number }[]): number => Math.max(...items.map((i) => i.relevance));

function renderDocument(selected: readonly Selected[]): string {
  const bySource = new Map<ContextSource, Selected[]>();
  for (const s of selected) bySource.set(s.item.source, [...(bySource.get(s.item.source) ?? []), s]);
  // sections in the order of their best item; within one, the caller's project first
  const sections = [...bySource].sort(([, a], [, b]) => bestRelevance(b.map((s) => s.item)) - bestRelevance(a.map((s) => s.item)));
  const lines = ['# Context'];
  for (const [source, items] of sections) {
    lines.push('', `## ${TITLES[source]}`);
    for (const s of [...items].sort((a, b) => projectThenRelevance(a.item, b.item))) lines.push('', s.text);
  }
  lines.push('', '---', `*${selected.length} items from ${bySource.size} sources*`);
  return lines.join('\n');
}

/** Tokens of the document's frame (title, section headings, footer) for these sources. */
function frameTokens(sources: readonly ContextSource[], itemCount: number): number {
  const headings = sources.map((s) => `\n\n## ${TITLES[s]}`).join('');
  return estimateTokens(`# Context${headings}\n\n---\n*${itemCount} items from ${sources.length} sources*`);
}

/** Takes items in order while they fit `budget`; an item longer than `cap` is cut to it. Returns what is left of the budget. */
function fill(pending: ContextItem[], chosen: Selected[], budget: number, cap: number): number {
  let left = budget;
  for (let i = 0; i < pending.length && left > 0; ) {
    const item = pending[i]!;
    const limit = Math.min(cap, left);
    // each item costs its text plus the blank line before it
    const full = item.render()!;
    let pick: Selected | undefined;
    if (estimateTokens(`\n\n${full}`) <= limit) pick = { item, text: full, cut: false };
    else {
      const short = item.render(Math.max(0, limit * 4 - 2));
      if (short !== undefined && estimateTokens(`\n\n${short}`) <= limit) pick = { item, text: short, cut: true };
    }
    if (pick) {
      chosen.push(pick);
      left -= estimateTokens(`\n\n${pick.text}`);
      pending.splice(i, 1);
    } else i++;
  }
  return left;
}

export class ContextService {
  constructor(
    private readonly search: SearchEngine,
    private readonly currentProject: CurrentProject = async () => undefined,
  ) {}

  async assemble(input: AssembleContextInput): Promise<AssembledContext> {
    if (typeof input.query !== 'string') throw validationError('Query must be a string');
    const types = validateTypes(input.context_types);
    const limit = validateLimit(input.limit ?? 10, 1, 50);
    const maxTokens = validateMaxTokens(input.max_tokens ?? 1500);
    const query = validateQuery(input.query);
    if (query.trim() === '' || types.length === 0) {
      return { markdown: '', token_count: 0, item_count: 0, truncated: false, sources_used: {} };
    }

    const warnings: string[] = [];
    const project = await this.currentProject();
    const found = await Promise.all(
      types.map(async (source) => {
        const s = SOURCES[source];
        try {
          const run = (filter: Readonly<Record<string, string>>, n: number) => this.search.search(s.collection, { query, mode: 'hybrid', limit: n, filter });
          const hits = PROJECT_SCOPED.has(source)
            ? await searchProjectFirst(run, project, 'all', s.limit(limit), 150)
            : await run({}, s.limit(limit));
          if (!PROJECT_SCOPED.has(source)) return hits.map(s.toItem);
          return hits.map((r) => ({ ...s.toItem(r), tier: inProject(r.payload, project) ? 0 : 1 }));
        } catch (e) {
          warnings.push(`${source}: ${(e as Error).message}`);
          return [];
        }
      }),
    );
    const items = deduplicate(found.flat());
    const pending = new Map<ContextSource, ContextItem[]>();
    for (const item of [...items].sort(projectThenRelevance)) pending.set(item.source, [...(pending.get(item.source) ?? []), item]);
    const active = types.filter((t) => pending.has(t));

    const chosen: Selected[] = [];
    if (active.length) {
      const available = maxTokens - frameTokens(active, items.length);
      const budgets = distributeBudget(active, available);
      let pool = 0;
      for (const source of active) {
        const list = pending.get(source)!;
        const budget = budgets.get(source)!;
        const cap = Math.floor(budget / Math.min(list.length, Math.round(1 / ITEM_SHARE)));
        pool += fill(list, chosen, budget, cap);
      }
      // what is left goes to the sources that still have items, the one with the most relevant item first
      const hungry = active
        .filter((s) => pending.get(s)!.length > 0)
        .sort((a, b) => bestRelevance(pending.get(b)!) - bestRelevance(pending.get(a)!));
      for (const source of hungry) pool = fill(pending.get(source)!, chosen, pool, pool);
    }

    // the frame was reserved for every item found; the estimate is exact, so this only ever drops on a bug
    let markdown = renderDocument(chosen);
    while (estimateTokens(markdown) > maxTokens && chosen.length) {
      chosen.sort((a, b) => projectThenRelevance(a.item, b.item)).pop();
      markdown = renderDocument(chosen);
    }
    const sourcesUsed: Partial<Record<ContextSource, number>> = {};
    for (const s of chosen) sourcesUsed[s.item.source] = (sourcesUsed[s.item.source] ?? 0) + 1;
    return {
      markdown,
      token_count: estimateTokens(markdown),
      item_count: chosen.length,
      truncated: chosen.length < items.length || chosen.some((s) => s.cut),
      sources_used: sourcesUsed,
      ...(warnings.length ? { warnings } : {}),
    };
  }
}
