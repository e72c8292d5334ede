/** @module The code service: indexing and search over `code_units`, as one object on the App. */
import type { Embedder } from '../../embedding/embedder.js';
import type { CodeIndexRepository } from '../../store/code-index-repository.js';
import type { RecordStore } from '../../store/records/record-store.js';
import type { CollectionGuard } from '../collection-guard.js';
import type { SearchEngine } from '../search.js';
import { CodeSearch, type FindSimilarCodeInput, type SearchCodeInput } from './code-search.js';
import { CodeIndexer, type IndexCodebaseInput, type IndexProgress } from './indexer.js';

export class CodeService {
  private readonly indexer: CodeIndexer;
  private readonly finder: CodeSearch;

  constructor(records: RecordStore, embedder: () => Promise<Embedder>, guard: CollectionGuard, search: SearchEngine, private readonly repo: CodeIndexRepository, calmHome: string) {
    this.indexer = new CodeIndexer(records, embedder, guard, repo, calmHome);
    this.finder = new CodeSearch(search);
  }

  index(input: IndexCodebaseInput, onProgress?: (p: IndexProgress) => void): ReturnType<CodeIndexer['index']> {
    return this.indexer.index(input, onProgress);
  }

  search(input: SearchCodeInput): ReturnType<CodeSearch['searchCode']> {
    return this.finder.searchCode(input);
  }

  findSimilar(input: FindSimilarCodeInput): ReturnType<CodeSearch['findSimilar']> {
    return this.finder.findSimilar(input);
  }

  stats(project?: string): ReturnType<CodeIndexer['stats']> {
    return this.indexer.stats(project);
  }

  /** What is indexed per project and language, with the last index time. */
  overview(): ReturnType<CodeIndexRepository['overview']> {
    return this.repo.overview();
  }
}
