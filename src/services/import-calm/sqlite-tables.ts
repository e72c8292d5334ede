/**
 * @module CALM's SQLite tables (reference: cli-orchestration §5) into calm's database, in one
 * transaction: tasks, workers, reviews, test runs, phase transitions, gate passes, sessions (base64
 * handoffs decoded), the session journal and counters, copied by store/table-copy.ts (the columns both
 * have; running it again adds nothing twice); timestamps become UTC ISO.
 *
 * Not imported, with the reason reported: CALM's `memories` and `ghap_entries` tables (never written by
 * CALM: memories and GHAP lived in Qdrant), and the code/git index state (indexed_files, projects,
 * git_index_state, call_graph), which describes indexes that are re-built with `calm index` and
 * `calm git index` rather than imported.
 */
import type { Db } from '../../store/db.js';
import type { GhapRepository, ImportedGhapRow } from '../../store/ghap-repository.js';
import { openForeignDatabase, tableNames } from '../../store/db-file.js';
import { type CopiedTable, copyTables, type TableToCopy } from '../../store/table-copy.js';
import { calmTimeToIso } from './calm-time.js';

/** One of CALM's tables: rows found, and rows added to calm's (in a dry run: that would be added). */
export type TableImport = CopiedTable;

export const SKIPPED_TABLES: Readonly<Record<string, string>> = {
  memories: 'never written by CALM (its memories are in the Qdrant collection)',
  ghap_entries: "never written by CALM (its GHAP entries are in the Qdrant collection 'ghap_full')",
  indexed_files: 'code index state: re-index with `calm index`',
  projects: 'code index state: re-index with `calm index`',
  git_index_state: 'git index state: re-index with `calm git index`',
  call_graph: 'never filled by CALM',
};

/** In dependency order (reviews and workers refer to tasks). */
const TABLES: readonly TableToCopy[] = [
  { name: 'tasks', key: 'text' },
  { name: 'workers', key: 'text' },
  { name: 'reviews', key: 'numeric' },
  { name: 'test_runs', key: 'numeric' },
  { name: 'phase_transitions', key: 'numeric' },
  { name: 'gate_passes', key: 'numeric' },
  { name: 'sessions', key: 'text' },
  { name: 'session_journal', key: 'text' },
  { name: 'counters', key: 'counter' },
];

const isTimeColumn = (c: string): boolean => c.endsWith('_at');

/** CALM stored handoffs base64-encoded; calm stores the text. */
function decodeHandoff(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  const buf = Buffer.from(raw, 'base64');
  return buf.toString('base64') === raw.replace(/\s/g, '') ? buf.toString('utf8') : raw;
}

/** CALM's value as calm stores it. */
function toCalm(table: string, column: string, value: unknown): unknown {
  if (isTimeColumn(column)) return calmTimeToIso(value);
  if (table === 'sessions' && column === 'handoff_content') return decodeHandoff(value);
  return value;
}

/** CALM's database, opened read-only: the import never writes to it. */
const openSource = openForeignDatabase;

/**
 * Copies CALM's tables from the database at `calmDb` (opened read-only) into `db`. With `dryRun`,
 * the same work runs inside a transaction that is rolled back, so the counts are exact.
 */
export function importCalmTables(db: Db, calmDb: string, dryRun: boolean): TableImport[] {
  const src = openSource(calmDb);
  try {
    return copyTables(db, src, TABLES, toCalm, dryRun);
  } finally {
    src.close();
  }
}

/** Tables CALM's database has that are deliberately not imported, with the reason. */
export function skippedTables(calmDb: string): { table: string; reason: string }[] {
  const src = openSource(calmDb);
  try {
    return tableNames(src).filter((t) => t in SKIPPED_TABLES).map((t) => ({ table: t, reason: SKIPPED_TABLES[t]! }));
  } finally {
    src.close();
  }
}

/** calm's `ghap_entries` row for one of CALM's `ghap_full` payloads (which hold every field CALM kept; history and notes it never stored). */
function ghapRowOf(p: Record<string, unknown>): ImportedGhapRow {
  const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  const rc = (p.root_cause ?? null) as { category?: unknown; description?: unknown } | null;
  const lesson = (p.lesson ?? null) as { what_worked?: unknown; takeaway?: unknown } | null;
  const status = ['confirmed', 'falsified', 'abandoned'].includes(String(p.outcome_status)) ? (String(p.outcome_status) as ImportedGhapRow['status']) : 'abandoned';
  const tier = ['gold', 'silver', 'bronze', 'abandoned'].includes(String(p.confidence_tier)) ? String(p.confidence_tier) : null;
  const resolved = text(p.captured_at) ?? text(p.created_at);
  return {
    // CALM always wrote ghap_id; a payload without one passes null on, as SQLite's TEXT key takes it
    id: text(p.ghap_id) as string, session_id: text(p.session_id), domain: text(p.domain) ?? '', strategy: text(p.strategy) ?? '',
    goal: text(p.goal) ?? '', hypothesis: text(p.hypothesis) ?? '', action: text(p.action) ?? '', prediction: text(p.prediction) ?? '',
    status, result: text(p.outcome_result), surprise: text(p.surprise), root_cause_category: text(rc?.category),
    root_cause_description: text(rc?.description), lesson_what_worked: text(lesson?.what_worked), lesson_takeaway: text(lesson?.takeaway),
    iteration_count: typeof p.iteration_count === 'number' ? p.iteration_count : 1,
    created_at: (text(p.created_at) ?? resolved) as string, resolved_at: resolved, confidence_tier: tier,
  };
}

/** GHAP entries from CALM's `ghap_full` payloads into calm's `ghap_entries` (through its repository). Existing ids are kept. Returns rows added. */
export function insertGhapEntries(ghap: GhapRepository, payloads: readonly Record<string, unknown>[]): number {
  return payloads.filter((p) => ghap.importResolved(ghapRowOf(p))).length;
}
