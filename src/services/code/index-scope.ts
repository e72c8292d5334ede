/**
 * @module Where index_codebase never reads, whatever directory it is given: calm's own home (the
 * database, backups and the auth token would become searchable code), the user's key stores, and the
 * kernel's pseudo-filesystems. A directory inside one is refused; one that contains one skips it.
 */
import { homedir } from 'node:os';
import { join, relative } from 'node:path';
import { isWithin, realPathOf } from '../../fs-confine.js';

export function neverIndexed(calmHome: string): string[] {
  const home = homedir();
  return [calmHome, join(home, '.ssh'), join(home, '.gnupg'), join(home, '.aws'), '/proc', '/sys', '/dev'];
}

export type IndexScope = { refused: string } | { skip: ReadonlySet<string> };

/** For `directory` (an absolute path that exists): the folder that forbids it, or the paths under it to leave out. */
export function indexScope(directory: string, calmHome: string): IndexScope {
  const real = realPathOf(directory);
  const skip = new Set<string>();
  for (const folder of neverIndexed(calmHome)) {
    const realFolder = realPathOf(folder);
    if (isWithin(realFolder, real)) return { refused: folder };
    if (isWithin(real, realFolder)) skip.add(join(directory, relative(real, realFolder)));
  }
  return { skip };
}
