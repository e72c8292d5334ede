/** @module The git service: commit indexing and search, file history, churn and authors, as one object on the App. */
import type { Embedder } from '../../embedding/embedder.js';
import type { CodeIndexRepository } from '../../store/code-index-repository.js';
import type { RecordStore } from '../../store/records/record-store.js';
import type { CollectionGuard } from '../collection-guard.js';
import type { SearchEngine } from '../search.js';
import { type AuthorsInput, type ChurnInput, type FileHistoryInput, GitAnalysis } from './analysis.js';
import type { DefaultDir } from './repository.js';
import { CommitIndex, type CommitProgress, type IndexCommitsInput, type SearchCommitsInput } from './commit-index.js';

export class GitService {
  private readonly commits: CommitIndex;
  private readonly analysis: GitAnalysis;

  /** `defaultDir`: where to look for a repository when a call names none (the caller's working directory). */
  constructor(
    private readonly records: RecordStore, private readonly embedder: () => Promise<Embedder>, private readonly guard: CollectionGuard,
    private readonly search: SearchEngine, private readonly repo: CodeIndexRepository,
    defaultDir: DefaultDir,
  ) {
    this.commits = new CommitIndex(records, embedder, guard, search, repo, defaultDir);
    this.analysis = new GitAnalysis(defaultDir);
  }

  /** The same service for a caller whose default repository is found another way (an HTTP client's MCP roots). */
  withDefaultDir(defaultDir: DefaultDir): GitService {
    return new GitService(this.records, this.embedder, this.guard, this.search, this.repo, defaultDir);
  }

  indexCommits(input: IndexCommitsInput, onProgress?: (p: CommitProgress) => void): ReturnType<CommitIndex['index']> {
    return this.commits.index(input, onProgress);
  }

  searchCommits(input: SearchCommitsInput): ReturnType<CommitIndex['searchCommits']> {
    return this.commits.searchCommits(input);
  }

  fileHistory(input: FileHistoryInput): ReturnType<GitAnalysis['fileHistory']> {
    return this.analysis.fileHistory(input);
  }

  churnHotspots(input: ChurnInput): ReturnType<GitAnalysis['churnHotspots']> {
    return this.analysis.churnHotspots(input);
  }

  /** The repositories whose commits are indexed (their paths name them for churn and authors). */
  indexedRepos(): ReturnType<CodeIndexRepository['gitStates']> {
    return this.repo.gitStates();
  }

  codeAuthors(input: AuthorsInput): ReturnType<GitAnalysis['codeAuthors']> {
    return this.analysis.codeAuthors(input);
  }
}
