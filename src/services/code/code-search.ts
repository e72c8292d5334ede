/**
 * @module search_code and find_similar_code: the shared SearchEngine over `code_units`. Units carry
 * their code, so keyword search matches code and docstrings too (in CALM only qualified names could).
 */
import { validationError } from '../../errors.js';
import { COLLECTIONS } from '../../store/records/collections.js';
import type { ScoredRecord } from '../../store/records/record-store.js';
import type { SearchEngine } from '../search.js';
import { validateLimit, validateQuery, validateSearchMode, validateTextLength } from '../validation.js';
import { SNIPPET_MAX_LENGTH, validateLanguage, validateProjectId } from './validation.js';

const COLLECTION = COLLECTIONS.codeUnits;
/** Code shown per search result; the unit's full code stays in the index (and in assembled context). */
export const RESULT_CODE_MAX = 2000;

export interface CodeHit {
  project: string;
  file_path: string;
  name: string;
  qualified_name: string;
  unit_type: string;
  signature: string;
  language: string;
  start_line: number;
  end_line: number;
  line_count: number;
  complexity: number | null;
  has_docstring: boolean;
  docstring: string | null;
  code: string;
  code_truncated?: true;
  indexed_at: string;
  id: string;
  score: number;
}

export interface SearchCodeInput {
  query: string;
  project?: string | undefined;
  language?: string | undefined;
  limit?: number | undefined;
  search_mode?: string | undefined;
}

export interface FindSimilarCodeInput {
  snippet: string;
  project?: string | undefined;
  limit?: number | undefined;
}

function toHit(r: ScoredRecord): CodeHit {
  const p = r.payload as unknown as Omit<CodeHit, 'id' | 'score'>;
  const code = typeof p.code === 'string' ? p.code : '';
  const cut = code.length > RESULT_CODE_MAX;
  return {
    ...p,
    code: cut ? code.slice(0, RESULT_CODE_MAX) : code,
    ...(cut || p.code_truncated ? { code_truncated: true as const } : {}),
    id: r.id,
    score: r.score,
  };
}

export class CodeSearch {
  constructor(private readonly search: SearchEngine) {}

  /** CALM's order of checks: limit, language, project, query length, mode; a blank query finds nothing. */
  async searchCode(input: SearchCodeInput): Promise<{ results: CodeHit[]; count: number }> {
    const limit = validateLimit(input.limit ?? 10, 1, 50);
    const language = input.language === undefined ? undefined : validateLanguage(input.language);
    const project = input.project === undefined ? undefined : validateProjectId(input.project);
    const query = validateQuery(input.query);
    const mode = validateSearchMode(input.search_mode ?? 'semantic');
    const filter: Record<string, string> = {};
    if (project) filter.project = project;
    if (language) filter.language = language;
    const hits = await this.search.search(COLLECTION, { query, mode, limit, filter });
    const results = hits.map(toHit);
    return { results, count: results.length };
  }

  async findSimilar(input: FindSimilarCodeInput): Promise<{ results: CodeHit[]; count: number }> {
    if (typeof input.snippet !== 'string') throw validationError('Snippet must be a string');
    const snippet = validateTextLength(input.snippet, SNIPPET_MAX_LENGTH, 'Snippet');
    const project = input.project === undefined ? undefined : validateProjectId(input.project);
    const limit = validateLimit(input.limit ?? 10, 1, 50);
    const hits = await this.search.search(COLLECTION, { query: snippet, mode: 'semantic', limit, filter: project ? { project } : undefined });
    const results = hits.map(toHit);
    return { results, count: results.length };
  }
}
