/**
 * @module The Qdrant REST client, loaded on first use (nothing heavy at import time), and the one place
 * its failures become CalmErrors: unreachable server → `not_available` (callers such as backups
 * degrade on it), HTTP 404 → `not_found`, any other HTTP error → `storage_error` with Qdrant's message.
 */
import type { QdrantClient } from '@qdrant/js-client-rest';
import { CalmError } from '../../../errors.js';

export interface QdrantConnection {
  readonly url: string;
  readonly apiKey?: string | undefined;
  /** Per request; snapshots and large scrolls take a while. */
  readonly timeoutMs?: number | undefined;
}

export async function createQdrantClient(conn: QdrantConnection): Promise<QdrantClient> {
  const { QdrantClient: Client } = await import('@qdrant/js-client-rest');
  return new Client({
    url: conn.url,
    ...(conn.apiKey ? { apiKey: conn.apiKey } : {}),
    timeout: conn.timeoutMs ?? 120_000,
    // the check prints to the console, and stdout belongs to the MCP protocol in `calm mcp`
    checkCompatibility: false,
  });
}

interface ApiErrorLike {
  status: number;
  data?: { status?: { error?: string } | string } | string;
}

function isApiError(e: unknown): e is ApiErrorLike {
  return typeof e === 'object' && e !== null && typeof (e as { status?: unknown }).status === 'number' && e instanceof Error;
}

/** The text Qdrant put in its error body. */
function qdrantMessage(e: ApiErrorLike): string {
  const d = e.data;
  if (typeof d === 'string') return d;
  if (d && typeof d.status === 'object' && typeof d.status.error === 'string') return d.status.error;
  return (e as unknown as Error).message;
}

/** Maps a failed client call to a CalmError; `what` says what calm was doing, `collection` names a 404. */
export function qdrantError(e: unknown, url: string, what: string, collection?: string): CalmError {
  if (e instanceof CalmError) return e;
  if (isApiError(e)) {
    if (e.status === 404 && collection !== undefined) return new CalmError('not_found', `Collection not found: ${collection}`, { cause: e });
    if (e.status === 401 || e.status === 403) {
      return new CalmError('config_error', `Qdrant at ${url} refused the request (HTTP ${e.status}): check CALM_QDRANT_API_KEY`, { cause: e });
    }
    return new CalmError('storage_error', `Qdrant ${what} failed with HTTP ${e.status}: ${qdrantMessage(e)}`, { cause: e });
  }
  const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'QdrantClientTimeoutError') return new CalmError('not_available', `Qdrant at ${url} did not answer in time (${what})`, { cause: e });
  if (e instanceof TypeError || err?.cause?.code) {
    const why = err.cause?.code ?? err.cause?.message ?? err.message ?? String(e);
    return new CalmError('not_available', `Qdrant at ${url} is unreachable (${why})`, { cause: e });
  }
  return new CalmError('storage_error', `Qdrant ${what} failed: ${err?.message ?? String(e)}`, { cause: e });
}

export const isStatus = (e: unknown, status: number): boolean => isApiError(e) && e.status === status;

/** The connection the configuration names (CALM_QDRANT_URL, CALM_QDRANT_API_KEY). */
export function qdrantConnection(config: { readonly qdrantUrl: string; readonly qdrantApiKey: string }): QdrantConnection {
  return { url: config.qdrantUrl, ...(config.qdrantApiKey ? { apiKey: config.qdrantApiKey } : {}) };
}
