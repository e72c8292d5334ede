// The one way the page talks to the daemon: JSON over fetch, with the bearer token when there is one.
const TOKEN_KEY = 'calm.dashboard.token';

/** `#token=…` (as `calm dashboard` may open the page) moves into sessionStorage and out of the address bar. */
export function captureToken(): void {
  const m = /(?:^#|[#&])token=([^&]*)/.exec(location.hash);
  if (!m) return;
  const token = decodeURIComponent(m[1] ?? '');
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  const rest = location.hash.replace(/[#&]?token=[^&]*/, '').replace(/^#?&?/, '');
  history.replaceState(null, '', `${location.pathname}${location.search}${rest ? `#${rest}` : '#/memories'}`);
}

export const token = (): string | null => sessionStorage.getItem(TOKEN_KEY);

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

type AuthListener = (message: string) => void;
const authListeners = new Set<AuthListener>();
/** Called once per 401: the page shows one clear message instead of a failure in every view. */
export function onUnauthorized(fn: AuthListener): () => void {
  authListeners.add(fn);
  return () => authListeners.delete(fn);
}

export async function api<T>(path: string, init: { method?: 'GET' | 'POST' | 'PATCH' | 'DELETE'; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const t = token();
  if (t) headers.authorization = `Bearer ${t}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method: init.method ?? 'GET',
      headers,
      body: init.body === undefined ? null : JSON.stringify(init.body),
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(0, 'not_available', 'The calm server does not answer. Is it running? Start it with `calm server start`.');
  }
  let data: unknown = null;
  try {
    data = await res.json();
  } catch {
    // not JSON: described below
  }
  if (res.status === 401) {
    const message = t
      ? 'The calm server refused the access token. Open the dashboard again with `calm dashboard` to get a fresh link.'
      : 'The calm server needs an access token. Open the dashboard with `calm dashboard`, which adds it to the link.';
    authListeners.forEach((fn) => fn(message));
    throw new ApiError(401, 'unauthorized', message);
  }
  if (!res.ok) {
    const err = (data as { error?: { type?: string; message?: string } } | null)?.error;
    throw new ApiError(res.status, err?.type ?? 'error', err?.message ?? `Request failed (HTTP ${res.status})`);
  }
  return data as T;
}

export const qs = (params: Record<string, string | number | undefined | null>): string => {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
};
