/**
 * @module The dashboard's side of the daemon: the page (static files) and its JSON API under `/api/`.
 * Reached only through the daemon's router in mcp/http.ts, after its Host/Origin guard. Handlers call the
 * same services as the MCP tools and the CLI; errors use the same envelope, with an HTTP status.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from '../app.js';
import { asCalmError, CalmError, describeCause, type ErrorType } from '../errors.js';
import { MAX_BODY_BYTES, readBody, refuseTooLarge, sendJson } from '../mcp/http-io.js';
import { matchRoute } from './api/index.js';
import { isStaticPath, SECURITY_HEADERS, serveStatic } from './static.js';

const STATUS: Partial<Record<ErrorType, number>> = {
  validation_error: 400,
  not_found: 404,
  active_ghap_exists: 409,
  embedder_mismatch: 409,
  not_available: 503,
};

export const isApiPath = (path: string): boolean => path === '/api' || path.startsWith('/api/');

export function isWebPath(path: string): boolean {
  return isApiPath(path) || isStaticPath(path);
}

const failure = (res: ServerResponse, status: number, type: ErrorType, message: string, headers: Record<string, string> = {}): void =>
  sendJson(res, status, new CalmError(type, message).toEnvelope(), { ...SECURITY_HEADERS, 'cache-control': 'no-store', ...headers });

async function handleApi(app: App, req: IncomingMessage, res: ServerResponse, url: URL, log: (m: string) => void): Promise<void> {
  const method = req.method ?? 'GET';
  const match = matchRoute(method, url.pathname);
  if (match === undefined) {
    req.resume();
    failure(res, 404, 'not_found', `Not found: ${method} ${url.pathname}`);
    return;
  }
  if ('allowed' in match) {
    req.resume();
    failure(res, 405, 'validation_error', `Method ${method} not allowed on ${url.pathname}`, { allow: match.allowed.join(', ') });
    return;
  }
  let body: unknown;
  if (method !== 'GET' && method !== 'DELETE') {
    const read = await readBody(req);
    if (!read.ok) {
      const tooLarge = new CalmError('validation_error', `Request body too large (limit ${MAX_BODY_BYTES / 1024 / 1024} MB)`);
      refuseTooLarge(req, res, tooLarge.toEnvelope(), { ...SECURITY_HEADERS, 'cache-control': 'no-store' });
      return;
    }
    // a body must be JSON: a cross-site form or a "simple" request from another page cannot send that without a CORS preflight, which is refused
    if (read.text !== '' && !/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      failure(res, 415, 'validation_error', 'Send the request body as application/json');
      return;
    }
    try {
      body = read.text.trim() === '' ? undefined : JSON.parse(read.text);
    } catch {
      failure(res, 400, 'validation_error', 'Parse error: invalid JSON');
      return;
    }
  } else req.resume();
  try {
    const out = await match.route.handler(app, { params: match.params, query: url.searchParams, body });
    sendJson(res, 200, out, { ...SECURITY_HEADERS, 'cache-control': 'no-store' });
  } catch (e) {
    const err = asCalmError(e);
    if (err.type === 'internal_error') log(`${method} ${url.pathname} failed: ${describeCause(e)}`);
    failure(res, STATUS[err.type] ?? 500, err.type, err.message);
  }
}

/** Answers a request whose path `isWebPath` accepted. */
export async function handleWeb(app: App, req: IncomingMessage, res: ServerResponse, log: (m: string) => void): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (isApiPath(url.pathname)) return handleApi(app, req, res, url, log);
  req.resume();
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') {
    failure(res, 405, 'validation_error', `Method ${method} not allowed on ${url.pathname}`, { allow: 'GET, HEAD' });
    return;
  }
  if (!serveStatic(res, url.pathname, method)) failure(res, 404, 'not_found', `Not found: ${url.pathname}`);
}
