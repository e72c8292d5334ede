/**
 * @module The files an index run reads: source files under a directory, without following symlinks,
 * skipping CALM's default excluded directories and whatever `.gitignore` excludes.
 *
 * Ignore rules follow git: every `.gitignore` from the repository root down to the file applies,
 * plus `.git/info/exclude`; the deepest file with a matching rule decides (so a nested `!keep.py`
 * re-includes), and a directory that is ignored is not entered at all.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { languageOf } from './languages.js';

export const DEFAULT_EXCLUDED_DIRS: ReadonlySet<string> = new Set([
  '.venv', 'venv', 'env', 'node_modules', '.git', '.hg', '.svn', '__pycache__', '.tox', '.nox', 'dist', 'build', 'target',
  '.pytest_cache', '.mypy_cache', '.ruff_cache', 'htmlcov', '.eggs', '.worktrees',
]);

const isExcludedDir = (name: string): boolean => DEFAULT_EXCLUDED_DIRS.has(name) || name.endsWith('.egg-info');

interface Rules {
  readonly base: string;
  readonly ig: Ignore;
}

function readRules(base: string, file: string): Rules | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return { base, ig: ignore().add(readFileSync(file, 'utf8')) };
  } catch {
    return undefined; // an unreadable ignore file excludes nothing, as with git
  }
}

/** The repository root above `dir` (a folder holding `.git`), if any. */
function gitRoot(dir: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, '.git'))) return d;
    if (dirname(d) === d) return undefined;
  }
}

/** Rules that apply above `root`: the repository's `.gitignore`s from its root down to root's parent. */
function inheritedRules(root: string): Rules[] {
  const top = gitRoot(root);
  if (!top) return [];
  const rules: Rules[] = [];
  const exclude = readRules(top, join(top, '.git', 'info', 'exclude'));
  if (exclude) rules.push(exclude);
  const chain: string[] = [];
  if (top !== root) {
    for (let d = dirname(root); ; d = dirname(d)) {
      chain.unshift(d);
      if (d === top || dirname(d) === d) break;
    }
  }
  for (const d of chain) {
    const r = readRules(d, join(d, '.gitignore'));
    if (r) rules.push(r);
  }
  return rules;
}

function ignored(rules: readonly Rules[], path: string, isDir: boolean): boolean {
  for (let i = rules.length - 1; i >= 0; i--) {
    const r = rules[i]!;
    let rel = relative(r.base, path).split(sep).join('/');
    if (!rel || rel.startsWith('..')) continue;
    if (isDir) rel += '/';
    const verdict = r.ig.test(rel);
    if (verdict.ignored) return true;
    if (verdict.unignored) return false;
  }
  return false;
}

/** Absolute paths of indexable files under `root`, sorted; folders in `skip` (absolute, under root) are not entered. */
export async function findSourceFiles(root: string, options: { recursive: boolean; skip?: ReadonlySet<string> }): Promise<string[]> {
  const files: string[] = [];
  const visit = async (dir: string, rules: readonly Rules[]): Promise<void> => {
    const own = readRules(dir, join(dir, '.gitignore'));
    const active = own ? [...rules, own] : rules;
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isSymbolicLink()) continue;
      if (entry.isDirectory()) {
        if (!options.recursive || isExcludedDir(entry.name) || options.skip?.has(path) || ignored(active, path, true)) continue;
        await visit(path, active);
      } else if (entry.isFile() && languageOf(entry.name) && !ignored(active, path, false)) {
        files.push(path);
      }
    }
  };
  await visit(root, inheritedRules(root));
  return files;
}
