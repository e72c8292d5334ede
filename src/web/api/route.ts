/** @module What a dashboard API route is: a method, a path pattern and a thin handler over the services. */
import type { App } from '../../app.js';
import { validationError } from '../../errors.js';

export interface ApiRequest {
  /** `:name` segments of the path, decoded. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The parsed JSON body; undefined for GET and for an empty body. */
  readonly body: unknown;
}

export type ApiHandler = (app: App, req: ApiRequest) => unknown;

export interface ApiRoute {
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** `/api/memories/:id` */
  readonly path: string;
  readonly handler: ApiHandler;
}

/** A query parameter as given, or undefined when absent or blank. */
export function text(query: URLSearchParams, name: string): string | undefined {
  const v = query.get(name);
  return v === null || v.trim() === '' ? undefined : v;
}

/** A numeric query parameter; the service checks its range, this only that it is a number. */
export function num(query: URLSearchParams, name: string): number | undefined {
  const v = text(query, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw validationError(`${name} must be a number, got '${v}'`);
  return n;
}

/** `tags=a,b` → ['a', 'b']. */
export function list(query: URLSearchParams, name: string): string[] | undefined {
  const v = text(query, name);
  return v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean);
}

/** The JSON body as an object (an API call with a body always sends one). */
export function bodyObject(body: unknown): Record<string, unknown> {
  if (body === undefined) return {};
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw validationError('The request body must be a JSON object');
  return body as Record<string, unknown>;
}

/** A yes/no query parameter (`1`, `true`, `0`, `false`); false when absent. */
export function flag(query: URLSearchParams, name: string): boolean {
  const v = text(query, name);
  if (v === undefined) return false;
  if (v === '1' || v === 'true') return true;
  if (v === '0' || v === 'false') return false;
  throw validationError(`${name} must be true or false, got '${v}'`);
}
