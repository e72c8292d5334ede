/**
 * @module `manifest.json`: what a backup holds and how to check it. Every file is listed with its size
 * and sha256; the manifest carries a checksum of itself, so a damaged manifest is named as such
 * instead of passing for a damaged data file.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CalmError } from '../../errors.js';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_FORMAT = 1;

/** named: `calm backup create`; auto: daily or before a migration (rotated); safety: taken by restore (never rotated). */
export type BackupKind = 'named' | 'auto' | 'safety';

export interface ManifestFile {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

export interface ManifestCollection {
  readonly name: string;
  readonly embedder: string;
  readonly dim: number;
  /** Records (rows) in the collection. */
  readonly count: number;
  /** Vectors stored for them; equal to `count` in a consistent backup. */
  readonly vectors: number;
  /** Where the records are: `sqlite` (metadata.db) or `qdrant` (snapshot and/or JSONL export). */
  readonly source: 'sqlite' | 'qdrant';
}

export interface NotIncluded {
  readonly what: string;
  readonly reason: string;
}

export interface Manifest {
  readonly format: number;
  readonly name: string;
  readonly kind: BackupKind;
  readonly reason: string;
  readonly created_at: string;
  readonly calm_version: string;
  readonly schema_version: number;
  readonly backend: 'embedded' | 'qdrant';
  readonly collections: ManifestCollection[];
  /** Row counts of every relational table in metadata.db. */
  readonly tables: Record<string, number>;
  readonly files: ManifestFile[];
  readonly not_included: NotIncluded[];
  /** True when something that should have been captured was not (see not_included). */
  readonly partial: boolean;
  readonly manifest_sha256?: string;
}

const ZERO = '0'.repeat(64);
/** A relative path inside the backup: plain segments separated by `/` (checked for `.` and `..` too). */
const SAFE_PATH_RE = /^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/;
const SELF_RE = /"manifest_sha256": "([0-9a-f]{64})"/;

export function sha256File(file: string): string {
  const hash = createHash('sha256');
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(n === buf.length ? buf : buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

export function describeFile(dir: string, path: string): ManifestFile {
  const full = join(dir, path);
  return { path, size: statSync(full).size, sha256: sha256File(full) };
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Written last, after every file it lists is complete. */
export function writeManifest(dir: string, manifest: Omit<Manifest, 'manifest_sha256'>): Manifest {
  const draft = `${JSON.stringify({ ...manifest, manifest_sha256: ZERO }, null, 2)}\n`;
  const self = sha256(draft);
  writeFileSync(join(dir, MANIFEST_FILE), draft.replace(`"manifest_sha256": "${ZERO}"`, `"manifest_sha256": "${self}"`), { mode: 0o600 });
  return { ...manifest, manifest_sha256: self };
}

/** Reads and self-checks a manifest; any damage is a `storage_error` naming manifest.json. */
export function readManifest(dir: string): Manifest {
  const file = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new CalmError('storage_error', `${MANIFEST_FILE} is missing in ${dir}`);
  }
  const self = SELF_RE.exec(text)?.[1];
  if (!self || sha256(text.replace(SELF_RE, `"manifest_sha256": "${ZERO}"`)) !== self) {
    throw new CalmError('storage_error', `${MANIFEST_FILE} is damaged (its checksum does not match its content)`);
  }
  let parsed: Manifest;
  try {
    parsed = JSON.parse(text) as Manifest;
  } catch {
    throw new CalmError('storage_error', `${MANIFEST_FILE} is damaged (not valid JSON)`);
  }
  if (parsed.format !== MANIFEST_FORMAT || !Array.isArray(parsed.files) || !Array.isArray(parsed.collections)) {
    throw new CalmError('storage_error', `${MANIFEST_FILE} has an unknown format (${String(parsed.format)}); it was written by another calm version`);
  }
  const seen = new Set<string>();
  for (const f of parsed.files as unknown[]) {
    const entry = (f ?? {}) as Partial<ManifestFile>;
    const path = entry?.path;
    if (typeof path !== 'string' || !SAFE_PATH_RE.test(path) || path.split('/').some((seg) => seg === '.' || seg === '..') || path === MANIFEST_FILE) {
      throw new CalmError('storage_error', `${MANIFEST_FILE} lists a file outside the backup or with an invalid path: ${JSON.stringify(path)}`);
    }
    if (seen.has(path)) throw new CalmError('storage_error', `${MANIFEST_FILE} lists ${path} twice`);
    seen.add(path);
    if (!Number.isSafeInteger(entry.size) || (entry.size as number) < 0 || typeof entry.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(entry.sha256)) {
      throw new CalmError('storage_error', `${MANIFEST_FILE} has an invalid size or sha256 for ${path}`);
    }
  }
  return parsed;
}
