/**
 * @module The GHAP learning loop: start an entry (Goal, Hypothesis, Action, Prediction), revise it,
 * resolve it with its outcome. One entry is active at a time.
 *
 * State lives in the database (ghap_entries and its history and notes), not in loose JSON files.
 * Resolving embeds the entry's 2–4 axis texts first, then writes the resolved row and the axis records
 * in one transaction: either the entry is resolved and its experiences are searchable, or nothing
 * changed and the entry is still active (CALM could end "resolved locally but not persisted").
 */
import { randomBytes } from 'node:crypto';
import { type CurrentProject, PROJECT_KEY } from '../project-scope.js';
import type { Embedder } from '../../embedding/embedder.js';
import { CalmError, notFound, validationError } from '../../errors.js';
import type { GhapRepository, GhapRow } from '../../store/ghap-repository.js';
import type { CollectionWrite, RecordStore } from '../../store/records/record-store.js';
import { nowIso } from '../../store/time.js';
import type { CollectionGuard } from '../collection-guard.js';
import { validateEnum } from '../validation.js';
import { axesFor, renderAxisText, type ResolvedView } from './axes.js';
import { confidenceTier, type ConfidenceTier } from './confidence.js';
import {
  AXIS_COLLECTIONS, DOMAINS, type GhapPlan, type HistoryEntry, type Lesson, type Note, OUTCOME_STATUS_VALUES, type OutcomeStatus,
  ROOT_CAUSE_CATEGORIES, type RootCause, STRATEGIES,
} from './model.js';
import { maxLength, optionalText, parseSince, requiredText, validateGhapLimit } from './validation.js';

export const GHAP_FIELD_MAX = 1000;
export const GHAP_NOTE_MAX = 2000;
export const GHAP_OUTCOME_FIELD_MAX = 2000;

export type StartGhapInput = GhapPlan;

export interface UpdateGhapInput {
  hypothesis?: string | undefined;
  action?: string | undefined;
  prediction?: string | undefined;
  strategy?: string | undefined;
  note?: string | undefined;
}

export interface ResolveGhapInput {
  status: string;
  result?: string | undefined;
  surprise?: string | undefined;
  root_cause?: unknown;
  lesson?: unknown;
}

export interface ListGhapInput {
  limit?: number | undefined;
  domain?: string | undefined;
  outcome?: string | undefined;
  since?: string | undefined;
}

/** get_active_ghap's keys, all null when nothing is active. */
export type ActiveGhapView = { [K in keyof GhapPlan | 'id' | 'created_at']: string | null } & { iteration_count: number | null; has_active: boolean };

/** An entry in full, with what each update replaced and the notes taken along the way. */
export interface GhapEntry extends GhapPlan {
  id: string;
  session_id: string | null;
  status: 'active' | OutcomeStatus;
  iteration_count: number;
  history: HistoryEntry[];
  notes: Note[];
  created_at: string;
  result: string | null;
  surprise: string | null;
  root_cause: RootCause | null;
  lesson: Lesson | null;
  confidence_tier: ConfidenceTier | null;
  captured_at: string | null;
}

export interface GhapSummary {
  id: string;
  domain: string;
  strategy: string;
  outcome_status: string;
  confidence_tier: string | null;
  iteration_count: number;
  created_at: string;
  captured_at: string | null;
}

/** `<prefix>_YYYYMMDD_HHMMSS_<6 hex>`, UTC, CALM's id layout. */
export function timestampedId(prefix: 'ghap' | 'session', at = new Date()): string {
  const iso = at.toISOString();
  return `${prefix}_${iso.slice(0, 10).replaceAll('-', '')}_${iso.slice(11, 19).replaceAll(':', '')}_${randomBytes(3).toString('hex')}`;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function validateRootCause(value: unknown): RootCause {
  if (!isObject(value)) throw validationError("Field 'root_cause' must be a dict with 'category' and 'description'");
  const { category, description } = value;
  if (category === undefined || category === null || category === '') throw validationError("Field 'root_cause.category' is required");
  if (typeof description !== 'string' || description.trim() === '') throw validationError("Field 'root_cause.description' is required");
  return {
    category: validateEnum(category, ROOT_CAUSE_CATEGORIES, 'root cause category'),
    description: maxLength(description, 'root_cause.description', GHAP_OUTCOME_FIELD_MAX),
  };
}

function validateLesson(value: unknown): Lesson {
  if (!isObject(value)) throw validationError("Field 'lesson' must be a dict with 'what_worked' and optional 'takeaway'");
  const { what_worked: whatWorked, takeaway } = value;
  if (typeof whatWorked !== 'string' || whatWorked.trim() === '') {
    throw validationError("Field 'lesson.what_worked' is required when lesson is provided");
  }
  return {
    what_worked: maxLength(whatWorked, 'lesson.what_worked', GHAP_OUTCOME_FIELD_MAX),
    takeaway: optionalText(takeaway, 'lesson.takeaway', GHAP_OUTCOME_FIELD_MAX) ?? null,
  };
}

function toEntry(row: GhapRow, history: HistoryEntry[], notes: Note[]): GhapEntry {
  return {
    id: row.id,
    session_id: row.session_id,
    status: row.status,
    domain: row.domain,
    strategy: row.strategy,
    goal: row.goal,
    hypothesis: row.hypothesis,
    action: row.action,
    prediction: row.prediction,
    iteration_count: row.iteration_count,
    history,
    notes,
    created_at: row.created_at,
    result: row.result,
    surprise: row.surprise,
    root_cause: row.root_cause_category ? { category: row.root_cause_category, description: row.root_cause_description ?? '' } : null,
    lesson: row.lesson_what_worked ? { what_worked: row.lesson_what_worked, takeaway: row.lesson_takeaway } : null,
    confidence_tier: row.confidence_tier as ConfidenceTier | null,
    captured_at: row.resolved_at,
  };
}

/** Thrown inside the resolve transaction when the entry changed after it was read; the write rolls back. */
class EntryChanged extends Error {}

const RESOLVE_ATTEMPTS = 3;

export class GhapService {
  constructor(
    private readonly repo: GhapRepository,
    private readonly records: RecordStore,
    private readonly embedder: () => Promise<Embedder>,
    private readonly guard: CollectionGuard,
    /** The caller's project: an entry carries the one it was started in, and so do its experiences. */
    private readonly currentProject: CurrentProject = async () => undefined,
  ) {}

  async start(input: StartGhapInput): Promise<{ ok: true; id: string }> {
    const domain = validateEnum(input.domain, DOMAINS, 'domain');
    const strategy = validateEnum(input.strategy, STRATEGIES, 'strategy');
    const goal = requiredText(input.goal, 'goal', GHAP_FIELD_MAX);
    const hypothesis = requiredText(input.hypothesis, 'hypothesis', GHAP_FIELD_MAX);
    const action = requiredText(input.action, 'action', GHAP_FIELD_MAX);
    const prediction = requiredText(input.prediction, 'prediction', GHAP_FIELD_MAX);

    const now = new Date();
    const id = timestampedId('ghap', now);
    const outcome = this.repo.insertActive({
      id,
      session_id: this.repo.latestSessionId() ?? timestampedId('session', now),
      domain, strategy, goal, hypothesis, action, prediction,
      created_at: now.toISOString(),
      project_path: (await this.currentProject()) ?? null,
    });
    if (!outcome.inserted) {
      throw new CalmError(
        'active_ghap_exists',
        `Active GHAP exists (id: ${outcome.activeId}). Resolve it first with resolve_ghap or abandon it.`,
      );
    }
    return { ok: true, id };
  }

  async update(input: UpdateGhapInput): Promise<{ success: true; iteration_count: number }> {
    const strategy = input.strategy === undefined ? undefined : validateEnum(input.strategy, STRATEGIES, 'strategy');
    const hypothesis = optionalText(input.hypothesis, 'hypothesis', GHAP_FIELD_MAX);
    const action = optionalText(input.action, 'action', GHAP_FIELD_MAX);
    const prediction = optionalText(input.prediction, 'prediction', GHAP_FIELD_MAX);
    const note = optionalText(input.note, 'note', GHAP_NOTE_MAX);

    const updated = this.repo.updateActive((current) => {
      const at = nowIso();
      // only a real change of hypothesis, action or prediction is a new iteration (re-sending the same text is not)
      const changing =
        (hypothesis !== undefined && hypothesis !== current.hypothesis) ||
        (action !== undefined && action !== current.action) ||
        (prediction !== undefined && prediction !== current.prediction);
      return {
        hypothesis: hypothesis ?? current.hypothesis,
        action: action ?? current.action,
        prediction: prediction ?? current.prediction,
        strategy: strategy ?? current.strategy,
        iteration_count: current.iteration_count + (changing ? 1 : 0),
        replaced: changing
          ? { replaced_at: at, hypothesis: current.hypothesis, action: current.action, prediction: current.prediction }
          : undefined,
        note: note !== undefined && note.trim() !== '' ? { created_at: at, note } : undefined,
        at,
      };
    });
    if (!updated) throw notFound('No active GHAP entry to update. Use start_ghap to begin tracking.');
    return { success: true, iteration_count: updated.iteration_count };
  }

  async resolve(input: ResolveGhapInput): Promise<{ ok: true; id: string }> {
    const status = validateEnum(input.status, OUTCOME_STATUS_VALUES, 'outcome status');
    if (input.result === undefined || input.result === null) throw validationError("Field 'result' is required");
    const result = optionalText(input.result, 'result', GHAP_OUTCOME_FIELD_MAX) ?? '';
    const surprise = optionalText(input.surprise, 'surprise', GHAP_OUTCOME_FIELD_MAX);
    const given = (v: unknown): boolean => v !== undefined && v !== null;
    if (status === 'falsified') {
      if (surprise === undefined || surprise.trim() === '') throw validationError("Field 'surprise' is required when status is 'falsified'");
      if (!given(input.root_cause)) throw validationError("Field 'root_cause' is required when status is 'falsified'");
    }
    // checked whatever the status (CALM skipped the check unless falsified and then failed with an internal error)
    const rootCause = given(input.root_cause) ? validateRootCause(input.root_cause) : null;
    const lesson = given(input.lesson) ? validateLesson(input.lesson) : null;

    for (let attempt = 1; ; attempt++) {
      const row = this.repo.active();
      if (!row) throw notFound('No active GHAP entry to resolve');
      try {
        await this.persistResolution(row, { status, result, surprise: surprise || null, rootCause, lesson });
        return { ok: true, id: row.id };
      } catch (e) {
        // another process revised or resolved the entry between our read and our write: read it again
        if (!(e instanceof EntryChanged)) throw e;
        if (attempt >= RESOLVE_ATTEMPTS) throw new CalmError('storage_error', 'The active GHAP entry kept changing while it was being resolved; try again');
      }
    }
  }

  private async persistResolution(
    row: GhapRow,
    o: { status: OutcomeStatus; result: string; surprise: string | null; rootCause: RootCause | null; lesson: Lesson | null },
  ): Promise<void> {
    const view: ResolvedView = {
      domain: row.domain, strategy: row.strategy, goal: row.goal, hypothesis: row.hypothesis, action: row.action,
      prediction: row.prediction, iteration_count: row.iteration_count, outcome_status: o.status, outcome_result: o.result,
      surprise: o.surprise, root_cause: o.rootCause, lesson: o.lesson,
    };
    const axes = axesFor(view);
    const texts = axes.map((axis) => renderAxisText(axis, view));
    const tier = confidenceTier(o.status);
    const capturedAt = nowIso();
    // slow work first (collections, embeddings), outside the transaction
    await Promise.all(axes.map((axis) => this.guard.ensure(AXIS_COLLECTIONS[axis])));
    const vectors = await (await this.embedder()).embed(texts);
    const base = {
      ghap_id: row.id, session_id: row.session_id, created_at: row.created_at, captured_at: capturedAt,
      domain: row.domain, strategy: row.strategy, outcome_status: o.status, confidence_tier: tier,
      iteration_count: row.iteration_count, goal: row.goal, hypothesis: row.hypothesis, action: row.action,
      prediction: row.prediction, outcome_result: o.result,
      ...(o.surprise ? { surprise: o.surprise } : {}),
      ...(o.rootCause ? { root_cause: o.rootCause } : {}),
      ...(o.lesson ? { lesson: o.lesson } : {}),
      ...(row.project_path ? { [PROJECT_KEY]: row.project_path } : {}),
    };
    const writes: CollectionWrite[] = axes.map((axis, i) => ({
      collection: AXIS_COLLECTIONS[axis],
      records: [{ id: row.id, text: texts[i]!, payload: { ...base, axis }, vector: vectors[i]! }],
    }));
    await this.records.upsertWith(writes, () => {
      const resolved = this.repo.resolve(row.id, row.version, {
        status: o.status, result: o.result, surprise: o.surprise,
        root_cause_category: o.rootCause?.category ?? null, root_cause_description: o.rootCause?.description ?? null,
        lesson_what_worked: o.lesson?.what_worked ?? null, lesson_takeaway: o.lesson?.takeaway ?? null,
        confidence_tier: tier, auto_captured: false, resolved_at: capturedAt,
      });
      if (!resolved) throw new EntryChanged();
    });
  }

  async getActive(): Promise<ActiveGhapView> {
    const row = this.repo.active();
    if (!row) {
      return {
        id: null, domain: null, strategy: null, goal: null, hypothesis: null, action: null, prediction: null,
        iteration_count: null, created_at: null, has_active: false,
      };
    }
    return {
      id: row.id, domain: row.domain, strategy: row.strategy, goal: row.goal, hypothesis: row.hypothesis, action: row.action,
      prediction: row.prediction, iteration_count: row.iteration_count, created_at: row.created_at, has_active: true,
    };
  }

  /** The active entry in full (history and notes included), or null. */
  async activeEntry(): Promise<GhapEntry | null> {
    const row = this.repo.active();
    return row ? this.entry(row) : null;
  }

  async get(id: string): Promise<GhapEntry> {
    const row = typeof id === 'string' ? this.repo.get(id) : undefined;
    if (!row) throw notFound(`GHAP entry not found: ${id}`);
    return this.entry(row);
  }

  private entry(row: GhapRow): GhapEntry {
    const history = this.repo.history(row.id).map((h) => ({
      timestamp: h.replaced_at, hypothesis: h.hypothesis, action: h.action, prediction: h.prediction,
    }));
    return toEntry(row, history, this.repo.notes(row.id));
  }

  /** Resolved entries, most recently resolved first (CALM returned them in storage order). */
  async list(input: ListGhapInput = {}): Promise<{ results: GhapSummary[]; count: number }> {
    const limit = validateGhapLimit(input.limit ?? 20, 1, 100);
    const domain = input.domain === undefined ? undefined : validateEnum(input.domain, DOMAINS, 'domain');
    const outcome = input.outcome === undefined ? undefined : validateEnum(input.outcome, OUTCOME_STATUS_VALUES, 'outcome status');
    const since = input.since === undefined ? undefined : parseSince(input.since);
    const results = this.repo.listResolved({ limit, domain, status: outcome, since }).map((r) => ({
      id: r.id,
      domain: r.domain,
      strategy: r.strategy,
      outcome_status: r.status,
      confidence_tier: r.confidence_tier,
      iteration_count: r.iteration_count,
      created_at: r.created_at,
      captured_at: r.resolved_at,
    }));
    return { results, count: results.length };
  }
}
