/**
 * @module Recognising a CALM home (the Python project calm replaces; same default `~/.calm`) without
 * changing a byte of it. CALM's `metadata.db` is in WAL mode, and even a read-only SQLite connection
 * writes read marks into its `-shm` file; so the table list is read from an in-memory copy of the main
 * file (header switched to rollback mode: store/db-file.ts `readDatabaseImage`), never from the file itself. A database with calm's recorded
 * schema is calm's, whatever else lies around.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CalmError } from '../../errors.js';

/** CALM's fourteen tables (reference cli-orchestration §5); any of them, without calm's schema, is CALM's database. */
export const CALM_TABLES = [
  'memories', 'session_journal', 'sessions', 'ghap_entries', 'tasks', 'workers', 'reviews', 'test_runs', 'counters',
  'phase_transitions', 'gate_passes', 'indexed_files', 'git_index_state', 'projects', 'call_graph',
] as const;

/** config.yaml keys only CALM writes (`embedding.code_model`, `embedding.semantic_model`, `qdrant.url`). */
const CALM_CONFIG_RE = /^(?:qdrant\s*:|\s+(?:code_model|semantic_model)\s*:)/m;
/** GHAP collector state only CALM keeps. */
const CALM_JOURNAL_FILES = ['.session_id', 'current_ghap.json', 'session_entries.jsonl', '.tool_count'];
/** A database larger than this is not CALM's (CALM's holds orchestration rows only); it is not read. */
const MAX_PROBE_BYTES = 64 * 1024 * 1024;

export interface CalmHomeEvidence {
  readonly home: string;
  /** What marks the home as CALM's, for the message. */
  readonly signs: string[];
}

type DbKind = 'none' | 'calm' | 'CALM' | 'other';

/** The kind of database at `file`, from an in-memory copy of its main file. */
async function databaseKind(file: string): Promise<{ kind: DbKind; tables: string[] }> {
  if (!existsSync(file)) return { kind: 'none', tables: [] };
  if (statSync(file).size > MAX_PROBE_BYTES) return { kind: 'other', tables: [] };
  // loaded only when there is a file to probe: every command checks its home first
  const { readDatabaseImage } = await import('../../store/db-file.js');
  const image = readDatabaseImage(readFileSync(file));
  if (!image) return { kind: 'other', tables: [] };
  // an empty schema_version is what an older calm left behind when it failed on a CALM database
  if (image.schemaRecorded) return { kind: 'calm', tables: image.tables };
  const calms = image.tables.filter((t) => (CALM_TABLES as readonly string[]).includes(t));
  return { kind: calms.length > 0 ? 'CALM' : 'other', tables: calms };
}

/** The evidence that `home` is an un-adopted CALM home, or null when it is calm's, empty or unknown. */
export async function detectCalmHome(home: string): Promise<CalmHomeEvidence | null> {
  const db = await databaseKind(join(home, 'metadata.db'));
  if (db.kind === 'calm') return null;
  const signs: string[] = [];
  if (db.kind === 'CALM') signs.push(`metadata.db holds CALM's tables (${db.tables.join(', ')}) and no calm schema`);
  const configFile = join(home, 'config.yaml');
  try {
    if (CALM_CONFIG_RE.test(readFileSync(configFile, 'utf8'))) signs.push("config.yaml has CALM's keys (embedding.code_model, qdrant.url, ...)");
  } catch {
    // no config file
  }
  const journal = CALM_JOURNAL_FILES.filter((f) => existsSync(join(home, 'journal', f)));
  if (journal.length > 0) signs.push(`journal/ has CALM's files (${journal.join(', ')})`);
  // a database calm does not recognise is left alone unless something else says CALM
  if (db.kind === 'other' || signs.length === 0) return null;
  return { home, signs };
}

/** The message every command but `calm init` gives on a CALM home. */
export function calmHomeError(evidence: CalmHomeEvidence): CalmError {
  return new CalmError(
    'config_error',
    `${evidence.home} is a CALM home (${evidence.signs.join('; ')}).\n` +
      'calm has changed nothing in it. Run `calm init` to bring it over: it first keeps a verified byte-for-byte copy of ' +
      "CALM's files, then imports everything into calm (see `calm init --help`).",
  );
}

export async function assertNotCalmHome(home: string): Promise<void> {
  const evidence = await detectCalmHome(home);
  if (evidence) throw calmHomeError(evidence);
}
