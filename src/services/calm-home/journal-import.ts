/**
 * @module CALM's GHAP journal (reference internals §1.5) into calm. `journal/current_ghap.json` becomes
 * calm's active entry, with its history (the hypotheses, actions and predictions each update replaced),
 * its notes and its iteration count. Resolved entries — `session_entries.jsonl` and the session archives
 * `archive/*.jsonl` — become resolved rows of `ghap_entries` with their history and notes, and, where
 * calm has no experience record for them yet (CALM's Qdrant was unreachable, or the entry never reached
 * it), experience records on every axis, embedded with calm's embedder, written with the row as one unit.
 * A damaged line or file is skipped and counted, as CALM did.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GhapRepository } from '../../store/ghap-repository.js';
import type { RecordInput } from '../../store/records/record-store.js';
import { CollectionGuard } from '../collection-guard.js';
import { axesFor, type ResolvedView } from '../ghap/axes.js';
import { confidenceTier } from '../ghap/confidence.js';
import { AXIS_COLLECTIONS, type OutcomeStatus } from '../ghap/model.js';
import { toCalmRecord } from '../import-calm/calm-collections.js';
import { calmTimeToIso } from '../import-calm/calm-time.js';
import type { ImportTarget } from '../import-calm.js';
import { insertGhapEntries } from '../import-calm/sqlite-tables.js';

/** Where the journal is imported into (an App satisfies it). */
type JournalTarget = Pick<ImportTarget, 'db' | 'records' | 'embedder'>;

export interface JournalImport {
  /** The id of CALM's active entry, now calm's active GHAP; null when there was none. */
  readonly active: string | null;
  /** Resolved entries found in session_entries.jsonl and archive/. */
  readonly resolved_found: number;
  readonly resolved_added: number;
  /** Resolved entries calm had no experience records for, now searchable. */
  readonly experiences_added: number;
  readonly damaged: string[];
  readonly skipped: { what: string; reason: string }[];
}

type Entry = Record<string, unknown>;
const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const iso = (v: unknown): string => {
  const t = calmTimeToIso(v);
  return typeof t === 'string' ? t : new Date().toISOString();
};

function readJsonLines(file: string, damaged: string[]): Entry[] {
  const out: Entry[] = [];
  readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    try {
      const e = JSON.parse(line) as unknown;
      if (e && typeof e === 'object' && typeof (e as Entry).id === 'string') out.push(e as Entry);
      else damaged.push(`${file}:${i + 1}`);
    } catch {
      damaged.push(`${file}:${i + 1}`);
    }
  });
  return out;
}

/** A resolved CALM entry as the payload calm's experience records carry (the shape CALM's Qdrant held). */
function payloadOf(e: Entry): Entry {
  const outcome = (e.outcome ?? {}) as Entry;
  const status = text(outcome.status) as OutcomeStatus;
  return {
    ghap_id: e.id, session_id: e.session_id ?? null, created_at: iso(e.created_at), captured_at: iso(outcome.captured_at ?? e.created_at),
    domain: text(e.domain), strategy: text(e.strategy), outcome_status: status,
    confidence_tier: typeof e.confidence_tier === 'string' ? e.confidence_tier : confidenceTier(status, outcome.auto_captured === true),
    iteration_count: typeof e.iteration_count === 'number' ? e.iteration_count : 1,
    goal: text(e.goal), hypothesis: text(e.hypothesis), action: text(e.action), prediction: text(e.prediction), outcome_result: text(outcome.result),
    ...(typeof e.surprise === 'string' && e.surprise ? { surprise: e.surprise } : {}),
    ...(e.root_cause ? { root_cause: e.root_cause } : {}),
    ...(e.lesson ? { lesson: e.lesson } : {}),
  };
}

/** History and notes rows of one entry, at CALM's positions (CALM's notes carry no time: the entry's creation time stands in). */
function insertHistoryAndNotes(ghap: GhapRepository, e: Entry): void {
  const history = (Array.isArray(e.history) ? (e.history as Entry[]) : []).map((h, i) => ({
    seq: i + 1, replaced_at: iso(h.timestamp), hypothesis: text(h.hypothesis), action: text(h.action), prediction: text(h.prediction),
  }));
  const notes = (Array.isArray(e.notes) ? (e.notes as unknown[]) : []).flatMap((n, i) =>
    typeof n === 'string' ? [{ seq: i + 1, created_at: iso(e.created_at), note: n }] : [],
  );
  ghap.importHistoryAndNotes(String(e.id), history, notes);
}

function importActive(ghap: GhapRepository, e: Entry): boolean {
  const added = ghap.importActive({
    id: String(e.id), session_id: typeof e.session_id === 'string' ? e.session_id : null, domain: text(e.domain), strategy: text(e.strategy),
    goal: text(e.goal), hypothesis: text(e.hypothesis), action: text(e.action), prediction: text(e.prediction),
    iteration_count: typeof e.iteration_count === 'number' ? e.iteration_count : 1, created_at: iso(e.created_at),
  });
  if (added) insertHistoryAndNotes(ghap, e);
  return added;
}

async function importResolved(app: JournalTarget, entries: readonly Entry[]): Promise<{ added: number; experiences: number }> {
  const guard = new CollectionGuard(app.records, () => app.embedder());
  const ghap = new GhapRepository(app.db);
  let added = 0;
  let experiences = 0;
  for (const e of entries) {
    const payload = payloadOf(e);
    const known = (await app.records.info('ghap_full')) !== null && (await app.records.get('ghap_full', [String(e.id)])).length > 0;
    const write = (): void => {
      added += insertGhapEntries(ghap, [payload]);
      insertHistoryAndNotes(ghap, e);
    };
    if (known) {
      app.db.transaction(write)();
      continue;
    }
    const view = payload as unknown as ResolvedView;
    const records = axesFor(view).map((axis) => ({ collection: AXIS_COLLECTIONS[axis], point: toCalmRecord(AXIS_COLLECTIONS[axis], String(e.id), payload, undefined) }));
    for (const r of records) await guard.ensure(r.collection);
    const vectors = await (await app.embedder()).embed(records.map((r) => r.point.text));
    await app.records.upsertWith(
      records.map((r, i) => ({ collection: r.collection, records: [{ id: r.point.id, text: r.point.text, payload: r.point.payload, vector: vectors[i]! } as RecordInput] })),
      write,
    );
    experiences++;
  }
  return { added, experiences };
}

export async function importCalmJournal(app: JournalTarget, journalDir: string): Promise<JournalImport> {
  const damaged: string[] = [];
  const skipped: JournalImport['skipped'] = [];
  let active: string | null = null;
  const current = join(journalDir, 'current_ghap.json');
  if (existsSync(current)) {
    try {
      const e = JSON.parse(readFileSync(current, 'utf8')) as Entry;
      if (typeof e.id !== 'string') throw new Error('no id');
      if (importActive(new GhapRepository(app.db), e)) active = e.id;
      else skipped.push({ what: `active GHAP ${e.id}`, reason: 'calm has an active GHAP already, or this entry' });
    } catch {
      damaged.push(current);
    }
  }
  const files = [join(journalDir, 'session_entries.jsonl')];
  const archive = join(journalDir, 'archive');
  if (existsSync(archive)) for (const f of readdirSync(archive).sort()) if (f.endsWith('.jsonl')) files.push(join(archive, f));
  const byId = new Map<string, Entry>();
  for (const f of files) if (existsSync(f)) for (const e of readJsonLines(f, damaged)) if (e.outcome) byId.set(String(e.id), e);
  const { added, experiences } = await importResolved(app, [...byId.values()]);
  for (const f of ['.session_id', '.tool_count']) {
    if (existsSync(join(journalDir, f))) {
      skipped.push({ what: `journal/${f}`, reason: f === '.session_id' ? "calm's GHAP sessions follow its entries" : 'calm counts tool calls per Claude Code session itself' });
    }
  }
  return { active, resolved_found: byId.size, resolved_added: added, experiences_added: experiences, damaged, skipped };
}
