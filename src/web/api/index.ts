/** @module Every dashboard API route, and matching a request to one. */
import { backupRoutes } from './backups.js';
import { codeRoutes } from './code.js';
import { healthRoutes } from './health.js';
import { learningRoutes } from './learning.js';
import { memoryRoutes } from './memories.js';
import type { ApiRoute } from './route.js';
import { taskRoutes } from './tasks.js';

export const API_ROUTES: readonly ApiRoute[] = [...healthRoutes, ...memoryRoutes, ...learningRoutes, ...codeRoutes, ...taskRoutes, ...backupRoutes];

export type RouteMatch = { route: ApiRoute; params: Record<string, string> } | { allowed: string[] } | undefined;

function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    if (w.startsWith(':')) {
      if (got[i] === '') return undefined;
      try {
        params[w.slice(1)] = decodeURIComponent(got[i]!);
      } catch {
        return undefined;
      }
    } else if (w !== got[i]) return undefined;
  }
  return params;
}

/** The route for method + path; literal segments win over parameters (`/api/memories/search` is not a memory id). */
export function matchRoute(method: string, path: string): RouteMatch {
  const hits = API_ROUTES.map((route) => ({ route, params: matchPath(route.path, path) }))
    .filter((h): h is { route: ApiRoute; params: Record<string, string> } => h.params !== undefined)
    .sort((a, b) => Object.keys(a.params).length - Object.keys(b.params).length);
  if (hits.length === 0) return undefined;
  const hit = hits.find((h) => h.route.method === method);
  if (hit) return hit;
  return { allowed: [...new Set(hits.map((h) => h.route.method))] };
}
