/**
 * @module get_file_history, get_churn_hotspots and get_code_authors, read from git directly (not
 * from the index, so they are exact and need no indexing). Line counts are the file's own
 * (`--numstat`), never the whole commit's as in CALM.
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { validationError } from '../../errors.js';
import { validateLimit } from '../validation.js';
import { type CommitInfo, type FileChange, filesChanged, readCommits } from './log.js';
import { type GitRepo, openRepo, repoRelative, type DefaultDir } from './repository.js';

const HISTORY_CAP = 100_000;

export interface FileHistoryInput {
  path: string;
  limit?: number | undefined;
  repo_path?: string | undefined;
}

export interface FileHistoryCommit {
  sha: string;
  message: string;
  author: string;
  author_email: string;
  timestamp: string;
  files_changed: string[];
  /** Lines this commit added to and removed from the file. */
  insertions: number;
  deletions: number;
}

export interface ChurnInput {
  days?: number | undefined;
  limit?: number | undefined;
  min_changes?: number | undefined;
  repo_path?: string | undefined;
  /** Also count each author's commits to each hotspot in the period (not a CALM parameter: the dashboard's chart). */
  author_commits?: boolean | undefined;
}

export interface Hotspot {
  path: string;
  commit_count: number;
  total_insertions: number;
  total_deletions: number;
  authors: string[];
  last_changed: string;
  /** With `author_commits`: most commits first. */
  author_commits?: { author: string; commit_count: number }[];
}

export interface AuthorsInput {
  path: string;
  repo_path?: string | undefined;
}

export interface AuthorStats {
  author: string;
  email: string;
  commit_count: number;
  lines_added: number;
  lines_removed: number;
  percentage: number;
  first_commit: string;
  last_commit: string;
}

function validatePath(value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') throw validationError('Path cannot be empty');
  return value;
}

function validateRange(value: unknown, min: number, max: number, label: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw validationError(`${label} ${String(value)} out of range. Must be between ${min} and ${max}.`);
  }
  return value;
}

/** Without repo_path, an absolute file path names its own repository (the working directory may be anywhere). */
const repoOfPath = (path: string): string | undefined => (isAbsolute(path) && existsSync(dirname(path)) ? dirname(path) : undefined);

/** The change a commit made to `path` (the file as named then: renames are matched on both sides). */
const changeTo = (c: CommitInfo, path: string): FileChange | undefined =>
  c.files.find((f) => f.path === path) ?? c.files.find((f) => f.old_path === path);

export class GitAnalysis {
  constructor(private readonly defaultDir: DefaultDir) {}

  private async fileCommits(repo: GitRepo, rawPath: string, limit: number): Promise<{ path: string; commits: CommitInfo[] }> {
    const path = repoRelative(repo, rawPath);
    if (path === undefined) throw validationError(`File not found in repository: ${rawPath}`);
    const commits = await readCommits(repo, { path, limit, fullDiff: true });
    if (commits.length === 0 && !existsSync(join(repo.root, path))) throw validationError(`File not found in repository: ${rawPath}`);
    return { path, commits };
  }

  async fileHistory(input: FileHistoryInput): Promise<{ commits: FileHistoryCommit[]; count: number; path: string }> {
    const rawPath = validatePath(input.path);
    const limit = validateLimit(input.limit ?? 100, 1, 500);
    const repo = await openRepo(input.repo_path ?? repoOfPath(rawPath), this.defaultDir, 'Git file history');
    const { path, commits } = await this.fileCommits(repo, rawPath, limit);
    const out = commits.map((c) => {
      const change = changeTo(c, path);
      return {
        sha: c.sha, message: c.message, author: c.author, author_email: c.author_email, timestamp: c.committed_at,
        files_changed: filesChanged(c), insertions: change?.insertions ?? 0, deletions: change?.deletions ?? 0,
      };
    });
    return { commits: out, count: out.length, path };
  }

  async churnHotspots(input: ChurnInput): Promise<{ hotspots: Hotspot[]; count: number; days: number }> {
    const days = validateRange(input.days ?? 90, 1, 365, 'Days');
    const limit = validateLimit(input.limit ?? 10, 1, 50);
    const minChanges = validateRange(input.min_changes ?? 3, 1, 1000, 'Min_changes');
    const repo = await openRepo(input.repo_path, this.defaultDir, 'Git churn analysis');
    const since = new Date(Date.now() - days * 86_400_000);
    const commits = await readCommits(repo, { since, limit: HISTORY_CAP });
    const byPath = new Map<string, { commits: number; ins: number; del: number; authors: Map<string, number>; last: string }>();
    for (const c of commits) {
      for (const f of c.files) {
        const s = byPath.get(f.path) ?? { commits: 0, ins: 0, del: 0, authors: new Map<string, number>(), last: c.committed_at };
        s.commits++;
        s.ins += f.insertions;
        s.del += f.deletions;
        s.authors.set(c.author, (s.authors.get(c.author) ?? 0) + 1);
        if (c.committed_at > s.last) s.last = c.committed_at;
        byPath.set(f.path, s);
      }
    }
    const hotspots = [...byPath.entries()]
      .filter(([, s]) => s.commits >= minChanges)
      .map(([path, s]): Hotspot => ({
        path, commit_count: s.commits, total_insertions: s.ins, total_deletions: s.del, authors: [...s.authors.keys()].sort(), last_changed: s.last,
        ...(input.author_commits === true ? {
          author_commits: [...s.authors.entries()]
            .map(([author, commit_count]) => ({ author, commit_count }))
            .sort((a, b) => b.commit_count - a.commit_count || (a.author < b.author ? -1 : 1)),
        } : {}),
      }))
      .sort((a, b) => b.commit_count - a.commit_count || (b.total_insertions + b.total_deletions) - (a.total_insertions + a.total_deletions) ||
        (a.path < b.path ? -1 : 1))
      .slice(0, limit);
    return { hotspots, count: hotspots.length, days };
  }

  async codeAuthors(input: AuthorsInput): Promise<{ authors: AuthorStats[]; count: number; path: string }> {
    const rawPath = validatePath(input.path);
    const repo = await openRepo(input.repo_path ?? repoOfPath(rawPath), this.defaultDir, 'Git author analysis');
    const { path, commits } = await this.fileCommits(repo, rawPath, HISTORY_CAP);
    const byAuthor = new Map<string, Omit<AuthorStats, 'author' | 'percentage'>>();
    // newest first: the first email seen is the author's current one
    for (const c of commits) {
      const change = changeTo(c, path);
      const s = byAuthor.get(c.author) ?? {
        email: c.author_email, commit_count: 0, lines_added: 0, lines_removed: 0, first_commit: c.committed_at, last_commit: c.committed_at,
      };
      s.commit_count++;
      s.lines_added += change?.insertions ?? 0;
      s.lines_removed += change?.deletions ?? 0;
      if (c.committed_at < s.first_commit) s.first_commit = c.committed_at;
      if (c.committed_at > s.last_commit) s.last_commit = c.committed_at;
      byAuthor.set(c.author, s);
    }
    const total = commits.length;
    const authors = [...byAuthor.entries()]
      .map(([author, s]) => ({ author, ...s, percentage: total ? Math.round((s.commit_count / total) * 1000) / 10 : 0 }))
      .sort((a, b) => b.commit_count - a.commit_count || (b.lines_added + b.lines_removed) - (a.lines_added + a.lines_removed) ||
        (a.author < b.author ? -1 : 1));
    return { authors, count: authors.length, path };
  }
}
