/**
 * Runs the fake Qdrant in its own process (test/fakes/qdrant-process.ts) and reads a Qdrant server's
 * state the way calm sees it: by live name (an alias or a collection), whatever generation is behind it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { QdrantClient } from '@qdrant/js-client-rest';
import { REPO_ROOT } from './home.js';

export interface QdrantProcess {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startQdrantProcess(): Promise<QdrantProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test/fakes/qdrant-process.ts')], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the fake Qdrant process exited (${code}) before it listened`)));
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const m = /^listening (\S+)$/.exec(line);
      if (m) resolve(m[1]!);
    });
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Live name → the collection behind it, plus every physical collection. */
export async function qdrantLayout(url: string): Promise<{ aliases: Map<string, string>; collections: string[] }> {
  const client = new QdrantClient({ url, checkCompatibility: false });
  const aliases = new Map((await client.getAliases()).aliases.map((a) => [a.alias_name, a.collection_name]));
  const collections = (await client.getCollections()).collections.map((c) => c.name).sort();
  return { aliases, collections };
}

/** One hash per live collection of its metadata and every point (id, payload, vector), in point order. */
export async function qdrantDigest(url: string): Promise<Record<string, string>> {
  const client = new QdrantClient({ url, checkCompatibility: false });
  const { aliases, collections } = await qdrantLayout(url);
  const live = [...new Set([...collections.filter((c) => ![...aliases.values()].includes(c)), ...aliases.keys()])].sort();
  const out: Record<string, string> = {};
  for (const name of live) {
    const hash = createHash('sha256');
    hash.update(JSON.stringify((await client.getCollection(name)).config.metadata ?? null));
    let offset: string | number | undefined;
    do {
      const page = await client.scroll(name, { limit: 1000, with_payload: true, with_vector: true, ...(offset !== undefined ? { offset } : {}) });
      for (const p of page.points) hash.update(JSON.stringify([p.id, p.payload, p.vector]));
      offset = (page.next_page_offset ?? undefined) as string | number | undefined;
    } while (offset !== undefined);
    out[name] = hash.digest('hex');
  }
  return out;
}
