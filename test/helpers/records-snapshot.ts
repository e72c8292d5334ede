/** Every record of every collection, with its vector as hex, sorted: what "identical records" means across backends. */
import type { App } from '../../src/app.js';

export async function recordsSnapshot(app: App): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const c of await app.records.listCollections()) {
    const rows: string[] = [];
    for (let offset = 0; ; offset += 500) {
      const page = await app.records.scroll(c.name, { limit: 500, offset, withVectors: true });
      for (const r of page) {
        const v = Buffer.from(r.vector!.buffer, r.vector!.byteOffset, r.vector!.byteLength).toString('hex');
        rows.push(JSON.stringify([r.id, r.text, r.payload, v]));
      }
      if (page.length < 500) break;
    }
    out[`${c.name} ${c.embedder} ${c.dim}`] = rows.sort();
  }
  return out;
}
