/**
 * @module Whether a path stays inside a folder, by what it really points at: `..` is resolved and
 * symlinks are followed (for a path not yet created, its nearest existing ancestor is), so neither a
 * `../` in a name nor a symlink placed in a project can lead a read or a write outside.
 */
import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';

/** `child` is `parent` or below it (both already resolved). */
export function isWithin(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** The real path of `path`, or of its nearest existing ancestor with the rest appended. */
export function realPathOf(path: string): string {
  const abs = resolve(path);
  if (existsSync(abs)) return realpathSync(abs);
  const parent = dirname(abs);
  return parent === abs ? abs : join(realPathOf(parent), relative(parent, abs));
}

/** Whether `path`, followed through every symlink, lies inside `folder` (followed too). */
export function staysInside(folder: string, path: string): boolean {
  return isWithin(realPathOf(folder), realPathOf(path));
}
