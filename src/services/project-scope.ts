/**
 * @module Project scope of memories, experiences and values.
 *
 * A record carries `project`: the project it was stored from (the main repository root of the caller's
 * working directory, the same key tasks use; the directory itself outside git). A record without one is
 * global: it belongs to every project (records stored before projects existed, and memories stored with
 * `global: true`). Searches rank the caller's project and global records first (`scope: "all"`, the
 * default) or keep only them (`scope: "project"`).
 *
 * The caller's project comes from an injected `currentProject()` (see app.ts): services never look at a
 * transport or a process's working directory themselves.
 */
import { validationError } from '../errors.js';

export const PROJECT_KEY = 'project';
export const SCOPES = ['project', 'all'] as const;
export type Scope = (typeof SCOPES)[number];

/** The caller's project, or undefined when it cannot be told (then nothing is ranked or limited). */
export type CurrentProject = () => Promise<string | undefined>;

export function validateScope(value: unknown): Scope {
  if (value === undefined) return 'all';
  if (typeof value !== 'string' || !SCOPES.includes(value as Scope)) {
    throw validationError(`Invalid scope '${String(value)}'. Must be one of: ${SCOPES.map((s) => `'${s}'`).join(', ')}`);
  }
  return value as Scope;
}

export const projectOf = (payload: Readonly<Record<string, unknown>>): string | undefined =>
  typeof payload[PROJECT_KEY] === 'string' && payload[PROJECT_KEY] !== '' ? (payload[PROJECT_KEY] as string) : undefined;

/** Whether a record belongs to `project`'s view: stored from it, or global. Everything does without a project. */
export function inProject(payload: Readonly<Record<string, unknown>>, project: string | undefined): boolean {
  const own = projectOf(payload);
  return project === undefined || own === undefined || own === project;
}

type Ranked = { readonly id: string; readonly payload: Readonly<Record<string, unknown>> };

/**
 * The caller's project's records (and global ones) first, each group in `order`; with scope `project`,
 * only them. Input may hold the same record twice (from two reads): the first copy counts.
 */
export function projectFirst<T extends Ranked>(
  records: readonly T[],
  project: string | undefined,
  scope: Scope,
  limit: number,
  order: (a: T, b: T) => number,
): T[] {
  const seen = new Set<string>();
  const unique = records.filter((r) => (seen.has(r.id) ? false : (seen.add(r.id), true)));
  const tier = (r: T): number => (inProject(r.payload, project) ? 0 : 1);
  return unique
    .filter((r) => scope === 'all' || tier(r) === 0)
    .sort((a, b) => tier(a) - tier(b) || order(a, b))
    .slice(0, limit);
}

/** projectFirst for search hits: each group best score first. */
export function rankProjectFirst<T extends Ranked & { readonly score: number }>(
  records: readonly T[],
  project: string | undefined,
  scope: Scope,
  limit: number,
): T[] {
  return projectFirst(records, project, scope, limit, (a, b) => b.score - a.score || a.id.localeCompare(b.id));
}

/** How many more candidates than asked a scoped search reads, to find global records among other projects'. */
export const PROJECT_WIDEN = 3;

/**
 * One search, scoped: without a current project, `run` as asked; with one, a wider search first, and when
 * it holds too few of the project's records, the project's own are searched on their own too (so a crowd
 * of other projects' cannot hide them); the project's rank first.
 * `run(projectFilter, limit)` searches with the caller's filter plus `projectFilter`.
 */
export async function searchProjectFirst<T extends { readonly id: string; readonly score: number; readonly payload: Readonly<Record<string, unknown>> }>(
  run: (projectFilter: Readonly<Record<string, string>>, limit: number) => Promise<T[]>,
  project: string | undefined,
  scope: Scope,
  limit: number,
  maxCandidates: number,
): Promise<T[]> {
  if (project === undefined) return run({}, limit);
  const all = await run({}, Math.min(limit * PROJECT_WIDEN, maxCandidates));
  // enough of the project's (and global) records among the best overall: any other one scores lower than
  // all of them, so the scoped search could not change the answer and its second KNN is saved
  if (all.filter((r) => inProject(r.payload, project)).length >= limit) return rankProjectFirst(all, project, scope, limit);
  const own = await run({ [PROJECT_KEY]: project }, limit);
  return rankProjectFirst([...own, ...all], project, scope, limit);
}
