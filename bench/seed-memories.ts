/** @module Synthetic memories written straight into the record store (no embedding model, no dedupe): the benches' bulk data. */
import type { App } from '../src/app.js';
import { hashEmbed } from '../src/embedding/hash.js';
import { CREATED_TS_KEY, memoryCreatedTs } from '../src/services/memory-time.js';
import { MEMORY_CATEGORIES } from '../src/services/validation.js';

/** `n` memories, one a minute from 2025-01-01, spread over every category, importance and five tags. */
export async function seedSyntheticMemories(app: App, n: number): Promise<void> {
  await app.records.ensureCollection('memories', { embedder: 'hash-v1', dim: 384 });
  const epoch = Date.parse('2025-01-01T00:00:00Z');
  for (let start = 0; start < n; start += 1000) {
    await app.records.upsert(
      'memories',
      Array.from({ length: Math.min(1000, n - start) }, (_, i) => {
        const k = start + i;
        const content = `memory ${k}: the ${k % 97} service retries ${k % 13} times before giving up on ${k % 7} hosts`;
        const created_at = new Date(epoch + k * 60_000).toISOString();
        const payload = {
          content, category: MEMORY_CATEGORIES[k % MEMORY_CATEGORIES.length], importance: (k % 10) / 10, tags: [`t${k % 5}`], created_at,
          [CREATED_TS_KEY]: memoryCreatedTs(created_at),
        };
        return { id: `00000000-0000-4000-8000-${k.toString(16).padStart(12, '0')}`, text: content, payload, vector: hashEmbed(content) };
      }),
    );
  }
}
