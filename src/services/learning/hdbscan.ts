/**
 * @module HDBSCAN (Campello, Moulavi & Sander 2013; McInnes & Healy 2017), written here because no
 * usable npm package exists (one is GPL and prints debug output, the other is 2-D only).
 *
 * Euclidean distance on the vectors as given (the clustering service L2-normalises first, so this is
 * cosine geometry). Steps, as in the reference `hdbscan` library:
 * 1. core distance of each point = distance to its `minSamples`-th nearest neighbour, counting itself;
 * 2. mutual reachability d_mr(a, b) = max(core(a), core(b), d(a, b)) and its minimum spanning tree
 *    (Prim's algorithm on the dense graph, exact);
 * 3. single-linkage hierarchy from the MST, condensed with `minClusterSize`;
 * 4. excess-of-mass selection (no single all-covering cluster), points outside any selected cluster are
 *    noise (-1).
 * Deterministic: ties break on the lower index, and clusters are numbered by their first member in the
 * input order (so appending points rarely renumbers existing clusters).
 *
 * The O(n²) work is the pairwise distances. Up to `MATRIX_MAX_POINTS` they are computed once and kept
 * (n²/2 floats); above that they are computed once for the core distances and once more, row by row,
 * in Prim's loop, so memory stays O(n·dim).
 */

export interface HdbscanOptions {
  /** Smallest group that counts as a cluster (≥ 2). */
  readonly minClusterSize: number;
  /** Neighbours (counting the point itself) that define a point's core distance (≥ 1); larger is more conservative. */
  readonly minSamples: number;
  /** Keep the distance matrix up to this many points (default MATRIX_MAX_POINTS); above, recompute rows. */
  readonly matrixMaxPoints?: number;
}

export interface HdbscanResult {
  /** Cluster label per input point, -1 for noise. Labels are 0..nClusters-1. */
  readonly labels: Int32Array;
  readonly nClusters: number;
  readonly noiseCount: number;
}

/**
 * Condensed distances are kept up to this many points (6,000² / 2 × 4 bytes = 72 MB, freed after the
 * call); beyond it rows are recomputed, which costs about twice the distance work in half the memory.
 */
export const MATRIX_MAX_POINTS = 6000;

/** Duplicate points are at distance 0; λ = 1/d needs a finite value. */
const MIN_DISTANCE = 1e-10;

/** Points packed into one Float64Array with their squared norms, and the distance kernel. */
class Points {
  readonly n: number;
  readonly dim: number;
  private readonly data: Float64Array;
  private readonly sq: Float64Array;

  constructor(vectors: readonly ArrayLike<number>[]) {
    this.n = vectors.length;
    this.dim = vectors[0]?.length ?? 0;
    this.data = new Float64Array(this.n * this.dim);
    this.sq = new Float64Array(this.n);
    vectors.forEach((v, i) => {
      if (v.length !== this.dim) throw new Error(`HDBSCAN: vector ${i} has dimension ${v.length}, expected ${this.dim}`);
      let s = 0;
      for (let j = 0; j < this.dim; j++) {
        const x = v[j]!;
        if (!Number.isFinite(x)) throw new Error(`HDBSCAN: vector ${i} holds a non-finite number`);
        this.data[i * this.dim + j] = x;
        s += x * x;
      }
      this.sq[i] = s;
    });
  }

  distance(a: number, b: number): number {
    const { data, dim } = this;
    const oa = a * dim;
    const ob = b * dim;
    // four independent sums let the CPU overlap the multiply-adds
    let d0 = 0;
    let d1 = 0;
    let d2 = 0;
    let d3 = 0;
    let j = 0;
    for (; j + 4 <= dim; j += 4) {
      d0 += data[oa + j]! * data[ob + j]!;
      d1 += data[oa + j + 1]! * data[ob + j + 1]!;
      d2 += data[oa + j + 2]! * data[ob + j + 2]!;
      d3 += data[oa + j + 3]! * data[ob + j + 3]!;
    }
    for (; j < dim; j++) d0 += data[oa + j]! * data[ob + j]!;
    const d2sq = this.sq[a]! + this.sq[b]! - 2 * (d0 + d1 + d2 + d3);
    return d2sq > 0 ? Math.sqrt(d2sq) : 0;
  }
}

/** Where Prim's loop and the core distances read d(a, b) from. */
interface Distances {
  /** Fills out[j] = d(i, j) for every j (out[i] = 0), except where skip[j] is set (left as is). */
  row(i: number, out: Float64Array, skip?: Uint8Array): void;
  /** Calls visit(i, j, d) once for every pair i < j. */
  pairs(visit: (i: number, j: number, d: number) => void): void;
}

class MatrixDistances implements Distances {
  private readonly condensed: Float32Array;
  constructor(private readonly n: number, points: Points) {
    this.condensed = new Float32Array((n * (n - 1)) / 2);
    let k = 0;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) this.condensed[k++] = points.distance(i, j);
  }
  /** Index of (i, j), i < j, in the condensed upper triangle. */
  private at(i: number, j: number): number {
    return i * this.n - (i * (i + 1)) / 2 + (j - i - 1);
  }
  row(i: number, out: Float64Array): void {
    for (let j = 0; j < this.n; j++) out[j] = j === i ? 0 : this.condensed[i < j ? this.at(i, j) : this.at(j, i)]!;
  }
  pairs(visit: (i: number, j: number, d: number) => void): void {
    let k = 0;
    for (let i = 0; i < this.n; i++) for (let j = i + 1; j < this.n; j++) visit(i, j, this.condensed[k++]!);
  }
}

class StreamingDistances implements Distances {
  constructor(private readonly points: Points) {}
  row(i: number, out: Float64Array, skip?: Uint8Array): void {
    for (let j = 0; j < this.points.n; j++) {
      if (skip?.[j]) continue;
      out[j] = j === i ? 0 : this.points.distance(i, j);
    }
  }
  pairs(visit: (i: number, j: number, d: number) => void): void {
    const n = this.points.n;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) visit(i, j, this.points.distance(i, j));
  }
}

/** Core distance per point: the (k-1)-th smallest distance to another point (k counts the point itself). */
function coreDistances(n: number, k: number, distances: Distances): Float64Array {
  const core = new Float64Array(n);
  const others = k - 1;
  if (others <= 0) return core;
  // the `others` smallest distances of each point, ascending; each pair is visited once and counts for both
  const best = new Float64Array(n * others).fill(Number.POSITIVE_INFINITY);
  const offer = (p: number, d: number): void => {
    const base = p * others;
    if (d >= best[base + others - 1]!) return;
    let q = others - 1;
    while (q > 0 && best[base + q - 1]! > d) {
      best[base + q] = best[base + q - 1]!;
      q--;
    }
    best[base + q] = d;
  };
  distances.pairs((i, j, d) => {
    offer(i, d);
    offer(j, d);
  });
  for (let p = 0; p < n; p++) core[p] = best[p * others + others - 1]!;
  return core;
}

interface Edge {
  readonly a: number;
  readonly b: number;
  readonly weight: number;
}

/** Prim's algorithm on the complete mutual-reachability graph; edges in the order they were added. */
function mutualReachabilityMst(n: number, core: Float64Array, distances: Distances): Edge[] {
  const inTree = new Uint8Array(n);
  const best = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  const from = new Int32Array(n);
  const row = new Float64Array(n);
  const edges: Edge[] = [];
  let current = 0;
  inTree[0] = 1;
  for (let step = 1; step < n; step++) {
    distances.row(current, row, inTree);
    const coreCurrent = core[current]!;
    let next = -1;
    let nextWeight = Number.POSITIVE_INFINITY;
    for (let j = 0; j < n; j++) {
      if (inTree[j]) continue;
      const mr = Math.max(coreCurrent, core[j]!, row[j]!);
      if (mr < best[j]!) {
        best[j] = mr;
        from[j] = current;
      }
      if (best[j]! < nextWeight) {
        nextWeight = best[j]!;
        next = j;
      }
    }
    edges.push({ a: from[next]!, b: next, weight: nextWeight });
    inTree[next] = 1;
    current = next;
  }
  return edges;
}

/** Single-linkage hierarchy: node ids 0..n-1 are points, n..2n-2 merges (the last is the root). */
interface Hierarchy {
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly distance: Float64Array;
  readonly size: Int32Array;
}

function singleLinkage(n: number, mst: Edge[]): Hierarchy {
  const edges = mst
    .map((e, order) => ({ ...e, order }))
    .sort((x, y) => x.weight - y.weight || x.order - y.order);
  const total = 2 * n - 1;
  const parent = new Int32Array(total).map((_, i) => i);
  const size = new Int32Array(total).fill(1);
  const left = new Int32Array(total).fill(-1);
  const right = new Int32Array(total).fill(-1);
  const distance = new Float64Array(total);
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]!]!;
      x = parent[x]!;
    }
    return x;
  };
  let next = n;
  for (const e of edges) {
    const ra = find(e.a);
    const rb = find(e.b);
    left[next] = ra;
    right[next] = rb;
    distance[next] = e.weight;
    size[next] = size[ra]! + size[rb]!;
    parent[ra] = next;
    parent[rb] = next;
    next++;
  }
  return { left, right, distance, size };
}

/** One row of the condensed tree: `child` (a point < n, or a cluster ≥ n) leaves `parent` at `lambda`. */
interface CondensedRow {
  readonly parent: number;
  readonly child: number;
  readonly lambda: number;
  readonly size: number;
}

function condense(n: number, h: Hierarchy, minClusterSize: number): CondensedRow[] {
  const root = 2 * n - 2;
  const rows: CondensedRow[] = [];
  const relabel = new Int32Array(2 * n - 1);
  const ignore = new Uint8Array(2 * n - 1);
  relabel[root] = n;
  let nextLabel = n + 1;
  /** Every point under `node` falls out of `cluster` at `lambda`; its internal nodes are done. */
  const fallOut = (node: number, cluster: number, lambda: number): void => {
    const stack = [node];
    while (stack.length > 0) {
      const x = stack.pop()!;
      if (x < n) rows.push({ parent: cluster, child: x, lambda, size: 1 });
      else {
        ignore[x] = 1;
        stack.push(h.right[x]!, h.left[x]!);
      }
    }
  };
  const queue = [root];
  for (let q = 0; q < queue.length; q++) {
    const node = queue[q]!;
    if (node < n || ignore[node]) continue;
    const l = h.left[node]!;
    const r = h.right[node]!;
    queue.push(l, r);
    const lambda = 1 / Math.max(h.distance[node]!, MIN_DISTANCE);
    const cluster = relabel[node]!;
    const bigLeft = h.size[l]! >= minClusterSize;
    const bigRight = h.size[r]! >= minClusterSize;
    if (bigLeft && bigRight) {
      for (const child of [l, r]) {
        relabel[child] = nextLabel++;
        rows.push({ parent: cluster, child: relabel[child]!, lambda, size: h.size[child]! });
      }
    } else if (!bigLeft && !bigRight) {
      fallOut(l, cluster, lambda);
      fallOut(r, cluster, lambda);
    } else if (bigLeft) {
      relabel[l] = cluster;
      fallOut(r, cluster, lambda);
    } else {
      relabel[r] = cluster;
      fallOut(l, cluster, lambda);
    }
  }
  return rows;
}

/** Excess of mass: keep a cluster unless its children together are more stable. The root never counts. */
function selectClusters(n: number, rows: CondensedRow[]): Set<number> {
  const birth = new Map<number, number>([[n, 0]]);
  const stability = new Map<number, number>([[n, 0]]);
  const children = new Map<number, number[]>();
  for (const r of rows) {
    if (r.child >= n) {
      birth.set(r.child, r.lambda);
      stability.set(r.child, 0);
      const list = children.get(r.parent) ?? [];
      list.push(r.child);
      children.set(r.parent, list);
    }
  }
  for (const r of rows) stability.set(r.parent, stability.get(r.parent)! + (r.lambda - birth.get(r.parent)!) * r.size);

  const selected = new Set<number>();
  // children always carry larger labels than their parents, so descending order is bottom-up
  const nodes = [...stability.keys()].filter((c) => c !== n).sort((a, b) => b - a);
  for (const node of nodes) {
    const kids = children.get(node) ?? [];
    const childStability = kids.reduce((s, c) => s + stability.get(c)!, 0);
    if (childStability > stability.get(node)!) {
      stability.set(node, childStability);
    } else {
      selected.add(node);
      const stack = [...kids];
      while (stack.length > 0) {
        const c = stack.pop()!;
        selected.delete(c);
        stack.push(...(children.get(c) ?? []));
      }
    }
  }
  return selected;
}

function label(n: number, rows: CondensedRow[], selected: Set<number>): Int32Array {
  const parentOf = new Map<number, number>();
  for (const r of rows) parentOf.set(r.child, r.parent);
  const labels = new Int32Array(n).fill(-1);
  const clusterOf = new Int32Array(n).fill(-1);
  for (let p = 0; p < n; p++) {
    let c = parentOf.get(p);
    while (c !== undefined && !selected.has(c)) c = parentOf.get(c);
    if (c !== undefined) clusterOf[p] = c;
  }
  // number clusters by their first member in input order
  const numbering = new Map<number, number>();
  for (let p = 0; p < n; p++) {
    const c = clusterOf[p]!;
    if (c < 0) continue;
    if (!numbering.has(c)) numbering.set(c, numbering.size);
    labels[p] = numbering.get(c)!;
  }
  return labels;
}

export function hdbscan(vectors: readonly ArrayLike<number>[], options: HdbscanOptions): HdbscanResult {
  const { minClusterSize, minSamples } = options;
  if (!Number.isInteger(minClusterSize) || minClusterSize < 2) throw new Error(`HDBSCAN: minClusterSize must be an integer ≥ 2 (got ${minClusterSize})`);
  if (!Number.isInteger(minSamples) || minSamples < 1) throw new Error(`HDBSCAN: minSamples must be an integer ≥ 1 (got ${minSamples})`);
  const n = vectors.length;
  if (n < minClusterSize || n < 2) return { labels: new Int32Array(n).fill(-1), nClusters: 0, noiseCount: n };

  const points = new Points(vectors);
  const distances: Distances = n <= (options.matrixMaxPoints ?? MATRIX_MAX_POINTS) ? new MatrixDistances(n, points) : new StreamingDistances(points);
  const core = coreDistances(n, Math.min(minSamples, n), distances);
  const mst = mutualReachabilityMst(n, core, distances);
  const rows = condense(n, singleLinkage(n, mst), minClusterSize);
  const labels = label(n, rows, selectClusters(n, rows));
  let noiseCount = 0;
  let nClusters = 0;
  for (const l of labels) {
    if (l < 0) noiseCount++;
    else nClusters = Math.max(nClusters, l + 1);
  }
  return { labels, nClusters, noiseCount };
}

/** Copies of the vectors scaled to unit length (a zero vector stays zero), so Euclidean ranks like cosine. */
export function l2NormalizeRows(vectors: readonly ArrayLike<number>[]): Float64Array[] {
  return vectors.map((v) => {
    let s = 0;
    for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
    const norm = Math.sqrt(s) || 1;
    const out = new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = v[i]! / norm;
    return out;
  });
}
