/**
 * @module The session journal: what each session did, what got in the way, what comes next; read back
 * by /reflection. The MCP journal tools and `calm session journal` both call this service.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { validationError } from '../../errors.js';
import type { Db } from '../../store/db.js';
import { nowIso } from '../../store/time.js';
import { validateLimit } from '../validation.js';
import { RefusedError } from './errors.js';

export const SUMMARY_MAX_LENGTH = 10_000;
export const MAX_LIST_ITEMS = 50;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface JournalEntrySummary {
  readonly id: string;
  readonly created_at: string;
  readonly working_directory: string;
  readonly project_name: string | null;
  readonly summary: string;
  readonly reflected_at: string | null;
}

export interface JournalEntry extends JournalEntrySummary {
  readonly session_log_path: string | null;
  readonly friction_points: string[];
  readonly next_steps: string[];
  readonly memories_created: number;
  readonly session_log?: string;
}

interface Row {
  id: string;
  created_at: string;
  working_directory: string;
  project_name: string | null;
  session_log_path: string | null;
  summary: string;
  friction_points: string | null;
  next_steps: string | null;
  reflected_at: string | null;
  memories_created: number | null;
}

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

const jsonList = (raw: string | null): string[] => {
  try {
    const v = raw ? (JSON.parse(raw) as unknown) : [];
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return [];
  }
};

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
    private readonly db: Db,
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
      this.db
        .prepare(`INSERT INTO session_journal (id, created_at, working_directory, project_name, session_log_path, summary, friction_points, next_steps, reflected_at, memories_created)
                  VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, 0)`)
        .run(id, createdAt, wd, basename(wd.replace(/\/+$/, '')) || null, logPath, summary, JSON.stringify(friction), JSON.stringify(next));
    } catch (e) {
      if (logPath) unlinkSync(logPath); // no orphan log without its entry
      throw e;
    }
    return { id, session_log_path: logPath };
  }

  list(input: ListJournalInput = {}): { entries: JournalEntrySummary[]; count: number } {
    const limit = validateLimit(input.limit ?? 50, 1, 200);
    const where: string[] = [];
    const params: unknown[] = [];
    if (input.unreflected_only) where.push('reflected_at IS NULL');
    if (input.project_name !== undefined) where.push('project_name = ?'), params.push(input.project_name);
    if (input.working_directory !== undefined) where.push('working_directory = ?'), params.push(input.working_directory);
    const rows = this.db
      .prepare(`SELECT id, created_at, working_directory, project_name, summary, reflected_at FROM session_journal
                ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, rowid DESC LIMIT ?`)
      .all(...params, limit) as JournalEntrySummary[];
    return { entries: rows, count: rows.length };
  }

  get(input: { entry_id: unknown; include_log?: boolean }): JournalEntry {
    const id = validateEntryId(input.entry_id);
    const row = this.db.prepare('SELECT * FROM session_journal WHERE id = ?').get(id) as Row | undefined;
    // CALM's type for an unknown entry is validation_error; the CLI exits 1 for it, like every unknown id
    if (!row) throw new RefusedError('validation_error', `Entry ${id} not found`);
    const entry: JournalEntry = {
      id: row.id,
      created_at: row.created_at,
      working_directory: row.working_directory,
      project_name: row.project_name,
      session_log_path: row.session_log_path,
      summary: row.summary,
      friction_points: jsonList(row.friction_points),
      next_steps: jsonList(row.next_steps),
      reflected_at: row.reflected_at,
      memories_created: row.memories_created ?? 0,
    };
    if (input.include_log && row.session_log_path && existsSync(row.session_log_path)) {
      const log = readFileSync(row.session_log_path, 'utf8');
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
    const mark = this.db.transaction(() => {
      let marked = 0;
      for (const id of new Set(ids)) {
        const row = this.db.prepare('SELECT session_log_path FROM session_journal WHERE id = ?').get(id) as { session_log_path: string | null } | undefined;
        if (!row) continue;
        if (typeof memories === 'number') this.db.prepare('UPDATE session_journal SET reflected_at = ?, memories_created = ? WHERE id = ?').run(now, memories, id);
        else this.db.prepare('UPDATE session_journal SET reflected_at = ? WHERE id = ?').run(now, id);
        if (row.session_log_path) logs.push(row.session_log_path);
        marked += 1;
      }
      return marked;
    });
    const marked = mark.immediate();
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
