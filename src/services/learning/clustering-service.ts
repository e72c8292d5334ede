/**
 * @module Clusters of experiences on one axis: HDBSCAN over the axis vectors (L2-normalised), with
 * centroids weighted by confidence tier (gold 1.0, silver 0.8, bronze 0.5, abandoned 0.2, unknown 0.5)
 * over the stored vectors, as CALM computed them.
 *
 * Clusters are recomputed from the records whenever they changed; the last result per axis is kept in
 * memory under a fingerprint of the records (ids, update times, parameters), so the usual sequence
 * get_clusters → get_cluster_members → validate_value → store_value clusters once and sees the same labels.
 */
import { createHash } from 'node:crypto';
import { notFound, validationError } from '../../errors.js';
import type { RecordStore, StoredRecord } from '../../store/records/record-store.js';
import type { CollectionGuard } from '../collection-guard.js';
import { tierWeight } from '../ghap/confidence.js';
import { type Axis, AXIS_COLLECTIONS } from '../ghap/model.js';
import { validateAxis, validateGhapLimit } from '../ghap/validation.js';
import { hdbscan, l2NormalizeRows } from './hdbscan.js';
import { cosineSimilarity } from '../../embedding/embedder.js';

export interface ClusteringOptions {
  readonly minClusterSize: number;
  readonly minSamples: number;
  /** Below this many experiences on an axis nothing is clustered (CALM: 20). */
  readonly minExperiences?: number;
  /** At most this many experiences, the newest, are clustered (CALM's cap: 10,000). */
  readonly maxExperiences?: number;
}

export interface ClusterMember {
  readonly id: string;
  readonly text: string;
  readonly payload: Record<string, unknown>;
  readonly vector: Float32Array;
  readonly weight: number;
  /** Cosine distance to the cluster centroid. */
  readonly distance: number;
}

export interface Cluster {
  readonly cluster_id: string;
  readonly axis: Axis;
  readonly label: number;
  readonly size: number;
  readonly avg_weight: number;
  readonly centroid: Float64Array;
  /** Closest to the centroid first. */
  readonly members: readonly ClusterMember[];
}

export type AxisClustering =
  | { readonly axis: Axis; readonly experiences: number; readonly enough: false; readonly message: string }
  | {
      readonly axis: Axis; readonly experiences: number; readonly enough: true; readonly clusters: readonly Cluster[]; readonly noiseCount: number;
      /** The experiences in no cluster (kept so a projection can show them). */
      readonly noise: readonly NoisePoint[];
    };

export interface NoisePoint {
  readonly id: string;
  readonly text: string;
  readonly vector: Float32Array;
}

export interface ClusterSummary {
  cluster_id: string;
  axis: Axis;
  label: number;
  size: number;
  avg_weight: number;
  member_count: number;
}

export type GetClustersResult =
  | { clusters: ClusterSummary[]; count: number; noise_count: number; axis: Axis }
  | { status: 'error'; message: string; axis: Axis };

export interface ClusterMemberSummary {
  id: string;
  domain: string | null;
  strategy: string | null;
  outcome_status: string | null;
  confidence_tier: string | null;
  cluster_label: number;
  /** The axis text that was clustered (not in CALM's response, which left nothing to read). */
  text: string;
}

export const DEFAULT_MIN_EXPERIENCES = 20;
export const DEFAULT_MAX_EXPERIENCES = 10_000;

/** `<axis>_<label>`; the axis may itself contain `_` (root_cause_3), so the label is after the last one. */
export function parseClusterId(value: unknown): { axis: Axis; label: number } {
  const text = typeof value === 'string' ? value : String(value);
  const cut = text.lastIndexOf('_');
  if (typeof value !== 'string' || cut < 0) {
    throw validationError(`Invalid cluster_id format: ${text}. Expected format: 'axis_label' (e.g., 'full_0', 'strategy_2')`);
  }
  const axis = validateAxis(text.slice(0, cut));
  const labelText = text.slice(cut + 1);
  if (!/^-?\d+$/.test(labelText)) throw validationError(`Invalid cluster label in cluster_id: ${text}. Label must be an integer`);
  return { axis, label: Number(labelText) };
}

/** 1 − cosine similarity; a zero vector is as far as can be from anything (1). */
export function cosineDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return 1 - cosineSimilarity(a, b);
}

function weightedCentroid(members: readonly { vector: Float32Array; weight: number }[]): Float64Array {
  const dim = members[0]!.vector.length;
  const c = new Float64Array(dim);
  let total = 0;
  for (const m of members) {
    total += m.weight;
    for (let i = 0; i < dim; i++) c[i] = c[i]! + m.weight * m.vector[i]!;
  }
  for (let i = 0; i < dim; i++) c[i] = c[i]! / total;
  return c;
}

export class ClusteringService {
  private readonly minExperiences: number;
  private readonly maxExperiences: number;
  private readonly cache = new Map<Axis, { fingerprint: string; result: AxisClustering }>();

  constructor(
    private readonly records: RecordStore,
    private readonly guard: CollectionGuard,
    private readonly options: ClusteringOptions,
  ) {
    this.minExperiences = options.minExperiences ?? DEFAULT_MIN_EXPERIENCES;
    this.maxExperiences = options.maxExperiences ?? DEFAULT_MAX_EXPERIENCES;
  }

  async clusterAxis(axis: Axis): Promise<AxisClustering> {
    const collection = AXIS_COLLECTIONS[axis];
    const total = (await this.guard.exists(collection)) ? await this.records.count(collection) : 0;
    if (total < this.minExperiences) {
      return {
        axis, experiences: total, enough: false,
        message: `Not enough experiences for clustering. Found ${total}, need at least ${this.minExperiences}.`,
      };
    }
    // ids start with the UTC time they were created, so id order is age order: skip the oldest beyond the cap
    const rows = (await this.records.scroll(collection, {
      limit: this.maxExperiences, offset: Math.max(0, total - this.maxExperiences), withVectors: true,
    })).filter((r): r is StoredRecord & { vector: Float32Array } => r.vector !== undefined);

    const hash = createHash('sha256').update(`${this.options.minClusterSize}/${this.options.minSamples}`);
    for (const r of rows) hash.update(`\n${r.id}\t${r.updatedAt}`);
    const fingerprint = hash.digest('hex');
    const cached = this.cache.get(axis);
    if (cached?.fingerprint === fingerprint) return cached.result;

    const result = this.cluster(axis, rows);
    this.cache.set(axis, { fingerprint, result });
    return result;
  }

  private cluster(axis: Axis, rows: readonly (StoredRecord & { vector: Float32Array })[]): AxisClustering {
    const { labels, noiseCount } = hdbscan(l2NormalizeRows(rows.map((r) => r.vector)), {
      minClusterSize: this.options.minClusterSize,
      minSamples: this.options.minSamples,
    });
    const groups = new Map<number, (StoredRecord & { vector: Float32Array })[]>();
    const noise: NoisePoint[] = [];
    rows.forEach((r, i) => {
      const label = labels[i]!;
      if (label < 0) {
        noise.push({ id: r.id, text: r.text, vector: r.vector });
        return;
      }
      const group = groups.get(label) ?? [];
      group.push(r);
      groups.set(label, group);
    });
    const clusters = [...groups.entries()]
      .sort(([a], [b]) => a - b)
      .map(([label, group]): Cluster => {
        const weighted = group.map((r) => ({ record: r, vector: r.vector, weight: tierWeight(r.payload.confidence_tier) }));
        const centroid = weightedCentroid(weighted);
        const members = weighted
          .map(({ record, vector, weight }) => ({
            id: record.id, text: record.text, payload: record.payload, vector, weight, distance: cosineDistance(vector, centroid),
          }))
          .sort((a, b) => a.distance - b.distance || a.id.localeCompare(b.id));
        return {
          cluster_id: `${axis}_${label}`,
          axis,
          label,
          size: members.length,
          avg_weight: weighted.reduce((s, w) => s + w.weight, 0) / weighted.length,
          centroid,
          members,
        };
      });
    return { axis, experiences: rows.length, enough: true, clusters, noiseCount, noise };
  }

  /** The cluster a cluster id names, or why there is none. */
  async findCluster(clusterId: string): Promise<{ cluster: Cluster } | { reason: string }> {
    const { axis, label } = parseClusterId(clusterId);
    const clustering = await this.clusterAxis(axis);
    if (!clustering.enough) return { reason: clustering.message };
    const cluster = clustering.clusters.find((c) => c.label === label);
    return cluster ? { cluster } : { reason: `Cluster not found: ${clusterId}` };
  }

  /** Largest first. `noise_count` is the number of experiences in no cluster (CALM counted noise clusters: always 0). */
  async getClusters(input: { axis: string }): Promise<GetClustersResult> {
    const axis = validateAxis(input.axis);
    const clustering = await this.clusterAxis(axis);
    if (!clustering.enough) return { status: 'error', message: clustering.message, axis };
    const clusters = [...clustering.clusters]
      .sort((a, b) => b.size - a.size || a.label - b.label)
      .map((c) => ({ cluster_id: c.cluster_id, axis, label: c.label, size: c.size, avg_weight: c.avg_weight, member_count: c.size }));
    return { clusters, count: clusters.length, noise_count: clustering.noiseCount, axis };
  }

  /** The experiences in a cluster, closest to its centroid first (CALM filtered on a field nothing wrote: always empty). */
  async getClusterMembers(input: { cluster_id: string; limit?: number | undefined }): Promise<{
    cluster_id: string; axis: Axis; members: ClusterMemberSummary[]; count: number;
  }> {
    const { axis } = parseClusterId(input.cluster_id);
    const limit = validateGhapLimit(input.limit ?? 50, 1, 100);
    const found = await this.findCluster(input.cluster_id);
    if ('reason' in found) throw notFound(found.reason);
    const members = found.cluster.members.slice(0, limit).map((m) => ({
      id: m.id,
      domain: typeof m.payload.domain === 'string' ? m.payload.domain : null,
      strategy: typeof m.payload.strategy === 'string' ? m.payload.strategy : null,
      outcome_status: typeof m.payload.outcome_status === 'string' ? m.payload.outcome_status : null,
      confidence_tier: typeof m.payload.confidence_tier === 'string' ? m.payload.confidence_tier : null,
      cluster_label: found.cluster.label,
      text: m.text,
    }));
    return { cluster_id: input.cluster_id, axis, members, count: members.length };
  }
}
