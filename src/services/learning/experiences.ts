/**
 * @module Searching experiences (resolved GHAP entries) on one axis, through the shared SearchEngine:
 * semantic, keyword or hybrid, filtered by domain and outcome; the caller's project's experiences (and
 * global ones: resolved before projects were recorded) first, or only them with scope 'project'.
 */
import type { Filter } from '../../store/records/filter.js';
import type { StoredRecord } from '../../store/records/record-store.js';
import { AXIS_COLLECTIONS, DOMAINS, OUTCOME_STATUS_VALUES } from '../ghap/model.js';
import { validateAxis, validateGhapLimit } from '../ghap/validation.js';
import { type CurrentProject, projectOf, searchProjectFirst, validateScope } from '../project-scope.js';
import type { SearchEngine } from '../search.js';
import { validateEnum, validateQuery, validateSearchMode } from '../validation.js';

export interface SearchExperiencesInput {
  query: string;
  axis?: string | undefined;
  domain?: string | undefined;
  outcome?: string | undefined;
  limit?: number | undefined;
  search_mode?: string | undefined;
  scope?: string | undefined;
}

/** CALM's 18 keys; a field the entry does not have is null. */
export interface ExperienceHit {
  id: string;
  ghap_id: string | null;
  axis: string;
  domain: string | null;
  strategy: string | null;
  goal: string | null;
  hypothesis: string | null;
  action: string | null;
  prediction: string | null;
  outcome_status: string | null;
  outcome_result: string | null;
  surprise: string | null;
  root_cause: unknown;
  lesson: unknown;
  confidence_tier: string | null;
  iteration_count: number | null;
  score: number;
  created_at: string | null;
  /** The project the entry was started in; absent for a global experience. */
  project?: string;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export function toExperienceHit(record: StoredRecord & { score: number }, axis: string): ExperienceHit {
  const p = record.payload;
  return {
    id: record.id,
    ghap_id: str(p.ghap_id),
    axis,
    domain: str(p.domain),
    strategy: str(p.strategy),
    goal: str(p.goal),
    hypothesis: str(p.hypothesis),
    action: str(p.action),
    prediction: str(p.prediction),
    outcome_status: str(p.outcome_status),
    outcome_result: str(p.outcome_result),
    surprise: str(p.surprise),
    root_cause: p.root_cause ?? null,
    lesson: p.lesson ?? null,
    confidence_tier: str(p.confidence_tier),
    iteration_count: typeof p.iteration_count === 'number' ? p.iteration_count : null,
    score: record.score,
    created_at: str(p.created_at),
    ...(projectOf(p) ? { project: projectOf(p)! } : {}),
  };
}

export class ExperienceService {
  constructor(
    private readonly search: SearchEngine,
    private readonly currentProject: CurrentProject = async () => undefined,
  ) {}

  /** Every parameter is checked first; then a blank query finds nothing (CALM skipped the checks for it). */
  async searchExperiences(input: SearchExperiencesInput): Promise<{ results: ExperienceHit[]; count: number }> {
    const query = validateQuery(input.query);
    const axis = validateAxis(input.axis ?? 'full');
    const mode = validateSearchMode(input.search_mode ?? 'semantic');
    const domain = input.domain === undefined ? undefined : validateEnum(input.domain, DOMAINS, 'domain');
    const outcome = input.outcome === undefined ? undefined : validateEnum(input.outcome, OUTCOME_STATUS_VALUES, 'outcome status');
    const limit = validateGhapLimit(input.limit ?? 10, 1, 50);
    const scope = validateScope(input.scope);

    const filter: Record<string, Filter[string]> = {};
    if (domain) filter.domain = domain;
    if (outcome) filter.outcome_status = outcome;
    const hits = await searchProjectFirst(
      (projectFilter, n) => this.search.search(AXIS_COLLECTIONS[axis], { query, mode, limit: n, filter: { ...filter, ...projectFilter } }),
      await this.currentProject(), scope, limit, 150,
    );
    const results = hits.map((h) => toExperienceHit(h, axis));
    return { results, count: results.length };
  }
}
