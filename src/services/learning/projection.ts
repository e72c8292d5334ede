/**
 * @module A 2-D picture of one axis's clustering: every clustered experience (and the noise) projected
 * onto the first two principal components of the axis vectors.
 *
 * PCA, not t-SNE/UMAP: it is deterministic (the same data gives the same picture on every reload), it
 * needs no tuning, and its axes mean something (the directions of most variance), so distances between
 * groups are not invented by the method. It runs here, next to the vectors, because shipping 384-d vectors
 * to the browser would cost megabytes per axis; the page receives two numbers per point. ml-pca's NIPALS
 * computes only the two components asked for.
 */
import { PCA } from 'ml-pca';
import type { Axis } from '../ghap/model.js';
import { validateAxis } from '../ghap/validation.js';
import type { ClusteringService } from './clustering-service.js';
import { l2NormalizeRows } from './hdbscan.js';

/** At most this many points are drawn (evenly sampled): more add nothing to a scatter plot but time. */
export const PROJECTION_MAX_POINTS = 3000;

export interface ProjectedPoint {
  id: string;
  x: number;
  y: number;
  /** The cluster label; -1 is noise. */
  label: number;
  /** The cluster's id (as get_clusters and get_cluster_members name it); null for noise. */
  cluster_id: string | null;
  /** True for an experience HDBSCAN left out of every cluster. */
  noise: boolean;
  /** The start of the clustered text, for a tooltip. */
  text: string;
}

export type AxisProjection =
  | { axis: Axis; enough: false; message: string; experiences: number }
  | { axis: Axis; enough: true; experiences: number; clusters: { cluster_id: string; label: number; size: number }[]; noise_count: number; points: ProjectedPoint[]; sampled: boolean };

const SNIPPET = 140;

function evenSample<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  const step = items.length / max;
  return Array.from({ length: max }, (_, i) => items[Math.floor(i * step)]!);
}

export async function projectAxis(clustering: ClusteringService, axisName: string): Promise<AxisProjection> {
  const axis = validateAxis(axisName);
  const result = await clustering.clusterAxis(axis);
  if (!result.enough) return { axis, enough: false, message: result.message, experiences: result.experiences };
  const all = [
    ...result.clusters.flatMap((c) => c.members.map((m) => ({ id: m.id, text: m.text, vector: m.vector, label: c.label, cluster_id: c.cluster_id as string | null }))),
    ...result.noise.map((n) => ({ ...n, label: -1, cluster_id: null })),
  ];
  const chosen = evenSample(all, PROJECTION_MAX_POINTS);
  // the same normalisation HDBSCAN clustered on, so the picture shows what was clustered
  const rows = l2NormalizeRows(chosen.map((p) => p.vector)).map((r) => Array.from(r));
  const coords = projectRows(rows);
  return {
    axis,
    enough: true,
    experiences: result.experiences,
    clusters: result.clusters.map((c) => ({ cluster_id: c.cluster_id, label: c.label, size: c.size })),
    noise_count: result.noiseCount,
    sampled: chosen.length < all.length,
    points: chosen.map((p, i) => ({
      id: p.id, x: coords[i]![0]!, y: coords[i]![1]!, label: p.label, cluster_id: p.cluster_id, noise: p.label === -1, text: p.text.slice(0, SNIPPET),
    })),
  };
}

/** Rows projected on their first two principal components; fewer than 3 rows (or no variance) lie on the origin. */
export function projectRows(rows: number[][]): [number, number][] {
  if (rows.length < 3) return rows.map(() => [0, 0]);
  const pca = new PCA(rows, { method: 'NIPALS', nCompNIPALS: 2, center: true });
  return pca.predict(rows, { nComponents: 2 }).to2DArray().map((r) => [r[0] ?? 0, r[1] ?? 0]);
}
