/**
 * @module Reading and writing Claude Code's JSON files safely. A missing or blank file is `{}`; invalid
 * JSON, or JSON that is not an object, is a clear error and the file is left alone. Writes go to a temp
 * file in the same folder, are flushed, and renamed over the original (a symlinked file is written
 * through its link), keeping the original's permissions; the bytes replaced are kept as a backup first.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { CalmError } from '../../errors.js';

export type JsonObject = Record<string, unknown>;

export interface JsonFile {
  readonly path: string;
  readonly exists: boolean;
  /** The file's bytes as read (undefined when missing). */
  readonly text: string | undefined;
  readonly value: JsonObject;
}

export const isJsonObject = (v: unknown): v is JsonObject => v !== null && typeof v === 'object' && !Array.isArray(v);

export function readJsonObject(path: string): JsonFile {
  if (!existsSync(path)) return { path, exists: false, text: undefined, value: {} };
  const text = readFileSync(path, 'utf8');
  if (text.trim() === '') return { path, exists: true, text, value: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new CalmError('config_error', `${path} is not valid JSON (${(e as Error).message}); fix or move it, then run again. Nothing was changed.`);
  }
  if (!isJsonObject(value)) throw new CalmError('config_error', `${path} must hold a JSON object; fix or move it, then run again. Nothing was changed.`);
  return { path, exists: true, text, value };
}

export const renderJson = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** Copies `path` into `backupDir` as `<name>.<timestamp>.bak`; returns the copy's path. */
export function backupFile(path: string, backupDir: string, at = new Date()): string {
  mkdirSync(backupDir, { recursive: true, mode: 0o700 });
  const stamp = at.toISOString().replace(/[:.]/g, '-');
  const name = basename(path).replace(/^\./, '');
  let dest = join(backupDir, `${name}.${stamp}.bak`);
  for (let n = 1; existsSync(dest); n++) dest = join(backupDir, `${name}.${stamp}-${n}.bak`);
  copyFileSync(path, dest);
  return dest;
}

/** Deep equality of JSON values (object key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}
