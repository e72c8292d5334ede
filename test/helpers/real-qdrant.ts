/**
 * A real Qdrant server for the tests that can use one: `CALM_TEST_QDRANT_URL` (and
 * `CALM_TEST_QDRANT_API_KEY` if it needs a key); the older `QDRANT_URL` / `QDRANT_API_KEY` are accepted
 * too. Without one, those suites are skipped with a message saying how to run them.
 */
import { QdrantClient } from '@qdrant/js-client-rest';

const env = (name: string, alias: string): string | undefined => process.env[name]?.trim() || process.env[alias]?.trim() || undefined;

export const REAL_QDRANT_URL = env('CALM_TEST_QDRANT_URL', 'QDRANT_URL');
export const REAL_QDRANT_API_KEY = env('CALM_TEST_QDRANT_API_KEY', 'QDRANT_API_KEY');

/** `skip` option for a suite that needs the real server: false when there is one, else why not. */
export const REAL_QDRANT_SKIP: string | false = REAL_QDRANT_URL
  ? false
  : 'no real Qdrant: set CALM_TEST_QDRANT_URL=http://127.0.0.1:6333 (a throwaway server) to run this against one';

export function realQdrantClient(): QdrantClient {
  return new QdrantClient({ url: REAL_QDRANT_URL!, ...(REAL_QDRANT_API_KEY ? { apiKey: REAL_QDRANT_API_KEY } : {}), checkCompatibility: false });
}

/** The CALM_* settings that put an App on the real server. */
export function realQdrantEnv(): Record<string, string> {
  return { CALM_VECTOR_BACKEND: 'qdrant', CALM_QDRANT_URL: REAL_QDRANT_URL!, ...(REAL_QDRANT_API_KEY ? { CALM_QDRANT_API_KEY: REAL_QDRANT_API_KEY } : {}) };
}

/** Refuses to run on a server that already holds any of `names`: the tests create and drop exactly those. */
export async function assertThrowaway(names: readonly string[]): Promise<void> {
  const client = realQdrantClient();
  const live = [...(await client.getCollections()).collections.map((c) => c.name), ...(await client.getAliases()).aliases.map((a) => a.alias_name)];
  const existing = live.filter((n) => names.includes(n));
  if (existing.length > 0) throw new Error(`${REAL_QDRANT_URL} already holds ${existing.join(', ')}: run these tests against a throwaway Qdrant`);
}

/** Drops `names` and the generations a restore made behind them (`<name>__g<id>`, their aliases go with them). */
export async function dropCollections(names: readonly string[]): Promise<void> {
  const client = realQdrantClient();
  const all = (await client.getCollections()).collections.map((c) => c.name);
  const generations = all.filter((c) => names.some((n) => c.startsWith(`${n}__g`) && /^[0-9a-z]+$/.test(c.slice(n.length + 3))));
  for (const n of [...names, ...generations]) await client.deleteCollection(n).catch(() => undefined);
}
