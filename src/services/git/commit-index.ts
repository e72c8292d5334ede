/**
 * @module index_commits and search_commits over the `commits` collection.
 *
 * Indexing is incremental per repository (`git_index_state`): when the last indexed commit is an
 * ancestor of HEAD, exactly `last..HEAD` is read (CALM scanned the newest 10,000 and gave up beyond);
 * after a rewrite of history, or with `force`, the repository is indexed in full (newest first, up to
 * `limit`, from `since` on). Commits are written in batches; HEAD is recorded with the last batch, so
 * an interrupted run starts over next time instead of leaving a gap.
 */
import type { Embedder } from '../../embedding/embedder.js';
import { validationError } from '../../errors.js';
import type { CodeIndexRepository } from '../../store/code-index-repository.js';
import { COLLECTIONS } from '../../store/records/collections.js';
import type { RecordInput, RecordStore, ScoredRecord } from '../../store/records/record-store.js';
import { nowIso } from '../../store/time.js';
import type { CollectionGuard } from '../collection-guard.js';
import type { SearchEngine } from '../search.js';
import { validateLimit, validateQuery, validateSearchMode } from '../validation.js';
import { type CommitInfo, deletionsOf, filesChanged, insertionsOf, readCommits } from './log.js';
import { type GitRepo, headSha, isAncestor, openRepo, type DefaultDir } from './repository.js';
import { parseSince } from './since.js';

const COLLECTION = COLLECTIONS.commits;
const EMBED_BATCH = 75;
export const INDEX_LIMIT_MAX = 100_000;
const AUTHOR_MAX = 200;

export interface IndexCommitsInput {
  since?: string | undefined;
  limit?: number | undefined;
  force?: boolean | undefined;
  repo_path?: string | undefined;
}

export interface IndexCommitsResult {
  status: 'success';
  repo_path: string;
  /** `full`, `incremental`, or `up_to_date` (HEAD was already indexed). */
  mode: 'full' | 'incremental' | 'up_to_date';
  commits_indexed: number;
  commits_skipped: number;
  duration_ms: number;
  errors: { sha: string; error_type: string; message: string }[];
}

export interface SearchCommitsInput {
  query: string;
  author?: string | undefined;
  since?: string | undefined;
  limit?: number | undefined;
  search_mode?: string | undefined;
  repo_path?: string | undefined;
}

export interface CommitHit {
  sha: string;
  message: string;
  author: string;
  author_email: string;
  timestamp: string;
  files_changed: string[];
  file_count: number;
  insertions: number;
  deletions: number;
  repo_path: string;
  score: number;
}

export interface CommitProgress {
  readonly done: number;
  readonly total: number;
}

/** CALM's embedded text: message, files (cut at 500 characters) and author. */
export function commitText(c: CommitInfo): string {
  let files = filesChanged(c).join(', ');
  if (files.length > 500) files = `${files.slice(0, 500)}...`;
  return `${c.message}\n\nFiles: ${files}\n\nAuthor: ${c.author}`;
}

function validateIndexLimit(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw validationError(`Limit must be a whole number, got ${String(value)}`);
  if (value < 1) throw validationError(`Limit must be positive, got ${value}`);
  if (value > INDEX_LIMIT_MAX) throw validationError(`Limit ${value} exceeds maximum of ${INDEX_LIMIT_MAX}`);
  return value;
}

function toHit(r: ScoredRecord): CommitHit {
  const p = r.payload;
  return {
    sha: String(p.sha ?? r.id),
    message: String(p.message ?? ''),
    author: String(p.author ?? ''),
    author_email: String(p.author_email ?? ''),
    timestamp: String(p.timestamp_iso ?? ''),
    files_changed: Array.isArray(p.files_changed) ? (p.files_changed as string[]) : [],
    file_count: Number(p.file_count ?? 0),
    insertions: Number(p.insertions ?? 0),
    deletions: Number(p.deletions ?? 0),
    repo_path: String(p.repo_path ?? ''),
    score: r.score,
  };
}

export class CommitIndex {
  constructor(
    private readonly records: RecordStore,
    private readonly embedder: () => Promise<Embedder>,
    private readonly guard: CollectionGuard,
    private readonly search: SearchEngine,
    private readonly repo: CodeIndexRepository,
    private readonly defaultDir: DefaultDir,
  ) {}

  async index(input: IndexCommitsInput, onProgress?: (p: CommitProgress) => void): Promise<IndexCommitsResult> {
    const since = input.since === undefined ? undefined : parseSince(input.since);
    const limit = validateIndexLimit(input.limit);
    const force = input.force ?? false;
    const repo = await openRepo(input.repo_path, this.defaultDir, 'Git commit indexing');
    const started = performance.now();
    const head = await headSha(repo);
    const state = this.repo.gitState(repo.key);
    const last = state?.last_indexed_sha ?? null;

    let mode: IndexCommitsResult['mode'];
    let commits: CommitInfo[];
    if (head === null) {
      mode = 'up_to_date';
      commits = [];
    } else if (!force && last === head) {
      mode = 'up_to_date';
      commits = [];
    } else if (!force && last && (await isAncestor(repo, last, head))) {
      mode = 'incremental';
      commits = await readCommits(repo, { range: `${last}..${head}` });
    } else {
      mode = 'full';
      commits = await readCommits(repo, { range: head, since, limit: limit ?? INDEX_LIMIT_MAX });
    }

    await this.guard.ensure(COLLECTION);
    // a forced or post-rewrite full index starts clean, so commits no longer in history stop answering
    if (mode === 'full' && (force || last)) await this.records.delete(COLLECTION, { filter: { repo_path: repo.key } });
    const errors = mode === 'up_to_date' ? [] : await this.write(repo, commits, head, mode === 'full', onProgress);
    if (mode === 'up_to_date' && head !== null) this.repo.saveGitState(repo.key, head, nowIso(), 0, false);
    return {
      status: 'success', repo_path: repo.key, mode, commits_indexed: commits.length - errors.length, commits_skipped: 0,
      duration_ms: Math.round(performance.now() - started), errors,
    };
  }

  private async write(
    repo: GitRepo, commits: readonly CommitInfo[], head: string | null, reset: boolean, onProgress?: (p: CommitProgress) => void,
  ): Promise<IndexCommitsResult['errors']> {
    const embedder = await this.embedder();
    const errors: IndexCommitsResult['errors'] = [];
    let written = 0;
    onProgress?.({ done: 0, total: commits.length });
    const batches = Math.max(1, Math.ceil(commits.length / EMBED_BATCH));
    for (let b = 0; b < batches; b++) {
      const batch = commits.slice(b * EMBED_BATCH, (b + 1) * EMBED_BATCH);
      const texts = batch.map(commitText);
      let vectors: (Float32Array | undefined)[];
      try {
        vectors = await embedder.embed(texts);
      } catch {
        // one bad text must not sink its batch: embed one at a time and report the failures
        vectors = [];
        for (const [i, text] of texts.entries()) {
          try {
            vectors.push((await embedder.embed([text]))[0]);
          } catch (e) {
            vectors.push(undefined);
            errors.push({ sha: batch[i]!.sha, error_type: (e as Error).name || 'Error', message: (e as Error).message });
          }
        }
      }
      const now = new Date();
      const records: RecordInput[] = [];
      batch.forEach((c, i) => {
        const vector = vectors[i];
        if (!vector) return;
        const files = filesChanged(c);
        records.push({
          id: c.sha,
          text: texts[i]!,
          vector,
          payload: {
            id: c.sha, sha: c.sha, message: c.message, author: c.author, author_email: c.author_email,
            timestamp: c.timestamp, timestamp_iso: c.committed_at, committed_at: c.committed_at, authored_at: c.authored_at,
            files_changed: files, file_count: files.length, insertions: insertionsOf(c), deletions: deletionsOf(c),
            indexed_at: now.getTime() / 1000, indexed_at_iso: now.toISOString(), repo_path: repo.key,
          },
        });
      });
      const lastBatch = b === batches - 1;
      written += records.length;
      await this.records.upsertWith([{ collection: COLLECTION, records }], () => {
        if (lastBatch) this.repo.saveGitState(repo.key, head, now.toISOString(), written, reset);
      });
      onProgress?.({ done: Math.min(commits.length, (b + 1) * EMBED_BATCH), total: commits.length });
    }
    return errors;
  }

  /** CALM's order of checks: limit, mode, query length, author, since; a blank query finds nothing. */
  async searchCommits(input: SearchCommitsInput): Promise<{ results: CommitHit[]; count: number }> {
    const limit = validateLimit(input.limit ?? 10, 1, 50);
    const mode = validateSearchMode(input.search_mode ?? 'semantic');
    const query = validateQuery(input.query);
    if (input.author !== undefined && typeof input.author !== 'string') throw validationError('Author must be a string');
    if (input.author !== undefined && input.author.length > AUTHOR_MAX) {
      throw validationError(`Author name too long (${input.author.length} chars). Maximum: ${AUTHOR_MAX} characters`);
    }
    const since = input.since === undefined ? undefined : parseSince(input.since);
    const filter: Record<string, string | { $gte: number }> = {};
    if (input.author !== undefined) filter.author = input.author;
    if (since) filter.timestamp = { $gte: since.getTime() / 1000 };
    if (input.repo_path !== undefined) filter.repo_path = (await openRepo(input.repo_path, this.defaultDir, 'Git commit search')).key;
    const hits = await this.search.search(COLLECTION, { query, mode, limit, filter });
    const results = hits.map(toHit);
    return { results, count: results.length };
  }
}
