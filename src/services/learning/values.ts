/**
 * @module Values: short statements distilled from a cluster of experiences, kept only when they sit
 * close to that cluster's centroid.
 *
 * CALM's rule: a candidate is valid when its cosine distance to the (confidence-weighted) centroid is at
 * most mean + 0.5·std (population) of the member distances. CALM measured the members as whole records
 * (4–7 templated lines: "Goal: … Hypothesis: … Outcome: confirmed - …") and the candidate as one bare
 * sentence; the template and the length alone keep any sentence farther out than a typical record, so
 * on realistic data nothing validated (measured: members ≈ 0.1 from the centroid, the best on-topic
 * sentences ≈ 0.2–0.45). Here the members are measured as what a value is, statements: every line of
 * every member's axis text, without its template label, embedded and compared with the same centroid.
 * The formula, the centroid and the candidate's distance are CALM's; only the reference population is
 * like for like. `store_value` checks this itself (CALM stored whatever it was given), and the stored
 * value keeps its evidence: the cluster, its size and the ids of its member experiences.
 */
import { randomUUID } from 'node:crypto';
import { type CurrentProject, PROJECT_KEY, PROJECT_WIDEN, projectFirst, projectOf, validateScope } from '../project-scope.js';
import type { Embedder } from '../../embedding/embedder.js';
import { notFound, validationError } from '../../errors.js';
import { COLLECTIONS } from '../../store/records/collections.js';
import type { RecordStore, StoredRecord } from '../../store/records/record-store.js';
import { nowIso } from '../../store/time.js';
import type { CollectionGuard } from '../collection-guard.js';
import { axisStatements } from '../ghap/axes.js';
import { AXIS_COLLECTIONS, type Axis } from '../ghap/model.js';
import { requiredText, validateAxis, validateGhapLimit } from '../ghap/validation.js';
import { validateUuid } from '../validation.js';
import { type Cluster, type ClusteringService, cosineDistance, parseClusterId } from './clustering-service.js';

const COLLECTION = COLLECTIONS.values;
export const VALUE_TEXT_MAX = 500;
/** How far beyond the members' mean distance a value may sit, in standard deviations. */
export const THRESHOLD_STDS = 0.5;

export interface ValidationMetrics {
  candidate_distance: number;
  mean_distance: number;
  std_distance: number;
  threshold: number;
}

export interface ValidateValueResult {
  valid: boolean;
  cluster_id: string;
  similarity?: number;
  reason?: string;
  metrics?: ValidationMetrics;
}

export interface StoreValueInput {
  text: string;
  cluster_id: string;
  axis: string;
}

export interface StoredValue {
  id: string;
  text: string;
  cluster_id: string;
  axis: Axis;
  created_at: string;
}

export interface ValueSummary {
  id: string;
  text: string;
  cluster_id: string;
  axis: string;
  validated_at: string | null;
  distance_to_centroid: number | null;
  /** How many experiences supported the value when it was stored. */
  member_count: number | null;
  /** The project it was stored from; absent for a global value. */
  project?: string;
}

/** A value with the evidence it was stored on: the cluster as it was then, and how close the value sat. */
export interface ValueWithEvidence extends ValueSummary {
  created_at: string | null;
  similarity: number | null;
  metrics: ValidationMetrics | null;
  cluster_label: number | null;
  cluster_size: number | null;
  /** The experiences (GHAP entry ids) of the cluster when the value was validated. */
  member_ids: string[];
}

/** A value as the dashboard lists it: its evidence ids, and the first experiences among them with their text. */
export interface ValueSummaryWithEvidence extends ValueSummary {
  member_ids: string[];
  /** Closest to the centroid first, as stored; an experience deleted since is left out. */
  evidence: { id: string; text: string }[];
}

const memberIdsOf = (p: Record<string, unknown>): string[] => (Array.isArray(p.member_ids) ? p.member_ids.map(String) : []);

function validateValueText(value: unknown): string {
  return requiredText(value, 'text', VALUE_TEXT_MAX);
}

/** Checks the cluster id's shape (CALM: it must contain '_'; here the axis and label are checked too). */
function validateClusterId(value: unknown): string {
  parseClusterId(value);
  return value as string;
}

/** Members whose statements calibrate a cluster's threshold; evenly spread, so big clusters stay cheap to embed. */
export const CALIBRATION_MEMBERS = 64;

function measure(candidate: Float32Array, cluster: Cluster, distances: readonly number[]): ValidationMetrics & { valid: boolean } {
  const mean = distances.reduce((s, d) => s + d, 0) / distances.length;
  const std = Math.sqrt(distances.reduce((s, d) => s + (d - mean) ** 2, 0) / distances.length);
  const threshold = mean + THRESHOLD_STDS * std;
  const candidateDistance = cosineDistance(candidate, cluster.centroid);
  return { candidate_distance: candidateDistance, mean_distance: mean, std_distance: std, threshold, valid: candidateDistance <= threshold };
}

function toSummary(r: StoredRecord): ValueSummary {
  const p = r.payload;
  return {
    id: r.id,
    text: typeof p.text === 'string' ? p.text : r.text,
    cluster_id: String(p.cluster_id ?? ''),
    axis: String(p.axis ?? ''),
    validated_at: typeof p.validated_at === 'string' ? p.validated_at : null,
    distance_to_centroid: typeof p.distance_to_centroid === 'number' ? p.distance_to_centroid : null,
    member_count: Array.isArray(p.member_ids) ? p.member_ids.length : null,
    ...(projectOf(p) ? { project: projectOf(p)! } : {}),
  };
}

export class ValueService {
  constructor(
    private readonly records: RecordStore,
    private readonly embedder: () => Promise<Embedder>,
    private readonly guard: CollectionGuard,
    private readonly clustering: ClusteringService,
    private readonly currentProject: CurrentProject = async () => undefined,
  ) {}

  /** Distances of the members' statements to the centroid, kept per cluster content (members never change text). */
  private readonly calibration = new Map<string, Promise<number[]>>();

  private statementDistances(cluster: Cluster): Promise<number[]> {
    const key = `${cluster.cluster_id}\n${cluster.members.map((m) => m.id).join('\n')}`;
    let pending = this.calibration.get(key);
    if (!pending) {
      const byId = [...cluster.members].sort((a, b) => a.id.localeCompare(b.id));
      const count = Math.min(byId.length, CALIBRATION_MEMBERS);
      const sample = Array.from({ length: count }, (_, k) => byId[Math.floor((k * byId.length) / count)]!);
      const statements = sample.flatMap((m) => axisStatements(m.text));
      pending = this.embedder()
        .then((e) => e.embed(statements))
        .then((vectors) => vectors.map((v) => cosineDistance(v, cluster.centroid)));
      pending.catch(() => this.calibration.delete(key));
      if (this.calibration.size >= 64) this.calibration.clear();
      this.calibration.set(key, pending);
    }
    return pending;
  }

  private async check(text: string, clusterId: string): Promise<{ result: ValidateValueResult; vector?: Float32Array; cluster?: Cluster }> {
    const found = await this.clustering.findCluster(clusterId);
    if ('reason' in found) return { result: { valid: false, cluster_id: clusterId, reason: found.reason } };
    const [vector] = await (await this.embedder()).embed([text]);
    const { valid, ...metrics } = measure(vector!, found.cluster, await this.statementDistances(found.cluster));
    const result: ValidateValueResult = valid
      ? { valid, cluster_id: clusterId, similarity: 1 - metrics.candidate_distance, metrics }
      : {
          valid,
          cluster_id: clusterId,
          reason: `Value too far from centroid (distance=${metrics.candidate_distance.toFixed(3)}, threshold=${metrics.threshold.toFixed(3)} ` +
            `[mean=${metrics.mean_distance.toFixed(3)} + 0.5*std=${(THRESHOLD_STDS * metrics.std_distance).toFixed(3)}])`,
          metrics,
        };
    return { result, vector: vector!, cluster: found.cluster };
  }

  async validate(input: { text: string; cluster_id: string }): Promise<ValidateValueResult> {
    const text = validateValueText(input.text);
    const clusterId = validateClusterId(input.cluster_id);
    return (await this.check(text, clusterId)).result;
  }

  /** Validates, then stores the value with its evidence; a value that fails validation is refused. */
  async store(input: StoreValueInput): Promise<StoredValue> {
    const text = validateValueText(input.text);
    const clusterId = validateClusterId(input.cluster_id);
    const axis = validateAxis(input.axis);
    const clusterAxis = parseClusterId(clusterId).axis;
    if (clusterAxis !== axis) throw validationError(`Cluster '${clusterId}' is on axis '${clusterAxis}', not '${axis}'`);

    const { result, vector, cluster } = await this.check(text, clusterId);
    if (!result.valid || !vector || !cluster) throw validationError(`Value not stored: ${result.reason ?? 'validation failed'}`);
    await this.guard.ensure(COLLECTION);
    const now = nowIso();
    const value: StoredValue = { id: randomUUID(), text, cluster_id: clusterId, axis, created_at: now };
    const project = await this.currentProject();
    await this.records.upsert(COLLECTION, [{
      id: value.id,
      text,
      payload: {
        ...value,
        validated_at: now,
        cluster_label: cluster.label,
        cluster_size: cluster.size,
        member_ids: cluster.members.map((m) => m.id),
        distance_to_centroid: result.metrics!.candidate_distance,
        similarity: result.similarity!,
        metrics: { ...result.metrics! },
        ...(project ? { [PROJECT_KEY]: project } : {}),
      },
      vector,
    }]);
    return value;
  }

  /** One value with its evidence (not a CALM tool: the dashboard shows why a value holds). */
  async get(valueId: string): Promise<ValueWithEvidence> {
    const id = validateUuid(valueId, 'value_id');
    const [r] = (await this.guard.exists(COLLECTION)) ? await this.records.get(COLLECTION, [id]) : [];
    if (!r) throw notFound(`Value not found: ${id}`);
    const p = r.payload;
    const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
    return {
      ...toSummary(r),
      created_at: typeof p.created_at === 'string' ? p.created_at : null,
      similarity: num(p.similarity),
      metrics: p.metrics !== null && typeof p.metrics === 'object' ? (p.metrics as ValidationMetrics) : null,
      cluster_label: num(p.cluster_label),
      cluster_size: num(p.cluster_size),
      member_ids: memberIdsOf(p),
    };
  }

  /**
   * Newest first (CALM listed them in storage order); the caller's project's values and global ones before
   * other projects', or only them with scope 'project'.
   */
  async list(input: ValueListInput & { evidence: number }): Promise<{ results: ValueSummaryWithEvidence[]; count: number }>;
  async list(input?: ValueListInput): Promise<{ results: ValueSummary[]; count: number }>;
  async list(input: ValueListInput = {}): Promise<{ results: ValueSummary[]; count: number }> {
    const axis = input.axis === undefined ? undefined : validateAxis(input.axis);
    const limit = validateGhapLimit(input.limit ?? 20, 1, 100);
    const scope = validateScope(input.scope);
    const evidence = input.evidence === undefined ? undefined : validateGhapLimit(input.evidence, 1, 100);
    if (!(await this.guard.exists(COLLECTION))) return { results: [], count: 0 };
    const newest = (projectFilter: Readonly<Record<string, string>>, n: number) =>
      this.records.scroll(COLLECTION, {
        limit: n, filter: { ...(axis ? { axis } : {}), ...projectFilter }, orderBy: { key: 'created_at', direction: 'desc' },
      });
    const project = await this.currentProject();
    let rows = await newest({}, project === undefined ? limit : Math.min(limit * PROJECT_WIDEN, 300));
    if (project !== undefined) {
      // own values are read on their own too, so many newer ones from other projects cannot hide them
      const own = await newest({ [PROJECT_KEY]: project }, limit);
      const created = (r: StoredRecord): string => String(r.payload.created_at ?? '');
      rows = projectFirst([...own, ...rows], project, scope, limit, (a, b) => created(b).localeCompare(created(a)) || a.id.localeCompare(b.id));
    }
    const results = evidence === undefined ? rows.map(toSummary) : await this.withEvidence(rows, evidence);
    return { results, count: results.length };
  }

  /** The stored member ids, and the text of the first `n` of them: one read by id per axis, no clustering. */
  private async withEvidence(rows: readonly StoredRecord[], n: number): Promise<ValueSummaryWithEvidence[]> {
    const wanted = new Map<Axis, Set<string>>();
    for (const r of rows) {
      const axis = r.payload.axis as Axis;
      if (!(axis in AXIS_COLLECTIONS)) continue;
      const ids = wanted.get(axis) ?? new Set<string>();
      for (const id of memberIdsOf(r.payload).slice(0, n)) ids.add(id);
      wanted.set(axis, ids);
    }
    const texts = new Map<string, string>();
    for (const [axis, ids] of wanted) {
      if (ids.size === 0 || !(await this.guard.exists(AXIS_COLLECTIONS[axis]))) continue;
      for (const e of await this.records.get(AXIS_COLLECTIONS[axis], [...ids])) texts.set(`${axis}\n${e.id}`, e.text);
    }
    return rows.map((r) => {
      const member_ids = memberIdsOf(r.payload);
      const found = member_ids.slice(0, n).flatMap((id) => {
        const text = texts.get(`${String(r.payload.axis)}\n${id}`);
        return text === undefined ? [] : [{ id, text }];
      });
      return { ...toSummary(r), member_ids, evidence: found };
    });
  }
}

export interface ValueListInput {
  axis?: string | undefined;
  limit?: number | undefined;
  scope?: string | undefined;
  /** Include each value's member ids and the text of its first this many experiences (not a CALM parameter: the dashboard's). */
  evidence?: number | undefined;
}
