/**
 * @module The Qdrant part of a backup (Qdrant backend only): `qdrant/<collection>.snapshot` per
 * collection, downloaded and checked against Qdrant's sha256, plus `records/<collection>.jsonl`, a
 * portable export made through the RecordStore, so a restore also works on another Qdrant version or
 * backend. Qdrant unreachable: nothing from it is captured, and the backup says so (partial).
 */
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CalmError } from '../../errors.js';
import { COLLECTIONS } from '../../store/records/collections.js';
import type { RecordStore, SnapshotCapability } from '../../store/records/record-store.js';
import { type ImportDeps, exportRecords, importRecords } from './export-import.js';
import type { Manifest, ManifestCollection, NotIncluded } from './manifest.js';
import type { BackupSource, CaptureResult, VerifyProblem } from './source.js';

const KNOWN: readonly string[] = Object.values(COLLECTIONS);
const snapshotPath = (c: string): string => `qdrant/${c}.snapshot`;
const jsonlPath = (c: string): string => `records/${c}.jsonl`;

async function writeJsonl(records: RecordStore, collection: string, file: string): Promise<number> {
  const out = createWriteStream(file, { mode: 0o600 });
  const write = (line: string): Promise<void> | void =>
    out.write(line) ? undefined : new Promise<void>((resolve) => out.once('drain', resolve));
  try {
    const [r] = await exportRecords(records, write, { collections: [collection] });
    return r?.count ?? 0;
  } finally {
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  }
}

export class QdrantBackupSource implements BackupSource {
  readonly name = 'qdrant' as const;

  /**
   * `client` is the Qdrant record store's snapshot capability; `store` is that RecordStore, for the
   * JSONL export and the JSONL fallback of a restore; without one (no store yet), the export is
   * reported as not included.
   */
  constructor(
    private readonly client: SnapshotCapability,
    private readonly store?: ImportDeps,
  ) {}

  private get records(): RecordStore | undefined {
    return this.store?.records;
  }

  async capture(dir: string): Promise<CaptureResult> {
    const notIncluded: NotIncluded[] = [];
    let existing: string[];
    try {
      existing = (await this.client.listCollections()).filter((c) => KNOWN.includes(c));
    } catch (e) {
      if (!(e instanceof CalmError)) throw e;
      return {
        files: [],
        collections: [],
        notIncluded: [{ what: `Qdrant collections (${KNOWN.join(', ')})`, reason: e.message }],
        partial: true,
      };
    }
    mkdirSync(join(dir, 'qdrant'), { recursive: true, mode: 0o700 });
    if (this.records) mkdirSync(join(dir, 'records'), { recursive: true, mode: 0o700 });
    const files: string[] = [];
    const collections: ManifestCollection[] = [];
    for (const name of existing) {
      let snapshotOk = false;
      try {
        await this.client.snapshotTo(name, join(dir, snapshotPath(name)));
        files.push(snapshotPath(name));
        snapshotOk = true;
      } catch (e) {
        if (!(e instanceof CalmError)) throw e;
        notIncluded.push({ what: `Qdrant snapshot of '${name}'`, reason: e.message });
      }
      let exported: number | undefined;
      if (this.records) {
        exported = await writeJsonl(this.records, name, join(dir, jsonlPath(name)));
        files.push(jsonlPath(name));
      } else {
        notIncluded.push({ what: `JSONL export of '${name}'`, reason: 'the Qdrant record store is not available in this calm version' });
      }
      const info = this.records ? await this.records.info(name) : null;
      const count = exported ?? (snapshotOk ? await this.client.pointsCount(name).catch(() => 0) : 0);
      if (snapshotOk || exported !== undefined) {
        collections.push({ name, embedder: info?.embedder ?? 'unknown', dim: info?.dim ?? 0, count, vectors: count, source: 'qdrant' });
      }
    }
    // a collection counts as captured when its snapshot or its export is there; JSONL alone is a full copy
    const partial = existing.some((c) => !collections.some((x) => x.name === c)) || notIncluded.some((n) => n.what.startsWith('Qdrant snapshot'));
    return { files, collections, notIncluded, partial };
  }

  async verify(dir: string, manifest: Manifest): Promise<VerifyProblem[]> {
    const problems: VerifyProblem[] = [];
    for (const c of manifest.collections.filter((x) => x.source === 'qdrant')) {
      const path = jsonlPath(c.name);
      if (!manifest.files.some((f) => f.path === path)) continue;
      const lines = readFileSync(join(dir, path), 'utf8').split('\n').filter((l) => l.length > 0).length;
      if (lines !== c.count) problems.push({ file: path, problem: `${lines} records, manifest says ${c.count}` });
    }
    return problems;
  }

  /**
   * Loads every collection of the backup into its generation (`targets`: live name → generation, none
   * of which exists yet): the snapshot uploaded under the generation's name, else the JSONL export
   * imported into it; then checks each count against the manifest. Live collections are not touched.
   * The first failure throws, naming the collection; the caller drops what was staged.
   */
  async stage(dir: string, manifest: Manifest, targets: readonly { readonly name: string; readonly generation: string }[]): Promise<string[]> {
    const done: string[] = [];
    for (const { name, generation } of targets) {
      const c = manifest.collections.find((x) => x.source === 'qdrant' && x.name === name);
      if (!c) throw new CalmError('internal_error', `collection ${name} is not in the manifest`);
      const snap = manifest.files.find((f) => f.path === snapshotPath(c.name));
      const jsonl = manifest.files.find((f) => f.path === jsonlPath(c.name));
      let uploadError: string | undefined;
      let via: string | undefined;
      if (snap) {
        try {
          await this.client.uploadSnapshot(generation, join(dir, snap.path), snap.sha256);
          via = 'snapshot';
        } catch (e) {
          if (!(e instanceof CalmError)) throw e;
          uploadError = e.message;
          // a refused upload may have left a half-made collection behind
          if ((await this.client.resolve(generation)) === generation) await this.client.deleteCollection(generation);
        }
      }
      if (!via && jsonl && this.store) {
        // the fallback: rebuild the collection from the portable export
        try {
          await importRecords(this.store, join(dir, jsonl.path), undefined, { into: () => generation });
          // an empty collection has no line to create it from
          if ((await this.client.resolve(generation)) === null) await this.store.records.ensureCollection(generation, { embedder: c.embedder, dim: c.dim });
        } catch (e) {
          if (!(e instanceof CalmError)) throw e;
          const upload = uploadError ? `its snapshot was refused (${uploadError}), then ` : '';
          throw new CalmError(e.type, `Qdrant collection '${c.name}' could not be restored: ${upload}loading its JSONL export failed (${e.message})`, { cause: e });
        }
        via = `JSONL${uploadError ? ` after: ${uploadError}` : ''}`;
      }
      if (!via) throw new CalmError('storage_error', `Qdrant collection '${c.name}' could not be restored: ${uploadError ?? 'the backup has nothing to restore it from'}`);
      const n = await this.client.pointsCount(generation);
      if (n !== c.count) throw new CalmError('storage_error', `Qdrant collection '${c.name}' came back with ${n} points, the manifest says ${c.count}`);
      done.push(`${c.name} (${via})`);
    }
    return done;
  }

  async checkRestored(manifest: Manifest): Promise<string[]> {
    const problems: string[] = [];
    for (const c of manifest.collections.filter((x) => x.source === 'qdrant')) {
      const n = await this.client.pointsCount(c.name).catch((e: unknown) => `unknown (${(e as Error).message})`);
      if (n !== c.count) problems.push(`collection ${c.name}: ${n} points, manifest says ${c.count}`);
    }
    return problems;
  }
}
