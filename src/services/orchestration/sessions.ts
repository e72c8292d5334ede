/** @module Session handoffs: what one session leaves for the next (`calm session save`, `pending`, `resume`). */
import { randomUUID } from 'node:crypto';
import type { Db } from '../../store/db.js';
import { nowIso } from '../../store/time.js';
import { missing, refused } from './errors.js';

export interface Session {
  readonly id: string;
  readonly created_at: string;
  readonly needs_continuation: boolean;
  readonly resumed_at: string | null;
  readonly content: string;
}

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

export class SessionService {
  constructor(private readonly db: Db) {}

  save(content: string, needsContinuation = false): Session {
    if (!content.trim()) throw refused('No content provided');
    let id = randomUUID().slice(0, 8);
    while (this.db.prepare('SELECT 1 FROM sessions WHERE id = ?').get(id)) id = randomUUID().slice(0, 8);
    this.db
      .prepare('INSERT INTO sessions (id, created_at, handoff_content, needs_continuation) VALUES (?, ?, ?, ?)')
      .run(id, nowIso(), content, needsContinuation ? 1 : 0);
    return this.get(id);
  }

  get(id: string): Session {
    const row = this.db.prepare('SELECT * FROM sessions WHERE id = ?').get(id) as SessionRow | undefined;
    if (!row) throw missing(`Session ${id} not found`);
    return toSession(row);
  }

  list(limit = 10): Session[] {
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw refused(`Limit ${limit} out of range. Must be between 1 and 1000.`);
    return (this.db.prepare('SELECT * FROM sessions ORDER BY created_at DESC, rowid DESC LIMIT ?').all(limit) as SessionRow[]).map(toSession);
  }

  /** The newest handoff marked for continuation and not yet resumed. Reading it does not resume it. */
  pending(): Session | null {
    const row = this.db
      .prepare('SELECT * FROM sessions WHERE needs_continuation = 1 AND resumed_at IS NULL ORDER BY created_at DESC, rowid DESC LIMIT 1')
      .get() as SessionRow | undefined;
    return row ? toSession(row) : null;
  }

  resume(id: string): Session {
    this.get(id);
    this.db.prepare('UPDATE sessions SET resumed_at = ? WHERE id = ?').run(nowIso(), id);
    return this.get(id);
  }
}
