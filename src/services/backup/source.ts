/**
 * @module The seam between backups and storage backends. A backup is assembled from sources: the
 * SQLite source (always: relational tables, and with the embedded backend every record and vector)
 * and, with the Qdrant backend, a Qdrant source (per-collection snapshots + a JSONL export). Putting
 * a backup back is not per source: restore.ts and staged-restore.ts switch all of it at once.
 */
import type { Manifest, ManifestCollection, NotIncluded } from './manifest.js';

export interface CaptureResult {
  /** Files written, relative to the backup directory. */
  readonly files: string[];
  readonly collections: ManifestCollection[];
  readonly notIncluded: NotIncluded[];
  /** Something this source should have captured is missing (listed in notIncluded). */
  readonly partial: boolean;
  /** Only the SQLite source knows these. */
  readonly schemaVersion?: number;
  readonly tables?: Record<string, number>;
}

export interface VerifyProblem {
  /** The file at fault, relative to the backup directory. */
  readonly file: string;
  readonly problem: string;
}

export interface SourceRestoreReport {
  readonly source: string;
  readonly detail: string;
}

export interface BackupSource {
  readonly name: 'sqlite' | 'qdrant';
  /** Writes this source's files into `dir` (a staging directory). */
  capture(dir: string): Promise<CaptureResult>;
  /** Checks beyond checksums (integrity, counts); called only when the checksums passed. */
  verify(dir: string, manifest: Manifest): Promise<VerifyProblem[]>;
  /** Compares the live state with the manifest after a restore; returns mismatches. */
  checkRestored(manifest: Manifest): Promise<string[]>;
}
