/**
 * @module `calm backup verify`: the size and sha256 of every file against the manifest (which checks
 * itself), no unlisted files, then each source's own checks (SQLite integrity_check, row and vector
 * counts). Every problem names the file at fault.
 */
import { lstatSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { FullBackupSettings } from '../settings.js';
import { verifyCalmBackup } from './calm-backups.js';
import { filesUnder, findBackup } from './catalog.js';
import { MANIFEST_FILE, type Manifest, readManifest, sha256File } from './manifest.js';
import type { VerifyProblem } from './source.js';
import { backupSources } from './sources.js';
import { recordVerification } from './verify-state.js';

export interface VerifyReport {
  readonly name: string;
  readonly path: string;
  readonly ok: boolean;
  readonly files: number;
  readonly problems: VerifyProblem[];
  readonly manifest?: Manifest;
  /** `calm` for one of CALM's backups (checked without checksums; see `note`). */
  readonly kind?: 'calm';
  readonly note?: string;
}

const lstatOrNull = (path: string): Stats | null => {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
};

function checksumProblems(dir: string, manifest: Manifest): VerifyProblem[] {
  const problems: VerifyProblem[] = [];
  for (const f of manifest.files) {
    const full = join(dir, f.path);
    const st = lstatOrNull(full);
    if (!st) {
      problems.push({ file: f.path, problem: 'missing' });
      continue;
    }
    // a link would let the backup's bytes be anything the link points to (and change after verify)
    if (st.isSymbolicLink()) {
      problems.push({ file: f.path, problem: 'is a symbolic link, not a file calm wrote; refusing to follow it' });
      continue;
    }
    if (!st.isFile()) {
      problems.push({ file: f.path, problem: 'is not a regular file' });
      continue;
    }
    const size = st.size;
    if (size !== f.size) problems.push({ file: f.path, problem: `size ${size} bytes, manifest says ${f.size}` });
    else if (sha256File(full) !== f.sha256) problems.push({ file: f.path, problem: 'sha256 does not match the manifest (the file is damaged)' });
  }
  const listed = new Set([MANIFEST_FILE, ...manifest.files.map((f) => f.path)]);
  for (const f of filesUnder(dir)) if (!listed.has(f)) problems.push({ file: f, problem: 'not listed in the manifest' });
  return problems;
}

export async function verifyBackup(config: FullBackupSettings, name: string): Promise<VerifyReport> {
  const found = findBackup(config, name);
  if (found.kind === 'calm') return verifyCalmBackup(config, name);
  const path = found.path;
  if (lstatOrNull(join(path, MANIFEST_FILE))?.isSymbolicLink()) {
    return { name, path, ok: false, files: 0, problems: [{ file: MANIFEST_FILE, problem: 'is a symbolic link, not a file calm wrote; refusing to follow it' }] };
  }
  let manifest: Manifest;
  try {
    manifest = readManifest(path);
  } catch (e) {
    return { name, path, ok: false, files: 0, problems: [{ file: MANIFEST_FILE, problem: (e as Error).message }] };
  }
  const problems = checksumProblems(path, manifest);
  // deeper checks only on files whose bytes are what the manifest recorded
  if (problems.length === 0) {
    for (const source of backupSources(config, manifest.backend)) problems.push(...(await source.verify(path, manifest)));
  }
  recordVerification(config.paths.backups, name, { ok: problems.length === 0, problems: problems.length, verified_at: new Date().toISOString(), backup_created_at: manifest.created_at });
  return { name, path, ok: problems.length === 0, files: manifest.files.length + 1, problems, manifest };
}

export function describeProblems(problems: readonly VerifyProblem[]): string {
  return problems.map((p) => `${p.file}: ${p.problem}`).join('; ');
}
