/**
 * @module What the code and commit indexers remember between runs: `indexed_files` (one row per file
 * and project: hash, mtime, unit count) and `git_index_state` (one row per repository: the last
 * commit indexed). Both tables come from migration 1 (CALM's layout).
 */
import type { Db } from './db.js';

export interface IndexedFileRow {
  file_path: string;
  project: string;
  language: string;
  file_hash: string;
  unit_count: number;
  indexed_at: string;
  last_modified: string;
  /** The ids of the file's records in `code_units` (migration 5), so replacing them needs no payload scan. */
  unit_ids: string[];
}

const FILE_COLUMNS = 'file_path, project, language, file_hash, unit_count, indexed_at, last_modified, unit_ids';

function toFileRow(raw: unknown): IndexedFileRow | undefined {
  if (!raw) return undefined;
  const r = raw as Omit<IndexedFileRow, 'unit_ids'> & { unit_ids: string };
  let ids: unknown;
  try {
    ids = JSON.parse(r.unit_ids);
  } catch {
    ids = [];
  }
  return { ...r, unit_ids: Array.isArray(ids) ? ids.filter((x): x is string => typeof x === 'string') : [] };
}

export interface GitIndexStateRow {
  repo_path: string;
  last_indexed_sha: string | null;
  last_indexed_at: string | null;
  commit_count: number;
}

export class CodeIndexRepository {
  constructor(private readonly db: Db) {}

  getFile(project: string, filePath: string): IndexedFileRow | undefined {
    return toFileRow(this.db.prepare(`SELECT ${FILE_COLUMNS} FROM indexed_files WHERE project = ? AND file_path = ?`).get(project, filePath));
  }

  /** Rows of `project` whose path starts with `prefix` (a directory path ending in a separator). */
  filesUnder(project: string, prefix: string): IndexedFileRow[] {
    return this.db
      .prepare(`SELECT ${FILE_COLUMNS} FROM indexed_files WHERE project = ? AND substr(file_path, 1, ?) = ? ORDER BY file_path`)
      .all(project, prefix.length, prefix)
      .map((r) => toFileRow(r)!);
  }

  upsertFile(row: IndexedFileRow): void {
    this.db
      .prepare(`INSERT INTO indexed_files (${FILE_COLUMNS})
                VALUES (@file_path, @project, @language, @file_hash, @unit_count, @indexed_at, @last_modified, @unit_ids)
                ON CONFLICT (file_path, project) DO UPDATE SET language = excluded.language, file_hash = excluded.file_hash,
                  unit_count = excluded.unit_count, indexed_at = excluded.indexed_at, last_modified = excluded.last_modified,
                  unit_ids = excluded.unit_ids`)
      .run({ ...row, unit_ids: JSON.stringify(row.unit_ids) });
  }

  /** An unchanged file whose mtime moved: remember the new mtime so the next run skips it without hashing. */
  touchFile(project: string, filePath: string, lastModified: string): void {
    this.db.prepare('UPDATE indexed_files SET last_modified = ? WHERE project = ? AND file_path = ?').run(lastModified, project, filePath);
  }

  removeFile(project: string, filePath: string): void {
    this.db.prepare('DELETE FROM indexed_files WHERE project = ? AND file_path = ?').run(project, filePath);
  }

  stats(project?: string): { total_files: number; total_units: number; languages: Record<string, number>; projects: string[] } {
    const where = project === undefined ? '' : 'WHERE project = ?';
    const args = project === undefined ? [] : [project];
    const totals = this.db.prepare(`SELECT COUNT(*) AS files, COALESCE(SUM(unit_count), 0) AS units FROM indexed_files ${where}`).get(...args) as { files: number; units: number };
    const langs = this.db.prepare(`SELECT language, COUNT(*) AS n FROM indexed_files ${where} GROUP BY language ORDER BY language`).all(...args) as { language: string; n: number }[];
    const projects = this.db.prepare(`SELECT DISTINCT project FROM indexed_files ${where} ORDER BY project`).all(...args) as { project: string }[];
    return {
      total_files: totals.files,
      total_units: totals.units,
      languages: Object.fromEntries(langs.map((l) => [l.language, l.n])),
      projects: projects.map((p) => p.project),
    };
  }

  /** Per project and language: files, units and the last time a file was indexed (the dashboard's table). */
  overview(): { project: string; language: string; files: number; units: number; last_indexed_at: string | null }[] {
    return this.db
      .prepare(`SELECT project, language, COUNT(*) AS files, COALESCE(SUM(unit_count), 0) AS units, MAX(indexed_at) AS last_indexed_at
                FROM indexed_files GROUP BY project, language ORDER BY project, language`)
      .all() as { project: string; language: string; files: number; units: number; last_indexed_at: string | null }[];
  }

  /** Every repository whose commits were indexed, most recently indexed first. */
  gitStates(): GitIndexStateRow[] {
    return this.db
      .prepare('SELECT repo_path, last_indexed_sha, last_indexed_at, commit_count FROM git_index_state ORDER BY last_indexed_at DESC, repo_path')
      .all() as GitIndexStateRow[];
  }

  gitState(repoPath: string): GitIndexStateRow | undefined {
    return this.db
      .prepare('SELECT repo_path, last_indexed_sha, last_indexed_at, commit_count FROM git_index_state WHERE repo_path = ?')
      .get(repoPath) as GitIndexStateRow | undefined;
  }

  /** Records HEAD as indexed; `added` commits join the count (a full re-index passes `reset`). */
  saveGitState(repoPath: string, sha: string | null, at: string, added: number, reset: boolean): void {
    this.db
      .prepare(`INSERT INTO git_index_state (repo_path, last_indexed_sha, last_indexed_at, commit_count) VALUES (?, ?, ?, ?)
                ON CONFLICT (repo_path) DO UPDATE SET last_indexed_sha = excluded.last_indexed_sha,
                  last_indexed_at = excluded.last_indexed_at,
                  commit_count = CASE WHEN ? THEN excluded.commit_count ELSE COALESCE(commit_count, 0) + excluded.commit_count END`)
      .run(repoPath, sha, at, added, reset ? 1 : 0);
  }
}
