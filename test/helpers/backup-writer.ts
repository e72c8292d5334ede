/**
 * A separate process that writes continuously into a calm home (CALM_HOME from its environment) until
 * killed: batches of records with their vectors, updates and deletes, and a counter bump, each a short
 * transaction. Prints `ready` once the first batch is committed.
 */
import { loadConfig } from '../../src/config.js';
import { createApp } from '../../src/app.js';
import { hashEmbed } from '../../src/embedding/hash.js';

const app = createApp(loadConfig(process.env));
await app.records.ensureCollection('memories', { embedder: 'hash-v1', dim: 384 });
await app.records.ensureCollection('values', { embedder: 'hash-v1', dim: 384 });
let i = 0;
let announced = false;
for (;;) {
  const batch = Array.from({ length: 1 + (i % 7) }, (_, j) => {
    const text = `load ${i}-${j} writes while backups run`;
    return { id: `load-${i}-${j}`, text, payload: { i, j }, vector: hashEmbed(text) };
  });
  await app.records.upsert(i % 3 === 0 ? 'values' : 'memories', batch);
  if (i % 5 === 0 && i > 0) await app.records.delete('memories', { ids: [`load-${i - 4}-0`] });
  app.db.prepare("UPDATE counters SET value = value + 1 WHERE name = 'merges_since_docs'").run();
  i++;
  if (!announced) {
    process.stdout.write('ready\n');
    announced = true;
  }
  if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
}
