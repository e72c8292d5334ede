/**
 * @module Portable JSONL: one record per line with its text, payload and vector, so records move
 * between homes, backends and calm versions. Import keeps a vector when it was made by the embedder the
 * target collection uses, and re-embeds the text otherwise (calm never mixes embedders in a collection).
 *
 * Line format: `{"collection","id","text","payload","embedder","dim","vector","created_at","updated_at"}`,
 * where `vector` is the float32 values, little-endian, base64 (exact to the bit; decimal arrays would
 * lose -0 and cost twice the space). Import also accepts `vector` as an array of numbers.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Embedder } from '../../embedding/embedder.js';
import { CalmError, validationError } from '../../errors.js';
import { COLLECTIONS } from '../../store/records/collections.js';
import type { RecordInput, RecordStore } from '../../store/records/record-store.js';
import { decodeVector as decodeBase64, encodeVector } from '../../store/records/vector-codec.js';
import { CollectionGuard } from '../collection-guard.js';

export interface ExportLine {
  readonly collection: string;
  readonly id: string;
  readonly text: string;
  readonly payload: Record<string, unknown>;
  readonly embedder: string;
  readonly dim: number;
  readonly vector: string;
  readonly created_at: string;
  readonly updated_at: string;
}

const KNOWN: readonly string[] = Object.values(COLLECTIONS);
const PAGE = 500;

export { encodeVector } from '../../store/records/vector-codec.js';

/** A vector in an export line: the base64 form, or (hand-written files) an array of numbers. */
export function decodeVector(value: unknown): Float32Array | undefined {
  if (Array.isArray(value)) return value.every((x) => typeof x === 'number') ? Float32Array.from(value as number[]) : undefined;
  return decodeBase64(value);
}

export interface ExportOptions {
  readonly collections?: readonly string[] | undefined;
  readonly onProgress?: (p: { collection: string; done: number; total: number }) => void;
}

/** Writes every record of the chosen collections (all by default); returns counts per collection. */
export async function exportRecords(
  records: RecordStore,
  write: (line: string) => void | Promise<void>,
  options: ExportOptions = {},
): Promise<{ collection: string; count: number }[]> {
  const all = await records.listCollections();
  const wanted = options.collections ?? all.map((c) => c.name);
  const unknown = wanted.filter((n) => !all.some((c) => c.name === n));
  if (unknown.length > 0) throw new CalmError('not_found', `Collection not found: ${unknown.join(', ')}`);
  const out: { collection: string; count: number }[] = [];
  for (const info of all.filter((c) => wanted.includes(c.name))) {
    let done = 0;
    for (let offset = 0; ; offset += PAGE) {
      const page = await records.scroll(info.name, { limit: PAGE, offset, withVectors: true });
      for (const r of page) {
        const line: ExportLine = {
          collection: info.name, id: r.id, text: r.text, payload: r.payload, embedder: info.embedder, dim: info.dim,
          vector: encodeVector(r.vector!), created_at: r.createdAt, updated_at: r.updatedAt,
        };
        await write(`${JSON.stringify(line)}\n`);
      }
      done += page.length;
      options.onProgress?.({ collection: info.name, done, total: info.count });
      if (page.length < PAGE) break;
    }
    out.push({ collection: info.name, count: done });
  }
  return out;
}

interface ParsedLine {
  readonly collection: string;
  readonly id: string;
  readonly text: string;
  readonly payload: Record<string, unknown>;
  readonly embedder?: string;
  readonly vector?: Float32Array;
}

function parseLine(text: string, n: number): ParsedLine {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw validationError(`line ${n}: not valid JSON`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw validationError(`line ${n}: expected a JSON object`);
  if (typeof v.collection !== 'string' || !KNOWN.includes(v.collection)) {
    throw validationError(`line ${n}: collection must be one of ${KNOWN.join(', ')}`);
  }
  if (typeof v.id !== 'string' || v.id.length === 0 || v.id.length > 512) throw validationError(`line ${n}: id must be a non-empty string (max 512)`);
  if (typeof v.text !== 'string') throw validationError(`line ${n}: text must be a string`);
  if (v.payload === null || typeof v.payload !== 'object' || Array.isArray(v.payload)) throw validationError(`line ${n}: payload must be an object`);
  let vector: Float32Array | undefined;
  if (v.vector !== undefined) {
    vector = decodeVector(v.vector);
    if (!vector || (typeof v.dim === 'number' && vector.length !== v.dim)) throw validationError(`line ${n}: vector is malformed`);
  }
  return {
    collection: v.collection, id: v.id, text: v.text, payload: v.payload as Record<string, unknown>,
    ...(typeof v.embedder === 'string' ? { embedder: v.embedder } : {}),
    ...(vector ? { vector } : {}),
  };
}

async function* lines(file: string): AsyncGenerator<{ n: number; text: string }> {
  const rl = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  for await (const text of rl) {
    n++;
    if (text.trim().length > 0) yield { n, text };
  }
}

export interface ImportDeps {
  readonly records: RecordStore;
  embedder(): Promise<Embedder>;
}

export interface ImportResult {
  readonly collections: { collection: string; imported: number; reembedded: number }[];
  readonly total: number;
}

/**
 * Reads `file` twice: first every line is checked (a bad line fails the import before anything is
 * written, naming its line number), then records are written in batches, each batch all or nothing.
 */
export async function importRecords(
  deps: ImportDeps,
  file: string,
  onProgress?: (done: number, total: number) => void,
  options: { readonly into?: (collection: string) => string } = {},
): Promise<ImportResult> {
  const into = options.into ?? ((c: string) => c); // a restore loads a collection into its staged generation
  let total = 0;
  try {
    for await (const { n, text } of lines(file)) {
      parseLine(text, n);
      total++;
    }
  } catch (e) {
    if (e instanceof CalmError) throw e;
    throw new CalmError('not_found', `Cannot read ${file}: ${(e as Error).message}`, { cause: e });
  }
  const guard = new CollectionGuard(deps.records, () => deps.embedder());
  const stats = new Map<string, { imported: number; reembedded: number }>();
  const pending = new Map<string, ParsedLine[]>();
  let done = 0;

  const flush = async (collection: string): Promise<void> => {
    const batch = pending.get(collection) ?? [];
    if (batch.length === 0) return;
    pending.set(collection, []);
    await guard.ensure(into(collection)); // the configured embedder, or an embedder_mismatch naming `calm reembed`
    const embedder = await deps.embedder();
    const keep = (l: ParsedLine): boolean => l.embedder === embedder.id && l.vector?.length === embedder.dim;
    const redo = batch.filter((l) => !keep(l));
    const fresh = redo.length > 0 ? await embedder.embed(redo.map((l) => l.text)) : [];
    const byId = new Map(redo.map((l, i) => [l, fresh[i]!] as const));
    const inputs: RecordInput[] = batch.map((l) => ({ id: l.id, text: l.text, payload: l.payload, vector: keep(l) ? l.vector! : byId.get(l)! }));
    await deps.records.upsert(into(collection), inputs);
    const s = stats.get(collection) ?? { imported: 0, reembedded: 0 };
    stats.set(collection, { imported: s.imported + batch.length, reembedded: s.reembedded + redo.length });
    done += batch.length;
    onProgress?.(done, total);
  };

  for await (const { n, text } of lines(file)) {
    const line = parseLine(text, n);
    // the store rejects one id twice in a batch: flush first, so the later line wins
    if (pending.get(line.collection)?.some((l) => l.id === line.id)) await flush(line.collection);
    const batch = pending.get(line.collection) ?? [];
    batch.push(line);
    pending.set(line.collection, batch);
    if (batch.length >= 256) await flush(line.collection);
  }
  for (const collection of pending.keys()) await flush(collection);
  const collections = [...stats.entries()].map(([collection, s]) => ({ collection, ...s }));
  return { collections, total: done };
}
