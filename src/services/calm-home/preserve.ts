/**
 * @module CALM's originals, kept byte for byte before `calm init` changes anything: every CALM file of
 * the home is copied (timestamps kept) into `$CALM_HOME/calm-original-<UTC time>/`, then each copy is
 * hashed and compared with its original. `calm-original.json` (written last, so a folder without it is
 * an incomplete copy) lists each file with its size, sha256 and modification time. `restoreOriginals`
 * puts them back exactly, after moving what calm had there into `calm-replaced-<UTC time>/`.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CalmError } from '../../errors.js';
import { writeFileAtomic } from '../../fs-atomic.js';

/** What of a CALM home is CALM's (reference cli-orchestration §6.1), in the order it is copied. */
export const CALM_ENTRIES = [
  'metadata.db', 'metadata.db-wal', 'metadata.db-shm', 'config.yaml', 'journal', 'roles', 'workflows', 'skills', 'sessions', 'backups',
  'tool_count', 'hook_errors.log', 'hook_errors.log.1',
] as const;

export const ORIGINALS_PREFIX = 'calm-original-';
export const MANIFEST_FILE = 'calm-original.json';

export interface PreservedFile {
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
  readonly mtime_ms: number;
}

export interface OriginalsManifest {
  readonly kind: 'calm-original';
  readonly created_at: string;
  readonly home: string;
  /** Top-level entries of the home that were copied. */
  readonly entries: string[];
  readonly files: PreservedFile[];
}

export const utcStamp = (d = new Date()): string => d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

export function sha256File(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Every regular file under `root`'s `entries`, relative to `root`, sorted. */
function filesUnder(root: string, entries: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    const abs = join(root, rel);
    const st = lstatSync(abs);
    if (st.isDirectory()) for (const name of readdirSync(abs).sort()) walk(join(rel, name));
    else if (st.isFile()) out.push(rel);
  };
  for (const e of entries) if (existsSync(join(root, e))) walk(e);
  return out;
}

/** A copy of `entry` from one root to another, each file with its original timestamps (cpSync alone rounds them). */
function copyEntry(fromRoot: string, toRoot: string, entry: string): void {
  cpSync(join(fromRoot, entry), join(toRoot, entry), { recursive: true, preserveTimestamps: true, errorOnExist: true, force: false });
  for (const rel of filesUnder(fromRoot, [entry])) {
    const st = statSync(join(fromRoot, rel));
    utimesSync(join(toRoot, rel), st.atimeMs / 1000, st.mtimeMs / 1000);
  }
}

function describe(root: string, rel: string): PreservedFile {
  const abs = join(root, rel);
  const st = statSync(abs);
  return { path: rel, size: st.size, sha256: sha256File(abs), mtime_ms: Math.trunc(st.mtimeMs) };
}

/** Copies CALM's files into a new dated folder, verifies every copy against its original, writes the manifest. */
export function preserveOriginals(home: string, now = new Date()): { dir: string; manifest: OriginalsManifest } {
  const entries = CALM_ENTRIES.filter((e) => existsSync(join(home, e)));
  const dir = join(home, `${ORIGINALS_PREFIX}${utcStamp(now)}`);
  if (existsSync(dir)) throw new CalmError('storage_error', `${dir} exists already; try again in a second`);
  const originals = filesUnder(home, entries).map((rel) => describe(home, rel));
  mkdirSync(dir, { mode: 0o700 });
  try {
    for (const e of entries) copyEntry(home, dir, e);
    const copies = new Map(filesUnder(dir, entries).map((rel) => [rel, describe(dir, rel)]));
    for (const o of originals) {
      const c = copies.get(o.path);
      if (!c || c.sha256 !== o.sha256 || c.size !== o.size) {
        throw new CalmError('storage_error', `The copy of ${o.path} in ${dir} does not match the original; nothing was changed`);
      }
    }
    const manifest: OriginalsManifest = { kind: 'calm-original', created_at: now.toISOString(), home, entries: [...entries], files: originals };
    writeFileAtomic(join(dir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    return { dir, manifest };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

export function readOriginalsManifest(dir: string): OriginalsManifest {
  const file = join(dir, MANIFEST_FILE);
  if (!existsSync(file)) throw new CalmError('not_found', `${dir} holds no ${MANIFEST_FILE}: it is not a complete copy of CALM's files`);
  const m = JSON.parse(readFileSync(file, 'utf8')) as OriginalsManifest;
  if (m.kind !== 'calm-original' || !Array.isArray(m.files) || !Array.isArray(m.entries)) {
    throw new CalmError('validation_error', `${file} is not a manifest of CALM's originals`);
  }
  return m;
}

/** Files of the preserved copy that are missing or differ from the manifest (empty = intact). */
export function verifyOriginals(dir: string, manifest = readOriginalsManifest(dir)): string[] {
  const bad: string[] = [];
  for (const f of manifest.files) {
    const abs = join(dir, f.path);
    if (!existsSync(abs)) bad.push(`${f.path}: missing`);
    else if (sha256File(abs) !== f.sha256) bad.push(`${f.path}: checksum differs`);
  }
  return bad;
}

/** The newest complete preserved folder of `home`, if any. */
export function latestOriginals(home: string): string | undefined {
  if (!existsSync(home)) return undefined;
  const dirs = readdirSync(home)
    .filter((n) => n.startsWith(ORIGINALS_PREFIX) && existsSync(join(home, n, MANIFEST_FILE)))
    .sort();
  return dirs.length ? join(home, dirs[dirs.length - 1]!) : undefined;
}

export interface RestoreOriginalsResult {
  readonly home: string;
  readonly from: string;
  readonly files: number;
  /** Where calm's files that stood in the way were moved (nothing is deleted). */
  readonly moved_aside_to: string | null;
}

/**
 * Puts CALM's preserved files back byte for byte (timestamps too). calm's own files at the same places
 * (its metadata.db with -wal/-shm, config.yaml, and the folders) are moved into `calm-replaced-<time>/`.
 */
export function restoreOriginals(home: string, from: string, now = new Date()): RestoreOriginalsResult {
  const manifest = readOriginalsManifest(from);
  const bad = verifyOriginals(from, manifest);
  if (bad.length) throw new CalmError('storage_error', `The preserved copy in ${from} is damaged (${bad.join('; ')}); nothing was changed`);
  const aside = join(home, `calm-replaced-${utcStamp(now)}`);
  // calm's database travels with its -wal/-shm even where CALM had none
  const inTheWay = [...new Set([...manifest.entries, 'metadata.db', 'metadata.db-wal', 'metadata.db-shm'])].filter((e) => existsSync(join(home, e)));
  if (inTheWay.length) {
    mkdirSync(aside, { mode: 0o700 });
    for (const e of inTheWay) renameSync(join(home, e), join(aside, e));
  }
  try {
    for (const e of manifest.entries) copyEntry(from, home, e);
  } catch (e) {
    // put calm's files back where they were
    for (const entry of manifest.entries) rmSync(join(home, entry), { recursive: true, force: true });
    for (const entry of inTheWay) renameSync(join(aside, entry), join(home, entry));
    rmSync(aside, { recursive: true, force: true });
    throw e;
  }
  const restored = filesUnder(home, manifest.entries).map((rel) => describe(home, rel));
  const want = new Map(manifest.files.map((f) => [f.path, f.sha256]));
  const wrong = restored.filter((f) => want.get(f.path) !== f.sha256).map((f) => relative(home, join(home, f.path)));
  if (wrong.length || restored.length !== manifest.files.length) {
    throw new CalmError('storage_error', `Restored files differ from the manifest (${wrong.join(', ') || 'file count'}); calm's files are in ${aside}`);
  }
  return { home, from, files: restored.length, moved_aside_to: inTheWay.length ? aside : null };
}
