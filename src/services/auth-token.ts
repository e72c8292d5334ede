/**
 * @module The daemon's optional bearer token. `CALM_AUTH_TOKEN` (or `server.auth_token`) names it;
 * otherwise, with `server.auth: true`, calm generates one into `$CALM_HOME/auth_token` (owner-only) at
 * `calm init` or `calm server start`, and calm's own hooks and CLI read it from there. Light on
 * purpose (no zod, no yaml): hooks import it on every run.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs-atomic.js';

export const AUTH_TOKEN_FILE = 'auth_token';

/** What decides the token: a configured value, or the switch that asks for a generated one. */
export interface AuthSettings {
  readonly serverAuth?: boolean | undefined;
  readonly authToken?: string | undefined;
  readonly paths: { readonly home: string };
}

export const authTokenFile = (home: string): string => join(home, AUTH_TOKEN_FILE);

function readTokenFile(file: string): string | undefined {
  try {
    const token = readFileSync(file, 'utf8').trim();
    return token === '' ? undefined : token;
  } catch {
    return undefined;
  }
}

/** The token clients must send, or undefined when the daemon is open (no token configured, auth off). */
export function resolveAuthToken(s: AuthSettings): string | undefined {
  // a hook's settings cache written by an older calm may lack these keys
  const configured = (s.authToken ?? '').trim();
  if (configured !== '') return configured;
  if (!s.serverAuth) return undefined;
  return readTokenFile(authTokenFile(s.paths.home));
}

/**
 * Like resolveAuthToken, but generates the file (32 random bytes, base64url, mode 0600) when auth is on
 * and neither a configured token nor the file exists yet. Called by `calm init` and the daemon.
 */
export function ensureAuthToken(s: AuthSettings): string | undefined {
  const existing = resolveAuthToken(s);
  if (existing !== undefined || !s.serverAuth) return existing;
  const file = authTokenFile(s.paths.home);
  if (!existsSync(s.paths.home)) return undefined; // never create a home `calm init` has not made
  writeFileAtomic(file, `${randomBytes(32).toString('base64url')}\n`);
  return readTokenFile(file);
}

/** `Authorization: Bearer <token>` checked in constant time (both sides hashed, so their lengths do not leak either). */
export function bearerMatches(header: string | undefined, expected: string): boolean {
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '');
  const given = m?.[1] ?? '';
  const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected)) && m !== null;
}

export const bearerHeader = (token: string): string => `Bearer ${token}`;
