/** @module What orchestration commands share: the services, the caller's directory, dates. */
import type { App } from '../app.js';
import { refused } from '../services/orchestration/errors.js';
import type { Orchestration } from '../services/orchestration/index.js';
import { withApp } from './app-context.js';

export function withOrchestration<T>(fn: (o: Orchestration, app: App) => Promise<T> | T): Promise<T> {
  return withApp(async (app) => fn(app.orchestration, app));
}

/** The shell's directory, or null when it was deleted under it (a removed worktree). */
export function currentDir(): string | null {
  try {
    return process.cwd();
  } catch {
    return null;
  }
}

/** The shell's directory for project detection; a deleted one cannot belong to a project. */
export function projectDir(): string {
  const dir = currentDir();
  if (dir === null) throw refused('The current directory no longer exists: cd somewhere else and retry');
  return dir;
}

/** `2026-02-12T01:14:48.123Z` → `2026-02-12 01:14` (UTC, as stored). */
export const shortTime = (iso: string | null | undefined): string => (iso ? iso.slice(0, 16).replace('T', ' ') : '');
