/**
 * @module `sessions` (handoffs one session leaves for the next) and `session_journal` (what each session
 * did, read back by /reflection). Rows written by CALM decode here, so the services see one shape.
 */
import type { Db } from './db.js';
import type { JournalEntry, JournalEntrySummary, Session } from './orchestration-model.js';

interface SessionRow {
  id: string;
  created_at: string;
  handoff_content: string | null;
  needs_continuation: number;
  resumed_at: string | null;
}

/** calm stores plain text; CALM stored base64. A stored value that round-trips as base64 UTF-8 is CALM's. */
function decodeContent(raw: string | null, storedByCalm: boolean): string {
  if (raw === null) return '';
  if (storedByCalm) return raw;
  const buf = Buffer.from(raw, 'base64');
  return buf.toString('base64') === raw.replace(/\s/g, '') ? buf.toString('utf8') : raw;
}

const toSession = (r: SessionRow): Session => ({
  id: r.id,
  created_at: r.created_at,
  needs_continuation: r.needs_continuation === 1,
  resumed_at: r.resumed_at,
  // calm writes UTC timestamps ending in Z; CALM's naive local ones have no zone
  content: decodeContent(r.handoff_content, r.created_at.endsWith('Z')),
});

export class SessionRepository {
  constructor(private readonly db: Db) {}

  exists(id: string): boolean {
    return this.db.prepare('SELECT 1 FROM sessions WHERE id = ?').get(id) !== undefined;
  }

  insert(id: string, createdAt: string, content: string, needsContinuation: boolean): void {
    this.db
      .prepare('INSERT INTO sessions (id, created_at, handoff_content, needs_continuation) VALUES (?, ?, ?, ?)')
      .run(id, createdAt, content, needsContinuation ? 1 : 0);
  }

  get(id: string): Session | undefined {
    const row = this.db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as SessionRow | undefined;
    return row ? toSession(row) : undefined;
  }

  /** Newest first. */
  list(limit: number): Session[] {
    return (this.db.prepare('SELECT * FROM sessions ORDER BY created_at DESC, rowid DESC LIMIT ?').all(limit) as SessionRow[]).map(toSession);
  }

  /** The newest handoff marked for continuation and not yet resumed. */
  pending(): Session | undefined {
    const row = this.db
      .prepare('SELECT * FROM sessions WHERE needs_continuation = 1 AND resumed_at IS NULL ORDER BY created_at DESC, rowid DESC LIMIT 1')
      .get() as SessionRow | undefined;
    return row ? toSession(row) : undefined;
  }

  markResumed(id: string, at: string): void {
    this.db.prepare('UPDATE sessions SET resumed_at = ? WHERE id = ?').run(at, id);
  }
}

interface JournalRow {
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

const jsonList = (raw: string | null): string[] => {
  try {
    const v = raw ? (JSON.parse(raw) as unknown) : [];
    return Array.isArray(v) ? v.map(String) : [];
  } catch {
    return [];
  }
};

const toEntry = (row: JournalRow): JournalEntry => ({
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
});

export interface NewJournalRow {
  readonly id: string;
  readonly created_at: string;
  readonly working_directory: string;
  readonly project_name: string | null;
  readonly session_log_path: string | null;
  readonly summary: string;
  readonly friction_points: string[];
  readonly next_steps: string[];
}

export interface JournalFilter {
  readonly unreflectedOnly?: boolean | undefined;
  readonly projectName?: string | undefined;
  readonly workingDirectory?: string | undefined;
  readonly limit: number;
}

export class JournalRepository {
  constructor(private readonly db: Db) {}

  /** Runs `fn` in one write transaction taken up front (BEGIN IMMEDIATE). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /** A new entry is unreflected, with no memories created yet. */
  insert(row: NewJournalRow): void {
    this.db
      .prepare(`INSERT INTO session_journal (id, created_at, working_directory, project_name, session_log_path, summary, friction_points, next_steps, reflected_at, memories_created)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, 0)`)
      .run(row.id, row.created_at, row.working_directory, row.project_name, row.session_log_path, row.summary,
        JSON.stringify(row.friction_points), JSON.stringify(row.next_steps));
  }

  /** Newest first. */
  list(filter: JournalFilter): JournalEntrySummary[] {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.unreflectedOnly) where.push('reflected_at IS NULL');
    if (filter.projectName !== undefined) where.push('project_name = ?'), params.push(filter.projectName);
    if (filter.workingDirectory !== undefined) where.push('working_directory = ?'), params.push(filter.workingDirectory);
    return this.db
      .prepare(`SELECT id, created_at, working_directory, project_name, summary, reflected_at FROM session_journal
                ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, rowid DESC LIMIT ?`)
      .all(...params, filter.limit) as JournalEntrySummary[];
  }

  get(id: string): JournalEntry | undefined {
    const row = this.db.prepare('SELECT * FROM session_journal WHERE id = ?').get(id) as JournalRow | undefined;
    return row ? toEntry(row) : undefined;
  }

  /** Marks one entry reflected (and sets its memory count when given); false when there is no such entry. */
  markReflected(id: string, at: string, memoriesCreated?: number): { found: false } | { found: true; session_log_path: string | null } {
    const row = this.db.prepare('SELECT session_log_path FROM session_journal WHERE id = ?').get(id) as { session_log_path: string | null } | undefined;
    if (!row) return { found: false };
    if (memoriesCreated !== undefined) this.db.prepare('UPDATE session_journal SET reflected_at = ?, memories_created = ? WHERE id = ?').run(at, memoriesCreated, id);
    else this.db.prepare('UPDATE session_journal SET reflected_at = ? WHERE id = ?').run(at, id);
    return { found: true, session_log_path: row.session_log_path };
  }
}
