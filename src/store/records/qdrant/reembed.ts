/**
 * @module Re-embedding on Qdrant: the new vectors go into a shadow collection (`<name>` + SHADOW_SUFFIX),
 * which is copied over the live one at commit. Every step of the copy is safe to repeat, and the
 * collections are marked while it runs, so a commit a crash interrupted is finished by whoever reads
 * the collection next.
 */
import { CalmError } from '../../../errors.js';
import type { CollectionSpec, ReembedVector, StoredRecord } from '../record-store.js';
import { calmMeta, type LiveCollection, type Point, type QdrantApi, type RawCollection } from './api.js';
import { ORIGINAL_ID_KEY, pointId } from './ids.js';
import { type CalmCollectionMeta, shadowName, TEXT_KEY, VECTOR_KEY } from './layout.js';
import { toRecord } from './records.js';
import { decodeVector, encodeVector } from './vectors.js';

export class ShadowReembedding {
  /** Where this process's re-embedding pass has got to, per collection (a point id; null = the start). */
  private readonly cursor = new Map<string, string | number | null>();

  constructor(private readonly api: QdrantApi) {}

  private noReembed(name: string): CalmError {
    return new CalmError('validation_error', `No re-embedding in progress for '${name}'`);
  }

  /** Forgets this process's position (the collection was dropped). */
  forget(name: string): void {
    this.cursor.delete(name);
  }

  async begin(live: LiveCollection, spec: CollectionSpec): Promise<{ done: number; total: number }> {
    const name = live.name;
    const shadow = shadowName(name);
    const p = live.meta.pending;
    const same = p && p.embedder === spec.embedder && p.dim === spec.dim && (await this.api.raw(shadow)) !== null;
    if (!same) {
      if (await this.api.raw(shadow)) await this.api.deleteCollection(shadow);
      await this.api.createCollection(shadow, spec.dim, { format: 1, embedder: spec.embedder, dim: spec.dim, shadowOf: name });
      await this.api.setMeta(name, { ...live.meta, pending: { embedder: spec.embedder, dim: spec.dim } });
    }
    this.cursor.delete(name);
    return { done: await this.api.exactCount(shadow), total: await this.api.exactCount(name) };
  }

  /** Live points from `points` whose vector for the pending embedder is missing or was computed from older text. */
  async stale(name: string, points: readonly Point[]): Promise<Point[]> {
    if (points.length === 0) return [];
    const ids = points.map((p) => toRecord(p).id);
    const shadow = await this.api.retrieve(shadowName(name), ids, { include: [ORIGINAL_ID_KEY, TEXT_KEY] });
    return points.filter((p, i) => shadow.get(ids[i]!)?.payload?.[TEXT_KEY] !== p.payload?.[TEXT_KEY]);
  }

  async pending(live: LiveCollection, limit: number): Promise<StoredRecord[]> {
    const name = live.name;
    if (!live.meta.pending) throw this.noReembed(name);
    const from = this.cursor.get(name) ?? null;
    const collect = async (start: string | number | null): Promise<{ out: Point[]; next: string | number | null }> => {
      const out: Point[] = [];
      let offset = start;
      for (;;) {
        const { points, next } = await this.api.page(name, limit, { exclude: [VECTOR_KEY] }, offset);
        const stale = await this.stale(name, points);
        const room = limit - out.length;
        out.push(...stale.slice(0, room));
        if (stale.length > room) {
          // resume right after the last point handed out
          const last = stale[room - 1]!;
          const at = points.indexOf(last);
          return { out, next: points[at + 1]?.id ?? next };
        }
        if (out.length >= limit || next === null) return { out, next };
        offset = next;
      }
    };
    let { out, next } = await collect(from);
    // one more pass from the start catches records rewritten behind the cursor
    if (out.length === 0 && from !== null) ({ out, next } = await collect(null));
    this.cursor.set(name, out.length > 0 ? next : null);
    return out.map((p) => toRecord(p));
  }

  async write(live: LiveCollection, vectors: readonly ReembedVector[]): Promise<void> {
    const name = live.name;
    const p = live.meta.pending;
    if (!p) throw this.noReembed(name);
    for (const v of vectors) {
      if (v.vector.length !== p.dim) throw new CalmError('validation_error', `Vector for '${v.id}' has dimension ${v.vector.length}, expected ${p.dim}`);
      for (const x of v.vector) if (!Number.isFinite(x)) throw new CalmError('validation_error', `Vector for '${v.id}' holds a non-finite number`);
    }
    const current = await this.api.retrieve(name, vectors.map((v) => v.id), { exclude: [VECTOR_KEY] });
    const points = vectors.flatMap((v) => {
      const point = current.get(v.id);
      if (!point) return []; // deleted meanwhile
      // rewritten since it was handed out: this vector is stale, the record stays pending
      if (v.text !== undefined && v.text !== point.payload?.[TEXT_KEY]) return [];
      return [{ id: pointId(v.id), vector: Array.from(v.vector), payload: { ...point.payload, [VECTOR_KEY]: encodeVector(v.vector) } }];
    });
    await this.api.upsertPoints(shadowName(name), points);
  }

  /** Swaps the shadow in once it holds every record; the caller reads the collection afresh afterwards. */
  async commit(live: LiveCollection): Promise<void> {
    const name = live.name;
    const p = live.meta.pending;
    if (!p) throw this.noReembed(name);
    let missing = 0;
    for await (const page of this.api.scan(name, undefined, { include: [ORIGINAL_ID_KEY, TEXT_KEY] })) missing += (await this.stale(name, page)).length;
    if (missing > 0) {
      throw new CalmError('storage_error', `Re-embedding of '${name}' is incomplete (${missing} records left); run \`calm reembed\` again`);
    }
    const shadow = shadowName(name);
    const shadowRaw = await this.api.raw(shadow);
    const shadowMeta = shadowRaw ? calmMeta(shadowRaw) : undefined;
    if (!shadowMeta) throw new CalmError('storage_error', `The re-embedding of '${name}' lost its shadow collection '${shadow}'; run \`calm reembed\` again`);
    // from here on the shadow holds every record: mark both, so an interrupted copy is finished by whoever comes next
    await this.api.setMeta(shadow, { ...shadowMeta, committing: true });
    await this.api.setMeta(name, { ...live.meta, pending: { ...p, committing: true } });
    await this.copyOver(name, true);
    this.cursor.delete(name);
  }

  /**
   * The swap, step by step, each step safe to repeat: drop the old collection, create it anew with the
   * new dimension (still marked committing), copy every shadow point in, clear the mark, drop the shadow.
   */
  private async copyOver(name: string, dropLive: boolean): Promise<void> {
    const shadow = shadowName(name);
    const shadowRaw = await this.api.raw(shadow);
    const meta = shadowRaw ? calmMeta(shadowRaw) : undefined;
    if (!meta) throw new CalmError('storage_error', `Cannot finish the re-embedding of '${name}': its shadow collection is gone`);
    const spec = { embedder: meta.embedder, dim: meta.dim };
    const committing = { format: 1, ...spec, pending: { ...spec, committing: true } } as CalmCollectionMeta;
    if (dropLive) {
      await this.api.deleteCollection(name);
      await this.api.createCollection(name, spec.dim, committing);
    }
    for await (const page of this.api.scan(shadow, undefined, true)) {
      await this.api.upsertPoints(name, page.map((pt) => ({
        id: String(pt.id),
        vector: Array.from(decodeVector(pt.payload?.[VECTOR_KEY]) ?? new Float32Array(spec.dim)),
        payload: pt.payload ?? {},
      })));
    }
    await this.api.setMeta(name, { format: 1, ...spec });
    await this.api.deleteCollection(shadow);
  }

  /** Finishes a commit that a crash interrupted; true when there was one. */
  async resumeCommit(name: string, raw: RawCollection | null, meta: CalmCollectionMeta | undefined): Promise<boolean> {
    const shadowRaw = await this.api.raw(shadowName(name));
    const shadowMeta = shadowRaw ? calmMeta(shadowRaw) : undefined;
    if (!shadowMeta?.committing) return false;
    if (!raw) {
      await this.api.createCollection(name, shadowMeta.dim, { format: 1, embedder: shadowMeta.embedder, dim: shadowMeta.dim, pending: { embedder: shadowMeta.embedder, dim: shadowMeta.dim, committing: true } } as CalmCollectionMeta);
      await this.copyOver(name, false);
      return true;
    }
    if (!meta?.pending?.committing) return false;
    // the old collection still stands (its dimension is the old one) unless the drop already happened
    const liveDim = (raw.config.params.vectors as { size?: number } | undefined)?.size;
    await this.copyOver(name, liveDim !== shadowMeta.dim || meta.embedder !== shadowMeta.embedder);
    return true;
  }
}
