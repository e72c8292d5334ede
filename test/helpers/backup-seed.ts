/**
 * A home holding every kind of record calm stores, and a fingerprint of all of it (records with their
 * vectors as hex, every relational table row, probe search results) for exact before/after comparisons.
 * When a migration adds a table, `seedEverything` fails until a row for it is added here.
 */
import Database from 'better-sqlite3';
import type { App } from '../../src/app.js';
import { hashEmbed } from '../../src/embedding/hash.js';
import { COLLECTIONS } from '../../src/store/records/collections.js';

const COLLECTION_NAMES = Object.values(COLLECTIONS);
/** Tables that hold no user data of their own, or are the record store itself (covered through records). */
const NOT_SEEDED = new Set(['records', 'record_collections', 'schema_version']);

export async function seedEverything(app: App, n = 5): Promise<void> {
  for (let i = 0; i < n; i++) {
    await app.memory.store({ content: `memory ${i}: sqlite online backups copy pages`, category: 'fact', importance: 0.1 * (i + 1), tags: [`t${i}`] });
  }
  for (const name of COLLECTION_NAMES) {
    await app.records.ensureCollection(name, { embedder: 'hash-v1', dim: 384 });
    await app.records.upsert(
      name,
      Array.from({ length: n }, (_, i) => {
        const text = `${name} record ${i} about ${i % 2 ? 'vectors' : 'journals'} and backups`;
        const vector = hashEmbed(text);
        if (i === 0) vector[383] = -0; // bit-exactness includes the sign of zero
        return { id: `${name}-${i}`, text, payload: { axis: name, i, tags: [`k${i % 3}`], nested: { ok: true } }, vector };
      }),
    );
  }
  const now = '2026-01-01T00:00:00.000Z';
  const db = app.db;
  db.transaction(() => {
    db.prepare(`INSERT INTO tasks (id, title, spec_id, task_type, phase, specialist, notes, blocked_by, worktree_path, project_path, created_at, updated_at)
      VALUES ('SPEC-001', 'Backups', 'SPEC-001', 'feature', 'DESIGN', 'backend', 'notes', '[]', '/wt', '/proj', ?, ?)`).run(now, now);
    db.prepare(`INSERT INTO tasks (id, title, task_type, phase, project_path, created_at, updated_at) VALUES ('BUG-001', 'Bug', 'bug', 'REPORTED', '/proj', ?, ?)`).run(now, now);
    db.prepare(`INSERT INTO workers (id, task_id, role, status, started_at, ended_at, project_path) VALUES ('W-1', 'SPEC-001', 'backend', 'completed', ?, ?, '/proj')`).run(now, now);
    db.prepare(`INSERT INTO reviews (task_id, review_type, result, worker_id, reviewer_notes, created_at) VALUES ('SPEC-001', 'spec', 'approved', 'W-1', 'fine', ?)`).run(now);
    db.prepare(`INSERT INTO test_runs (task_id, passed, failed, skipped, duration_seconds, failed_tests, run_at) VALUES ('SPEC-001', 10, 1, 2, 3.5, '["a"]', ?)`).run(now);
    db.prepare(`INSERT INTO phase_transitions (task_id, from_phase, to_phase, gate_result, gate_details, transitioned_at) VALUES ('SPEC-001', 'SPEC', 'DESIGN', 'pass', '{}', ?)`).run(now);
    db.prepare(`INSERT INTO gate_passes (task_id, transition, commit_sha, passed_at) VALUES ('SPEC-001', 'SPEC-DESIGN', 'abc123', ?)`).run(now);
    db.prepare(`INSERT INTO indexed_files (file_path, project, language, file_hash, unit_count, indexed_at, last_modified) VALUES ('a.ts', 'proj', 'typescript', 'h', 3, ?, ?)`).run(now, now);
    db.prepare(`INSERT INTO git_index_state (repo_path, last_indexed_sha, last_indexed_at, commit_count) VALUES ('/proj', 'abc', ?, 42)`).run(now);
    db.prepare(`INSERT INTO projects (name, root_path, settings, created_at) VALUES ('proj', '/proj', '{}', ?)`).run(now);
    db.prepare(`INSERT INTO call_graph (caller_qualified_name, callee_qualified_name, caller_file, callee_file, project, indexed_at) VALUES ('a.f', 'b.g', 'a.ts', 'b.ts', 'proj', ?)`).run(now);
    db.prepare(`INSERT INTO session_journal (id, created_at, working_directory, project_name, summary, friction_points, next_steps, memories_created) VALUES ('J-1', ?, '/proj', 'proj', 'did things', '["f"]', '["n"]', 2)`).run(now);
    db.prepare(`INSERT INTO sessions (id, created_at, handoff_content, needs_continuation) VALUES ('S-1', ?, 'aGFuZG9mZg==', 1)`).run(now);
    db.prepare(`INSERT INTO ghap_entries (id, session_id, domain, strategy, goal, hypothesis, action, prediction, status, result, created_at, resolved_at, project_path)
      VALUES ('G-1', 'S-1', 'debugging', 'systematic-elimination', 'g', 'h', 'a', 'p', 'confirmed', 'r', ?, ?, '/proj')`).run(now, now);
    db.prepare(`UPDATE counters SET value = 7 WHERE name = 'merges_since_e2e'`).run();
    const has = (table: string): boolean => !!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table);
    if (has('ghap_history')) db.prepare(`INSERT INTO ghap_history (ghap_id, seq, replaced_at, hypothesis, action, prediction) VALUES ('G-1', 1, ?, 'h0', 'a0', 'p0')`).run(now);
    if (has('ghap_notes')) db.prepare(`INSERT INTO ghap_notes (ghap_id, seq, created_at, note) VALUES ('G-1', 1, ?, 'a note')`).run(now);
    if (has('project_settings')) db.prepare(`INSERT INTO project_settings (project_path, key, value, updated_at) VALUES ('/proj', 'k', 'v', ?)`).run(now);
  })();
  const empty = userTables(db).filter((t) => (db.prepare(`SELECT COUNT(*) AS n FROM "${t}"`).get() as { n: number }).n === 0);
  if (empty.length > 0) throw new Error(`seedEverything leaves tables empty: ${empty.join(', ')}; add rows for them in test/helpers/backup-seed.ts`);
}

function userTables(db: Database.Database): string[] {
  return (db
    .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
      AND name NOT LIKE 'vec\\_%' ESCAPE '\\' AND name NOT LIKE 'fts\\_%' ESCAPE '\\' ORDER BY name`)
    .pluck()
    .all() as string[]).filter((t) => !NOT_SEEDED.has(t));
}

const hex = (v: Float32Array | undefined): string => (v ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex') : 'none');

export interface Fingerprint {
  records: Record<string, { id: string; text: string; payload: unknown; createdAt: string; updatedAt: string; vector: string }[]>;
  collections: unknown[];
  tables: Record<string, unknown[]>;
  probes: Record<string, { semantic: [string, number][]; keyword: [string, number][] }>;
}

/** Everything observable: every record with its vector's bytes, every table row, probe searches. */
export async function fingerprint(app: App): Promise<Fingerprint> {
  const records: Fingerprint['records'] = {};
  const probes: Fingerprint['probes'] = {};
  const collections = await app.records.listCollections();
  for (const c of collections) {
    const all = await app.records.scroll(c.name, { limit: 100_000, withVectors: true });
    records[c.name] = all.map((r) => ({ id: r.id, text: r.text, payload: r.payload, createdAt: r.createdAt, updatedAt: r.updatedAt, vector: hex(r.vector) }));
    const query = 'backups about vectors';
    probes[c.name] = {
      semantic: (await app.records.search(c.name, hashEmbed(query), { limit: 5 })).map((r) => [r.id, r.score]),
      keyword: (await app.records.keyword(c.name, query, { limit: 5 })).map((r) => [r.id, r.score]),
    };
  }
  const tables: Fingerprint['tables'] = {};
  for (const t of userTables(app.db)) tables[t] = app.db.prepare(`SELECT * FROM "${t}" ORDER BY rowid`).all();
  return { records, collections, tables, probes };
}

/** A cheap identity of a database file's content (record ids per collection and row counts), read without migrating. */
export function fileFingerprint(file: string): string {
  // read-write open: a killed writer may have left a WAL that needs recovery first
  const db = new Database(file, { fileMustExist: true });
  try {
    const ids = db.prepare('SELECT collection, id, payload FROM records ORDER BY collection, id').all();
    const counts = userTables(db).map((t) => [t, (db.prepare(`SELECT COUNT(*) AS n FROM "${t}"`).get() as { n: number }).n]);
    return JSON.stringify({ ids, counts });
  } finally {
    db.close();
  }
}
