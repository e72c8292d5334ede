/**
 * @module Numbered schema migrations. Each runs once, in its own transaction, and is recorded in
 * `schema_version`. Never edit a released migration: add a new one.
 *
 * Tables follow CALM's (reference §5) with UTC ISO timestamps, except CALM's `memories` table: nothing
 * ever wrote it there, and in calm memories are records of the `memories` collection (table `records`),
 * so keeping an empty twin would only mislead readers.
 */
import type { Database } from 'better-sqlite3';
import { createBandTable, fillBandTable } from './records/sqlite-vec/band-index.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  up(db: Database): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'calm tables: orchestration, journal, sessions, ghap, code and git index state',
    up(db) {
      db.exec(`
        CREATE TABLE session_journal (
          id TEXT PRIMARY KEY,
          created_at TEXT NOT NULL,
          working_directory TEXT NOT NULL,
          project_name TEXT,
          session_log_path TEXT,
          summary TEXT NOT NULL,
          friction_points TEXT,
          next_steps TEXT,
          reflected_at TEXT,
          memories_created INTEGER DEFAULT 0
        );
        CREATE INDEX idx_journal_reflected ON session_journal(reflected_at);
        CREATE INDEX idx_journal_project ON session_journal(project_name);
        CREATE INDEX idx_journal_directory ON session_journal(working_directory);

        CREATE TABLE sessions (
          id TEXT PRIMARY KEY,
          created_at TEXT NOT NULL,
          handoff_content TEXT,
          needs_continuation INTEGER DEFAULT 0,
          resumed_at TEXT
        );
        CREATE INDEX idx_sessions_pending ON sessions(needs_continuation, resumed_at);

        CREATE TABLE ghap_entries (
          id TEXT PRIMARY KEY,
          session_id TEXT,
          domain TEXT NOT NULL,
          strategy TEXT NOT NULL,
          goal TEXT NOT NULL,
          hypothesis TEXT NOT NULL,
          action TEXT NOT NULL,
          prediction TEXT NOT NULL,
          status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'confirmed', 'falsified', 'abandoned')),
          result TEXT,
          surprise TEXT,
          root_cause_category TEXT,
          root_cause_description TEXT,
          lesson_what_worked TEXT,
          lesson_takeaway TEXT,
          iteration_count INTEGER DEFAULT 1,
          created_at TEXT NOT NULL,
          resolved_at TEXT,
          project_path TEXT
        );
        CREATE INDEX idx_ghap_status ON ghap_entries(status);
        CREATE INDEX idx_ghap_project ON ghap_entries(project_path);

        CREATE TABLE tasks (
          id TEXT PRIMARY KEY,
          title TEXT NOT NULL,
          spec_id TEXT,
          task_type TEXT NOT NULL DEFAULT 'feature' CHECK (task_type IN ('feature', 'bug')),
          phase TEXT NOT NULL,
          specialist TEXT,
          notes TEXT,
          blocked_by TEXT,
          worktree_path TEXT,
          project_path TEXT NOT NULL,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
        CREATE INDEX idx_tasks_phase ON tasks(phase);
        CREATE INDEX idx_tasks_project ON tasks(project_path);
        CREATE INDEX idx_tasks_type ON tasks(task_type);

        CREATE TABLE workers (
          id TEXT PRIMARY KEY,
          task_id TEXT NOT NULL REFERENCES tasks(id),
          role TEXT NOT NULL,
          status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed', 'failed', 'session_ended')),
          started_at TEXT NOT NULL,
          ended_at TEXT,
          project_path TEXT
        );
        CREATE INDEX idx_workers_status ON workers(status);
        CREATE INDEX idx_workers_task ON workers(task_id);

        CREATE TABLE reviews (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          task_id TEXT NOT NULL REFERENCES tasks(id),
          review_type TEXT NOT NULL CHECK (review_type IN ('spec', 'proposal', 'code', 'bugfix')),
          result TEXT NOT NULL CHECK (result IN ('approved', 'changes_requested')),
          worker_id TEXT,
          reviewer_notes TEXT,
          created_at TEXT NOT NULL
        );
        CREATE INDEX idx_reviews_task ON reviews(task_id);
        CREATE INDEX idx_reviews_type ON reviews(review_type);

        CREATE TABLE test_runs (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          task_id TEXT NOT NULL REFERENCES tasks(id),
          passed INTEGER NOT NULL,
          failed INTEGER NOT NULL,
          skipped INTEGER DEFAULT 0,
          duration_seconds REAL,
          failed_tests TEXT,
          run_at TEXT NOT NULL
        );

        CREATE TABLE counters (
          name TEXT PRIMARY KEY,
          value INTEGER NOT NULL DEFAULT 0
        );
        INSERT OR IGNORE INTO counters (name, value) VALUES ('merge_lock', 0), ('merges_since_e2e', 0), ('merges_since_docs', 0);

        CREATE TABLE phase_transitions (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          task_id TEXT NOT NULL REFERENCES tasks(id),
          from_phase TEXT NOT NULL,
          to_phase TEXT NOT NULL,
          gate_result TEXT,
          gate_details TEXT,
          transitioned_at TEXT NOT NULL
        );
        CREATE INDEX idx_transitions_task ON phase_transitions(task_id);

        CREATE TABLE gate_passes (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          task_id TEXT NOT NULL,
          transition TEXT NOT NULL,
          commit_sha TEXT NOT NULL,
          passed_at TEXT NOT NULL,
          UNIQUE (task_id, transition, commit_sha)
        );
        CREATE INDEX idx_gate_passes_task ON gate_passes(task_id, transition);

        CREATE TABLE indexed_files (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          file_path TEXT NOT NULL,
          project TEXT NOT NULL,
          language TEXT NOT NULL,
          file_hash TEXT NOT NULL,
          unit_count INTEGER NOT NULL DEFAULT 0,
          indexed_at TEXT NOT NULL,
          last_modified TEXT NOT NULL,
          UNIQUE (file_path, project)
        );
        CREATE INDEX idx_indexed_files_project ON indexed_files(project);
        CREATE INDEX idx_indexed_files_modified ON indexed_files(last_modified);

        CREATE TABLE git_index_state (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          repo_path TEXT NOT NULL UNIQUE,
          last_indexed_sha TEXT,
          last_indexed_at TEXT,
          commit_count INTEGER DEFAULT 0
        );

        CREATE TABLE projects (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          name TEXT NOT NULL UNIQUE,
          root_path TEXT NOT NULL,
          settings TEXT NOT NULL DEFAULT '{}',
          created_at TEXT NOT NULL,
          last_indexed TEXT
        );

        CREATE TABLE call_graph (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          caller_qualified_name TEXT NOT NULL,
          callee_qualified_name TEXT NOT NULL,
          caller_file TEXT NOT NULL,
          callee_file TEXT NOT NULL,
          project TEXT NOT NULL,
          indexed_at TEXT NOT NULL,
          UNIQUE (caller_qualified_name, callee_qualified_name, project)
        );
        CREATE INDEX idx_call_graph_caller ON call_graph(caller_qualified_name, project);
        CREATE INDEX idx_call_graph_callee ON call_graph(callee_qualified_name, project);
      `);
    },
  },
  {
    version: 2,
    name: 'record store: collections, records (vectors and keyword index live in per-collection tables)',
    up(db) {
      db.exec(`
        CREATE TABLE record_collections (
          name TEXT PRIMARY KEY,
          embedder TEXT NOT NULL,
          dim INTEGER NOT NULL CHECK (dim > 0),
          vec_table TEXT NOT NULL,
          fts_table TEXT NOT NULL,
          pending_embedder TEXT,
          pending_dim INTEGER,
          pending_vec_table TEXT,
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL
        );
        CREATE TABLE records (
          rid INTEGER PRIMARY KEY,
          collection TEXT NOT NULL REFERENCES record_collections(name) ON DELETE CASCADE,
          id TEXT NOT NULL,
          text TEXT NOT NULL,
          payload TEXT NOT NULL CHECK (json_valid(payload)),
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          UNIQUE (collection, id)
        );
      `);
    },
  },
  {
    version: 3,
    name: 'ghap: iteration history, notes, confidence tier, optimistic version, at most one active entry',
    up(db) {
      db.exec(`
        -- CALM's table was never written; should an imported one hold several active rows, keep the newest
        UPDATE ghap_entries SET status = 'abandoned', resolved_at = COALESCE(resolved_at, created_at)
         WHERE status = 'active' AND id <> (SELECT id FROM ghap_entries WHERE status = 'active' ORDER BY created_at DESC, id DESC LIMIT 1);
        ALTER TABLE ghap_entries ADD COLUMN confidence_tier TEXT
          CHECK (confidence_tier IS NULL OR confidence_tier IN ('gold', 'silver', 'bronze', 'abandoned'));
        ALTER TABLE ghap_entries ADD COLUMN auto_captured INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE ghap_entries ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE ghap_entries ADD COLUMN updated_at TEXT;
        CREATE UNIQUE INDEX idx_ghap_one_active ON ghap_entries(status) WHERE status = 'active';
        CREATE INDEX idx_ghap_resolved ON ghap_entries(resolved_at);
        CREATE TABLE ghap_history (
          ghap_id TEXT NOT NULL REFERENCES ghap_entries(id) ON DELETE CASCADE,
          seq INTEGER NOT NULL,
          replaced_at TEXT NOT NULL,
          hypothesis TEXT NOT NULL,
          action TEXT NOT NULL,
          prediction TEXT NOT NULL,
          PRIMARY KEY (ghap_id, seq)
        );
        CREATE TABLE ghap_notes (
          ghap_id TEXT NOT NULL REFERENCES ghap_entries(id) ON DELETE CASCADE,
          seq INTEGER NOT NULL,
          created_at TEXT NOT NULL,
          note TEXT NOT NULL,
          PRIMARY KEY (ghap_id, seq)
        );
      `);
    },
  },
  {
    version: 4,
    name: 'orchestration: forced transitions with a reason, gate commit per transition, task base branch, worker end reason, project settings',
    up(db) {
      db.exec(`
        ALTER TABLE phase_transitions ADD COLUMN commit_sha TEXT;
        ALTER TABLE phase_transitions ADD COLUMN forced INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE phase_transitions ADD COLUMN reason TEXT;
        ALTER TABLE tasks ADD COLUMN base_branch TEXT;
        ALTER TABLE workers ADD COLUMN reason TEXT;
        CREATE TABLE project_settings (
          project_path TEXT NOT NULL,
          key TEXT NOT NULL,
          value TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          PRIMARY KEY (project_path, key)
        );
      `);
    },
  },
  {
    version: 5,
    name: 'code index: the unit ids of each indexed file (a changed or deleted file drops exactly its units)',
    up(db) {
      db.exec(`ALTER TABLE indexed_files ADD COLUMN unit_ids TEXT NOT NULL DEFAULT '[]';`);
    },
  },
  {
    version: 6,
    name: 'memories: created_ts (seconds since the epoch) beside created_at, so since/until filter by number',
    up(db) {
      // julianday() reads calm's ISO strings (with Z or an offset); a record without a readable date gets none
      db.exec(`
        UPDATE records
           SET payload = json_set(payload, '$.created_ts', round((julianday(json_extract(payload, '$.created_at')) - 2440587.5) * 86400000.0) / 1000.0)
         WHERE collection = 'memories'
           AND json_type(payload, '$.created_ts') IS NULL
           AND julianday(json_extract(payload, '$.created_at')) IS NOT NULL;
      `);
    },
  },
  {
    version: 7,
    name: 'record store: an index per scroll order (collection, created_at, id) and a record count kept per collection',
    up(db) {
      // The index expression must be the one `scroll` writes (a literal path), or SQLite cannot use it.
      // Triggers also fire for the cascade when a collection is dropped.
      db.exec(`
        CREATE INDEX idx_records_created_at ON records(collection, json_extract(payload, '$.created_at'), id);
        ALTER TABLE record_collections ADD COLUMN record_count INTEGER NOT NULL DEFAULT 0;
        UPDATE record_collections SET record_count = (SELECT COUNT(*) FROM records WHERE records.collection = record_collections.name);
        CREATE TRIGGER trg_records_count_insert AFTER INSERT ON records BEGIN
          UPDATE record_collections SET record_count = record_count + 1 WHERE name = NEW.collection;
        END;
        CREATE TRIGGER trg_records_count_delete AFTER DELETE ON records BEGIN
          UPDATE record_collections SET record_count = record_count - 1 WHERE name = OLD.collection;
        END;
      `);
    },
  },
  {
    version: 8,
    name: 'record store: a near-duplicate band index beside each vector table (<vec table>_lsh), filled from the stored vectors and texts',
    up(db) {
      const rows = db.prepare('SELECT vec_table, pending_vec_table FROM record_collections').all() as {
        vec_table: string; pending_vec_table: string | null;
      }[];
      const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").pluck();
      for (const table of rows.flatMap((r) => [r.vec_table, r.pending_vec_table])) {
        // a collection row whose vector table is gone is the consistency check's to report, not a reason to refuse the file
        if (!table || !exists.get(table)) continue;
        createBandTable(db, table);
        fillBandTable(db, table); // in batches of 1000 vectors
      }
    },
  },
];

export const SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));
