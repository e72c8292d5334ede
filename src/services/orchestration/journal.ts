/**
 * @module The session journal: what each session did, what got in the way, what comes next; read back
 * by /reflection. The MCP journal tools and `calm session journal` both call this service.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { validationError } from '../../errors.js';
import type { JournalEntry, JournalEntrySummary } from '../../store/orchestration-model.js';
import type { JournalRepository } from '../../store/session-repository.js';
import { nowIso } from '../../store/time.js';
import { validateLimit } from '../validation.js';
import { RefusedError } from './errors.js';

export type { JournalEntry, JournalEntrySummary } from '../../store/orchestration-model.js';

export const SUMMARY_MAX_LENGTH = 10_000;
export const MAX_LIST_ITEMS = 50;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface StoreJournalInput {
  readonly summary: unknown;
  readonly working_directory: unknown;
  readonly friction_points?: unknown;
  readonly next_steps?: unknown;
  readonly session_log_content?: unknown;
}

export interface ListJournalInput {
  readonly unreflected_only?: boolean;
  readonly project_name?: string;
  readonly working_directory?: string;
  readonly limit?: number;
}

function stringList(value: unknown, label: string, tooMany: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw validationError(`${label} must be a list of strings`);
  if (value.length > MAX_LIST_ITEMS) throw validationError(tooMany);
  return value as string[];
}

function validateEntryId(id: unknown): string {
  if (typeof id !== 'string' || !UUID.test(id.trim())) throw validationError(`Invalid entry ID '${String(id)}': must be a UUID`);
  return id.trim().toLowerCase();
}

/** UTC `YYYYMMDDTHHMMSS`, CALM's log file prefix. */
const fileStamp = (iso: string): string => iso.slice(0, 19).replace(/[-:]/g, '');

export class JournalService {
  constructor(
    private readonly journal: JournalRepository,
    private readonly sessionsDir: string,
  ) {}

  store(input: StoreJournalInput): { id: string; session_log_path: string | null } {
    const summary = typeof input.summary === 'string' ? input.summary : '';
    if (!summary.trim()) throw validationError('Summary is required and cannot be empty');
    if (summary.length > SUMMARY_MAX_LENGTH) throw validationError(`Summary too long (${summary.length} chars). Maximum is ${SUMMARY_MAX_LENGTH}.`);
    const wd = typeof input.working_directory === 'string' ? input.working_directory.trim() : '';
    if (!wd) throw validationError('Working directory is required');
    const friction = stringList(input.friction_points, 'friction_points', `Maximum ${MAX_LIST_ITEMS} friction points allowed`);
    const next = stringList(input.next_steps, 'next_steps', `Maximum ${MAX_LIST_ITEMS} next steps allowed`);
    if (input.session_log_content !== undefined && input.session_log_content !== null && typeof input.session_log_content !== 'string') {
      throw validationError('session_log_content must be a string');
    }
    const id = randomUUID();
    const createdAt = nowIso();
    let logPath: string | null = null;
    if (typeof input.session_log_content === 'string' && input.session_log_content.length > 0) {
      mkdirSync(this.sessionsDir, { recursive: true, mode: 0o700 });
      logPath = join(this.sessionsDir, `${fileStamp(createdAt)}_${id}.jsonl`);
      writeFileSync(logPath, input.session_log_content, { mode: 0o600 });
    }
    try {
      this.journal.insert({
        id, created_at: createdAt, working_directory: wd, project_name: basename(wd.replace(/\/+$/, '')) || null, session_log_path: logPath, summary,
        friction_points: friction, next_steps: next,
      });
    } catch (e) {
      if (logPath) unlinkSync(logPath); // no orphan log without its entry
      throw e;
    }
    return { id, session_log_path: logPath };
  }

  list(input: ListJournalInput = {}): { entries: JournalEntrySummary[]; count: number } {
    const limit = validateLimit(input.limit ?? 50, 1, 200);
    const rows = this.journal.list({
      unreflectedOnly: input.unreflected_only, projectName: input.project_name, workingDirectory: input.working_directory, limit,
    });
    return { entries: rows, count: rows.length };
  }

  get(input: { entry_id: unknown; include_log?: boolean }): JournalEntry {
    const id = validateEntryId(input.entry_id);
    const entry = this.journal.get(id);
    // CALM's type for an unknown entry is validation_error; the CLI exits 1 for it, like every unknown id
    if (!entry) throw new RefusedError('validation_error', `Entry ${id} not found`);
    if (input.include_log && entry.session_log_path && existsSync(entry.session_log_path)) {
      const log = readFileSync(entry.session_log_path, 'utf8');
      if (log.length > 0) return { ...entry, session_log: log };
    }
    return entry;
  }

  /** Marks entries reflected (unknown ids are skipped) and, by default, deletes their log files. */
  markReflected(input: { entry_ids: unknown; memories_created?: unknown; delete_logs?: boolean }): { marked_count: number; logs_deleted: number } {
    if (!Array.isArray(input.entry_ids) || input.entry_ids.length === 0) throw validationError('At least one entry ID is required');
    const ids = input.entry_ids.map(validateEntryId);
    const memories = input.memories_created;
    if (memories !== undefined && memories !== null && (typeof memories !== 'number' || !Number.isInteger(memories) || memories < 0)) {
      throw validationError('memories_created must be >= 0');
    }
    const deleteLogs = input.delete_logs ?? true;
    const now = nowIso();
    const logs: string[] = [];
    const marked = this.journal.transaction(() => {
      let marked = 0;
      for (const id of new Set(ids)) {
        const row = this.journal.markReflected(id, now, typeof memories === 'number' ? memories : undefined);
        if (!row.found) continue;
        if (row.session_log_path) logs.push(row.session_log_path);
        marked += 1;
      }
      return marked;
    });
    let deleted = 0;
    if (deleteLogs) {
      // after the commit: a failed write must not cost the logs
      for (const file of logs) {
        try {
          unlinkSync(file);
          deleted += 1;
        } catch {
          // already gone
        }
      }
    }
    return { marked_count: marked, logs_deleted: deleted };
  }
}
