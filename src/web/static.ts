/**
 * @module The dashboard's files (built by Vite into `dist/dashboard`), served as they are: no network at
 * run time, a strict Content-Security-Policy, hashed assets cached, index.html always revalidated.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** From `src/web` (tsx) and `dist/web` (built) alike, the bundle is `<package>/dist/dashboard`. */
export const DASHBOARD_DIR = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'dist', 'dashboard');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/** The file a path names inside the bundle, or undefined (missing, a directory, or outside it). */
function resolveFile(path: string): string | undefined {
  const rel = path === '/' || path === '/index.html' ? 'index.html' : path.replace(/^\/+/, '');
  let decoded: string;
  try {
    decoded = decodeURIComponent(rel);
  } catch {
    return undefined;
  }
  const file = normalize(join(DASHBOARD_DIR, decoded));
  if (!file.startsWith(normalize(DASHBOARD_DIR) + sep)) return undefined;
  return existsSync(file) && statSync(file).isFile() ? file : undefined;
}

export function isStaticPath(path: string): boolean {
  return path === '/' || path === '/index.html' || path.startsWith('/assets/') || path === '/favicon.svg';
}

/** Serves a bundle file; false when there is none, so the caller answers 404. */
export function serveStatic(res: ServerResponse, path: string, method: string): boolean {
  const file = resolveFile(path);
  if (!file) {
    if (path !== '/' && path !== '/index.html') return false;
    const body = 'The calm dashboard is not built. Run `npm run build` in the calm package, then reload.\n';
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), ...SECURITY_HEADERS });
    res.end(method === 'HEAD' ? undefined : body);
    return true;
  }
  const body = readFileSync(file);
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': body.length,
    // Vite names assets by content hash; the page itself must be fetched anew to see a new build
    'cache-control': path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    ...SECURITY_HEADERS,
  });
  res.end(method === 'HEAD' ? undefined : body);
  return true;
}
