/**
 * @module Which repository a git tool works on. Every tool takes `repo_path` (CALM bound them all to
 * the directory the daemon started in, useless for a daemon shared by many projects); without it,
 * the caller's working directory is used.
 *
 * A repository is identified by its main working tree (from `git rev-parse --git-common-dir`), so
 * its linked worktrees share one commit index instead of each indexing the same history again.
 */
import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { CalmError, validationError } from '../../errors.js';

export interface GitRepo {
  /** The working tree the caller pointed at (where paths are relative to). */
  readonly root: string;
  /** The repository's identity in the index: its main working tree. */
  readonly key: string;
  readonly git: SimpleGit;
}

function expand(p: string): string {
  return resolve(p === '~' || p.startsWith('~/') ? homedir() + p.slice(1) : p);
}

/**
 * Where a call that names no repository looks: the caller's working directory over stdio and in the
 * CLI; over HTTP, the client's MCP roots (the daemon's own directory is nobody's project). It may
 * throw a clear error instead.
 */
export type DefaultDir = () => string | Promise<string>;

/** `feature` names the tool in the not-available message, as CALM did ("Git commit indexing", ...). */
export async function openRepo(repoPath: unknown, fallbackDir: DefaultDir, feature: string): Promise<GitRepo> {
  if (repoPath !== undefined && (typeof repoPath !== 'string' || repoPath.trim() === '')) throw validationError('repo_path cannot be empty');
  const dir = expand((repoPath as string | undefined) ?? (await fallbackDir()));
  if (!existsSync(dir)) throw validationError(`Repository path not found: ${dir}`);
  const start = statSync(dir).isDirectory() ? dir : dirname(dir);
  const notRepo = (): CalmError =>
    new CalmError('not_available', `${feature} not available: ${dir} is not inside a git repository (pass repo_path)`);
  const probe = simpleGit({ baseDir: start });
  let root: string;
  let common: string;
  try {
    const out = (await probe.raw(['rev-parse', '--path-format=absolute', '--show-toplevel', '--git-common-dir'])).trim().split('\n');
    if (out.length < 2 || !out[0]) throw notRepo();
    root = out[0];
    common = out[1]!;
  } catch (e) {
    if (e instanceof CalmError) throw e;
    throw notRepo();
  }
  const key = basename(common) === '.git' ? dirname(common) : common;
  return { root, key, git: simpleGit({ baseDir: root }) };
}

/**
 * A path as git sees it: relative to the working tree root, with `/`, `..` resolved. Undefined for
 * anything that leaves the tree (`a/../../x`, an absolute path elsewhere) or cannot be a path (NUL).
 */
export function repoRelative(repo: GitRepo, path: string): string | undefined {
  if (path.includes('\0')) return undefined;
  const rel = relative(repo.root, resolve(repo.root, path));
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/');
}

/** HEAD's sha, or null for a repository without commits. */
export async function headSha(repo: GitRepo): Promise<string | null> {
  try {
    const out = (await repo.git.raw(['rev-parse', '--verify', '-q', 'HEAD^{commit}'])).trim();
    return out || null;
  } catch {
    return null;
  }
}

/** simple-git resolves a non-zero exit that printed nothing, so `--is-ancestor`'s status is unusable: compare the merge base instead. */
export async function isAncestor(repo: GitRepo, ancestor: string, of: string): Promise<boolean> {
  try {
    return (await repo.git.raw(['merge-base', ancestor, of])).trim() === ancestor;
  } catch {
    return false; // e.g. the ancestor no longer exists after a gc
  }
}

/** Whether `dir` is a folder inside a git working tree. */
export async function isInsideGitRepo(dir: string): Promise<boolean> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return false;
  try {
    return (await simpleGit({ baseDir: dir }).raw(['rev-parse', '--is-inside-work-tree'])).trim() === 'true';
  } catch {
    return false;
  }
}
