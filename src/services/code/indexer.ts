/**
 * @module Incremental code indexing: walk a directory, parse what changed, embed its units, and keep
 * `code_units` and `indexed_files` in step.
 *
 * Per file: an unchanged mtime skips it; otherwise an unchanged sha256 skips it (and records the new
 * mtime, so the next run does not hash it again; CALM re-hashed such files forever). A changed file's
 * units replace its old ones, including when it now has none (CALM kept stale units then). Files that
 * are gone, or now ignored, lose their units. Binary and non-UTF-8 files are reported, never fatal.
 *
 * Write order keeps a crash harmless: stale units are deleted first, then the new units and the files'
 * rows are written in one transaction (a batch of files at a time: one commit per file cost more than
 * parsing); a file whose row was not updated is simply re-indexed next time.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, extname, resolve, sep } from 'node:path';
import type { Embedder } from '../../embedding/embedder.js';
import { CalmError, validationError } from '../../errors.js';
import type { CodeIndexRepository, IndexedFileRow } from '../../store/code-index-repository.js';
import { COLLECTIONS } from '../../store/records/collections.js';
import type { RecordInput, RecordStore } from '../../store/records/record-store.js';
import { nowIso } from '../../store/time.js';
import type { CollectionGuard } from '../collection-guard.js';
import { type ExtractedUnit, extractUnits } from './extract-units.js';
import { type LanguageSpec, languageOf } from './languages.js';
import { withTree } from './parser.js';
import { validateProjectId } from './validation.js';
import { indexScope } from './index-scope.js';
import { findSourceFiles } from './walk.js';

const COLLECTION = COLLECTIONS.codeUnits;
const EMBED_BATCH = 100;
/** Code kept per unit (payload and keyword text); a unit larger than this is cut, and says so. */
export const UNIT_CODE_MAX = 20_000;
const BINARY_SNIFF_BYTES = 8192;
/** Files' units written per transaction. */
const WRITE_BATCH_RECORDS = 1000;

interface PendingFile {
  readonly records: RecordInput[];
  readonly row: IndexedFileRow;
}

export type IndexErrorType = 'binary_file' | 'encoding_error' | 'parse_error' | 'io_error' | 'embedding_error';

export interface IndexError {
  file_path: string;
  error_type: IndexErrorType;
  message: string;
}

export interface IndexProgress {
  readonly done: number;
  readonly total: number;
  readonly file?: string;
}

export interface IndexCodebaseInput {
  directory: string;
  project: string;
  recursive?: boolean | undefined;
}

export interface IndexCodebaseResult {
  status: 'success';
  project: string;
  directory: string;
  files_indexed: number;
  units_indexed: number;
  files_skipped: number;
  files_removed: number;
  units_removed: number;
  /** How many files could not be indexed (CALM's key: a count); `error_details` says which and why. */
  errors: number;
  error_details: IndexError[];
  duration_ms: number;
}

/** CALM's unit id: the first 32 hex digits of sha256("project:file_path:qualified_name"). */
export function unitId(project: string, filePath: string, key: string): string {
  return createHash('sha256').update(`${project}:${filePath}:${key}`).digest('hex').slice(0, 32);
}

/** The text a unit is embedded from and found by keyword: signature, docstring and code. */
export function unitText(u: Pick<ExtractedUnit, 'signature' | 'docstring' | 'code'>): string {
  return [u.signature, u.docstring, u.code.slice(0, UNIT_CODE_MAX)].filter((p) => p).join('\n\n');
}

function expandDirectory(dir: string): string {
  const expanded = dir === '~' || dir.startsWith('~/') ? homedir() + dir.slice(1) : dir;
  return resolve(expanded);
}

class FileProblem extends Error {
  constructor(readonly type: IndexErrorType, message: string) {
    super(message);
  }
}

export class CodeIndexer {
  constructor(
    private readonly records: RecordStore,
    private readonly embedder: () => Promise<Embedder>,
    private readonly guard: CollectionGuard,
    private readonly repo: CodeIndexRepository,
    /** $CALM_HOME: never indexed (index-scope.ts). */
    private readonly calmHome: string,
  ) {}

  async index(input: IndexCodebaseInput, onProgress?: (p: IndexProgress) => void): Promise<IndexCodebaseResult> {
    if (typeof input.directory !== 'string' || input.directory.trim() === '') throw validationError('Directory cannot be empty');
    const directory = expandDirectory(input.directory);
    const project = validateProjectId(input.project);
    const recursive = input.recursive ?? true;
    const info = await stat(directory).catch(() => undefined);
    if (!info) throw validationError(`Directory not found: ${directory}`);
    if (!info.isDirectory()) throw validationError(`Not a directory: ${directory}`);
    const scope = indexScope(directory, this.calmHome);
    if ('refused' in scope) {
      throw validationError(`Refusing to index ${directory}: it lies inside ${scope.refused}, which calm never indexes (its own home, key stores, system folders)`);
    }

    const started = performance.now();
    await this.guard.ensure(COLLECTION);
    const embedder = await this.embedder();
    const files = await findSourceFiles(directory, { recursive, skip: scope.skip });
    const result: IndexCodebaseResult = {
      status: 'success', project, directory, files_indexed: 0, units_indexed: 0, files_skipped: 0,
      files_removed: 0, units_removed: 0, errors: 0, error_details: [], duration_ms: 0,
    };
    onProgress?.({ done: 0, total: files.length });
    let pending: PendingFile[] = [];
    let pendingRecords = 0;
    const flush = async (): Promise<void> => {
      if (pending.length === 0) return;
      const batch = pending;
      pending = [];
      pendingRecords = 0;
      await this.records.upsertWith([{ collection: COLLECTION, records: batch.flatMap((p) => p.records) }], () => {
        for (const p of batch) this.repo.upsertFile(p.row);
      });
    };
    for (const [i, file] of files.entries()) {
      try {
        const outcome = await this.indexFile(file, project, embedder);
        if (outcome === 'skipped') result.files_skipped++;
        else {
          result.files_indexed++;
          result.units_indexed += outcome.records.length;
          pending.push(outcome);
          pendingRecords += outcome.records.length;
          if (pendingRecords >= WRITE_BATCH_RECORDS) await flush();
        }
      } catch (e) {
        if (!(e instanceof FileProblem)) throw e;
        result.error_details.push({ file_path: file, error_type: e.type, message: e.message });
        // what is left of an unreadable file must not keep answering searches
        result.units_removed += await this.removeFile(project, file, this.repo.getFile(project, file));
      }
      onProgress?.({ done: i + 1, total: files.length, file });
    }
    await flush();

    const seen = new Set(files);
    const prefix = directory.endsWith(sep) ? directory : directory + sep;
    for (const row of this.repo.filesUnder(project, prefix)) {
      if (seen.has(row.file_path) || (!recursive && dirname(row.file_path) !== directory)) continue;
      result.units_removed += await this.removeFile(project, row.file_path, row);
      result.files_removed++;
    }
    result.errors = result.error_details.length;
    result.duration_ms = Math.round(performance.now() - started);
    return result;
  }

  /** Removes a file's units and its row; returns how many units went. */
  private async removeFile(project: string, filePath: string, row: IndexedFileRow | undefined): Promise<number> {
    if (!row) return 0;
    const removed = await this.records.delete(COLLECTION, { ids: await this.unitIdsOf(row) });
    this.repo.removeFile(project, filePath);
    return removed;
  }

  /** Rows written before migration 5 have no id list: find their units by payload instead. */
  private async unitIdsOf(row: IndexedFileRow): Promise<string[]> {
    if (row.unit_ids.length > 0 || row.unit_count === 0) return row.unit_ids;
    const found = await this.records.scroll(COLLECTION, { limit: 1_000_000, filter: { project: row.project, file_path: row.file_path } });
    return found.map((r) => r.id);
  }

  private async indexFile(file: string, project: string, embedder: Embedder): Promise<PendingFile | 'skipped'> {
    const spec = languageOf(file);
    if (!spec) return 'skipped';
    let buf: Buffer;
    let mtime: string;
    try {
      // sync: a small file's stat and read take microseconds, less than a trip through the thread pool
      const st = statSync(file);
      mtime = new Date(st.mtimeMs).toISOString();
      const row = this.repo.getFile(project, file);
      if (row && row.last_modified === mtime) return 'skipped';
      buf = readFileSync(file);
      const hash = createHash('sha256').update(buf).digest('hex');
      if (row && row.file_hash === hash) {
        this.repo.touchFile(project, file, mtime);
        return 'skipped';
      }
      return await this.replaceUnits(file, project, spec, buf, hash, mtime, embedder, row);
    } catch (e) {
      if (e instanceof FileProblem || e instanceof CalmError) throw e;
      throw new FileProblem('io_error', (e as Error).message);
    }
  }

  private async replaceUnits(
    file: string, project: string, spec: LanguageSpec, buf: Buffer, hash: string, mtime: string, embedder: Embedder,
    previous: IndexedFileRow | undefined,
  ): Promise<PendingFile> {
    const { language, grammar } = spec;
    if (buf.subarray(0, BINARY_SNIFF_BYTES).includes(0)) throw new FileProblem('binary_file', 'Binary file (NUL byte in the first 8 KB)');
    let source: string;
    try {
      source = new TextDecoder('utf-8', { fatal: true }).decode(buf);
    } catch {
      throw new FileProblem('encoding_error', 'File is not valid UTF-8');
    }
    let units: ExtractedUnit[];
    try {
      const stem = basename(file, extname(file));
      units = await withTree(grammar, source, (tree) => extractUnits(tree, source, language, stem));
    } catch (e) {
      if (e instanceof CalmError) throw e;
      throw new FileProblem('parse_error', (e as Error).message);
    }

    const indexedAt = nowIso();
    const seenKeys = new Set<string>();
    const texts = units.map(unitText);
    const vectors: Float32Array[] = [];
    try {
      for (let i = 0; i < texts.length; i += EMBED_BATCH) vectors.push(...(await embedder.embed(texts.slice(i, i + EMBED_BATCH))));
    } catch (e) {
      throw new FileProblem('embedding_error', (e as Error).message);
    }
    const records: RecordInput[] = units.map((u, i) => {
      // overloads and redefinitions share a qualified name: later ones get their line in the id
      let key = u.qualified_name;
      if (seenKeys.has(key)) key = `${key}@${u.start_line}`;
      seenKeys.add(key);
      const cut = u.code.length > UNIT_CODE_MAX;
      return {
        id: unitId(project, file, key),
        text: texts[i]!,
        vector: vectors[i]!,
        payload: {
          project, file_path: file, name: u.name, qualified_name: u.qualified_name, unit_type: u.unit_type, signature: u.signature,
          language, start_line: u.start_line, end_line: u.end_line, line_count: u.end_line - u.start_line + 1,
          complexity: u.complexity, has_docstring: u.docstring !== null, docstring: u.docstring,
          code: cut ? u.code.slice(0, UNIT_CODE_MAX) : u.code, ...(cut ? { code_truncated: true } : {}), indexed_at: indexedAt,
        },
      };
    });

    if (previous) {
      const keep = new Set(records.map((r) => r.id));
      const stale = (await this.unitIdsOf(previous)).filter((id) => !keep.has(id));
      if (stale.length) await this.records.delete(COLLECTION, { ids: stale });
    }
    const row: IndexedFileRow = {
      file_path: file, project, language, file_hash: hash, unit_count: records.length, indexed_at: indexedAt, last_modified: mtime,
      unit_ids: records.map((r) => r.id),
    };
    return { records, row };
  }

  stats(project?: string): ReturnType<CodeIndexRepository['stats']> {
    return this.repo.stats(project === undefined ? undefined : validateProjectId(project));
  }
}
