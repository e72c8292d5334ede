/**
 * @module Tool calls per Claude Code session, for the GHAP check-in reminder. One small file per
 * session under `$CALM_HOME/hooks/sessions/`, so concurrent sessions never write the same file;
 * each write is a temp file renamed over the old one (atomic). Files of sessions idle for a week are
 * swept when a reminder falls due.
 *
 * CALM kept one counter for all sessions, read the session from an environment variable Claude Code
 * does not set, and let the count grow without bound while no GHAP was active.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../../fs-atomic.js';

export const CHECKIN_EVERY = 10;
const STALE_MS = 7 * 24 * 60 * 60 * 1000;

export interface ToolCount {
  readonly count: number;
  /** This call is the Nth since the last reminder: a reminder is due if a GHAP is active. */
  readonly due: boolean;
}

/** A file name for the session: its id when that is tame, else a hash of it. */
export function sessionFileName(sessionId: string): string {
  const id = sessionId.trim() || 'default';
  return /^[A-Za-z0-9_-]{1,100}$/.test(id) ? `${id}.json` : `${createHash('sha256').update(id).digest('hex').slice(0, 32)}.json`;
}

function read(file: string): number {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { count?: unknown };
    return typeof parsed.count === 'number' && Number.isInteger(parsed.count) && parsed.count >= 0 ? parsed.count : 0;
  } catch {
    return 0; // missing or damaged: start again
  }
}

function write(file: string, count: number): void {
  // scratch state on every tool call: atomic, but not worth an fsync
  writeFileAtomic(file, `${JSON.stringify({ count, updated_at: new Date().toISOString() })}\n`, { durable: false });
}

function sweep(dir: string, keep: string): void {
  const cutoff = Date.now() - STALE_MS;
  for (const name of readdirSync(dir)) {
    if (name === keep) continue;
    const file = join(dir, name);
    try {
      if (statSync(file).mtimeMs < cutoff) unlinkSync(file);
    } catch {
      // another session swept it first
    }
  }
}

/** Counts one tool call of `sessionId`; every `every`-th call is due and restarts the count. */
export function countToolCall(dir: string, sessionId: string, every = CHECKIN_EVERY): ToolCount {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const name = sessionFileName(sessionId);
  const file = join(dir, name);
  const count = read(file) + 1;
  const due = count >= every;
  write(file, due ? 0 : count);
  if (due) sweep(dir, name);
  return { count, due };
}
