/**
 * @module Reading commits: one `git log` with per-file line counts (`--numstat`), NUL-separated so any
 * path or message parses. Per-file counts are what churn and author figures are built from (CALM
 * credited every file of a commit with the whole commit's totals).
 *
 * Renames are followed (`-M`): the new path is credited, and `files_changed` lists both paths, as in
 * CALM. Merge commits carry no diff (git's default), so their changes are not counted twice.
 * `timestamp` is the committer date, as in CALM and as `git log --since` filters.
 */
import type { GitRepo } from './repository.js';

export interface FileChange {
  readonly path: string;
  readonly old_path?: string;
  readonly insertions: number;
  readonly deletions: number;
}

export interface CommitInfo {
  readonly sha: string;
  readonly parents: readonly string[];
  readonly author: string;
  readonly author_email: string;
  readonly authored_at: string;
  readonly committed_at: string;
  /** Committer time, seconds since the epoch. */
  readonly timestamp: number;
  readonly message: string;
  readonly files: readonly FileChange[];
}

export interface LogOptions {
  /** A revision range such as `a..b`; HEAD when absent. */
  readonly range?: string;
  readonly since?: Date;
  readonly limit?: number;
  /** Only commits touching this repo-relative path. */
  readonly path?: string;
  /** With `path`: still list every file of those commits (git's --full-diff). */
  readonly fullDiff?: boolean;
}

const FORMAT = '%x1e%H%x00%P%x00%an%x00%ae%x00%aI%x00%cI%x00%ct%x00%B%x00';
const NUMSTAT_RE = /^(\d+|-)\t(\d+|-)\t(.*)$/s;

export function parseLog(out: string): CommitInfo[] {
  const commits: CommitInfo[] = [];
  for (const record of out.split('\x1e')) {
    if (!record.trim()) continue;
    const parts = record.split('\0');
    const [sha, parents, author, email, authored, committed, ct, body] = parts;
    if (!sha || ct === undefined || body === undefined) continue;
    const files: FileChange[] = [];
    const rest = parts.slice(8);
    for (let i = 0; i < rest.length; i++) {
      const token = rest[i]!.replace(/^\n+/, '');
      if (!token) continue;
      const m = NUMSTAT_RE.exec(token);
      if (!m) continue;
      const insertions = m[1] === '-' ? 0 : Number(m[1]);
      const deletions = m[2] === '-' ? 0 : Number(m[2]);
      if (m[3]) files.push({ path: m[3], insertions, deletions });
      else {
        const from = rest[++i] ?? '';
        const to = rest[++i] ?? '';
        files.push({ path: to, old_path: from, insertions, deletions });
      }
    }
    commits.push({
      sha: sha.trim(),
      parents: parents ? parents.split(' ').filter(Boolean) : [],
      author: author || 'Unknown',
      author_email: email || 'unknown@example.com',
      authored_at: new Date(authored ?? '').toISOString(),
      committed_at: new Date(committed ?? '').toISOString(),
      timestamp: Number(ct),
      message: body.trim(),
      files,
    });
  }
  return commits;
}

/** Newest first. */
export async function readCommits(repo: GitRepo, options: LogOptions = {}): Promise<CommitInfo[]> {
  const args = ['-c', 'core.quotepath=off', 'log', '-z', '--numstat', '-M', '--no-color', `--format=${FORMAT}`];
  if (options.limit !== undefined) args.push(`--max-count=${options.limit}`);
  if (options.since) args.push(`--since=${options.since.toISOString()}`);
  if (options.fullDiff) args.push('--full-diff');
  args.push(options.range ?? 'HEAD');
  if (options.path !== undefined) args.push('--', `:(literal)${options.path}`);
  return parseLog(await repo.git.raw(args));
}

export const insertionsOf = (c: CommitInfo): number => c.files.reduce((n, f) => n + f.insertions, 0);
export const deletionsOf = (c: CommitInfo): number => c.files.reduce((n, f) => n + f.deletions, 0);

/** Paths a commit touched, with both sides of a rename (CALM's `files_changed`), sorted and unique. */
export function filesChanged(c: CommitInfo): string[] {
  return [...new Set(c.files.flatMap((f) => (f.old_path ? [f.old_path, f.path] : [f.path])))].sort();
}
