/**
 * @module Everything under $CALM_HOME is private (memories, session logs, backups, the auth token):
 * folders 0700, files without group or other bits. calm creates them so; this finds what is looser
 * (a home made by an older calm, a file copied in by hand) and tightens it for `calm doctor --fix`.
 * Symlinks are neither followed nor changed.
 */
import { chmodSync, lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface LoosePath {
  readonly path: string;
  readonly kind: 'directory' | 'file';
  /** Permission bits found, e.g. 0o644. */
  readonly mode: number;
  /** What calm wants there: 0o700 for folders, the owner's bits alone for files. */
  readonly wanted: number;
}

export function findLoosePermissions(home: string): LoosePath[] {
  const out: LoosePath[] = [];
  const visit = (path: string): void => {
    let st;
    try {
      st = lstatSync(path);
    } catch {
      return; // removed meanwhile
    }
    const mode = st.mode & 0o777;
    if (st.isDirectory()) {
      if (mode !== 0o700) out.push({ path, kind: 'directory', mode, wanted: 0o700 });
      let names: string[] = [];
      try {
        names = readdirSync(path);
      } catch {
        return;
      }
      for (const name of names) visit(join(path, name));
    } else if (st.isFile() && (mode & 0o077) !== 0) {
      out.push({ path, kind: 'file', mode, wanted: mode & 0o700 });
    }
  };
  visit(home);
  return out;
}

/** chmods every loose path found; returns what it changed. */
export function tightenPermissions(home: string): LoosePath[] {
  const loose = findLoosePermissions(home);
  for (const p of loose) chmodSync(p.path, p.wanted);
  return loose;
}

export const octal = (mode: number): string => `0${mode.toString(8).padStart(3, '0')}`;
