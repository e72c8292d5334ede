/** @module Session handoffs: what one session leaves for the next (`calm session save`, `pending`, `resume`). */
import { randomUUID } from 'node:crypto';
import type { Session } from '../../store/orchestration-model.js';
import type { SessionRepository } from '../../store/session-repository.js';
import { nowIso } from '../../store/time.js';
import { missing, refused } from './errors.js';

export type { Session } from '../../store/orchestration-model.js';

export class SessionService {
  constructor(private readonly sessions: SessionRepository) {}

  save(content: string, needsContinuation = false): Session {
    if (!content.trim()) throw refused('No content provided');
    let id = randomUUID().slice(0, 8);
    while (this.sessions.exists(id)) id = randomUUID().slice(0, 8);
    this.sessions.insert(id, nowIso(), content, needsContinuation);
    return this.get(id);
  }

  get(id: string): Session {
    const session = this.sessions.get(id);
    if (!session) throw missing(`Session ${id} not found`);
    return session;
  }

  list(limit = 10): Session[] {
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw refused(`Limit ${limit} out of range. Must be between 1 and 1000.`);
    return this.sessions.list(limit);
  }

  /** The newest handoff marked for continuation and not yet resumed. Reading it does not resume it. */
  pending(): Session | null {
    return this.sessions.pending() ?? null;
  }

  resume(id: string): Session {
    this.get(id);
    this.sessions.markResumed(id, nowIso());
    return this.get(id);
  }
}
