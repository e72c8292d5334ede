/**
 * @module Makes sure a collection exists, built by the configured embedder, before a service uses it.
 * Checked once per process and collection: the check itself may write (creating the collection).
 */
import type { Embedder } from '../embedding/embedder.js';
import { embedderMismatch } from '../store/records/embedder-mismatch.js';
import type { RecordStore } from '../store/records/record-store.js';

export class CollectionGuard {
  private readonly ready = new Map<string, Promise<void>>();

  constructor(
    private readonly records: RecordStore,
    private readonly embedder: () => Promise<Embedder>,
  ) {}

  /** Checks every collection again on next use: a restore may have removed one or brought another embedder's. */
  forget(): void {
    this.ready.clear();
  }

  /** For writes: creates the collection when missing. */
  ensure(name: string): Promise<void> {
    let pending = this.ready.get(name);
    if (!pending) {
      pending = this.embedder()
        .then((e) => this.records.ensureCollection(name, { embedder: e.id, dim: e.dim }))
        .then(() => undefined);
      pending.catch(() => this.ready.delete(name));
      this.ready.set(name, pending);
    }
    return pending;
  }

  /** For reads: false when the collection does not exist yet (nothing to find); a mismatch is an error. */
  async exists(name: string): Promise<boolean> {
    if (this.ready.has(name)) {
      await this.ready.get(name);
      return true;
    }
    const info = await this.records.info(name);
    if (!info) return false;
    const e = await this.embedder();
    if (info.embedder !== e.id || info.dim !== e.dim) throw embedderMismatch(name, info, { embedder: e.id, dim: e.dim });
    this.ready.set(name, Promise.resolve());
    return true;
  }
}
