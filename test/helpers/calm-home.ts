/**
 * A CALM home built from CALM's documented formats (reference cli-orchestration §4.9, §5, §6; internals
 * §1.5): its metadata.db with CALM's DDL, left in WAL mode with a `-wal` and `-shm` beside it as a
 * crashed server leaves them; config.yaml as CALM's init wrote it; the GHAP journal (active entry with
 * history and notes, resolved entries, an archive, a damaged line); customised roles, workflow and skill;
 * a CALM backup (`NAME.db` + `NAME.qdrant/<collection>.snapshot`); and CALM's Qdrant collections on the
 * fake Qdrant server.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';
import { QdrantClient } from '@qdrant/js-client-rest';
import { pointId } from '../../src/store/records/qdrant/index.js';
import { prng, randomUnit } from './random.js';

const CALM_DIM = 768;

export const CALM_DDL = `
  CREATE TABLE memories (id TEXT PRIMARY KEY, content TEXT NOT NULL, category TEXT NOT NULL CHECK (category IN ('preference','fact','event','workflow','context','error','decision')),
    importance REAL DEFAULT 0.5 CHECK (importance >= 0 AND importance <= 1), tags TEXT, created_at TEXT NOT NULL, embedding_id TEXT);
  CREATE INDEX idx_memories_category ON memories(category);
  CREATE TABLE session_journal (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, working_directory TEXT NOT NULL, project_name TEXT, session_log_path TEXT,
    summary TEXT NOT NULL, friction_points TEXT, next_steps TEXT, reflected_at TEXT, memories_created INTEGER DEFAULT 0);
  CREATE TABLE sessions (id TEXT PRIMARY KEY, created_at TEXT NOT NULL, handoff_content TEXT, needs_continuation INTEGER DEFAULT 0, resumed_at TEXT);
  CREATE TABLE ghap_entries (id TEXT PRIMARY KEY, session_id TEXT, domain TEXT NOT NULL, strategy TEXT NOT NULL, goal TEXT NOT NULL, hypothesis TEXT NOT NULL,
    action TEXT NOT NULL, prediction TEXT NOT NULL, status TEXT DEFAULT 'active' CHECK (status IN ('active','confirmed','falsified','abandoned')), result TEXT, surprise TEXT,
    root_cause_category TEXT, root_cause_description TEXT, lesson_what_worked TEXT, lesson_takeaway TEXT, iteration_count INTEGER DEFAULT 1, created_at TEXT NOT NULL,
    resolved_at TEXT, project_path TEXT);
  CREATE TABLE tasks (id TEXT PRIMARY KEY, title TEXT NOT NULL, spec_id TEXT, task_type TEXT DEFAULT 'feature' CHECK (task_type IN ('feature','bug')), phase TEXT NOT NULL,
    specialist TEXT, notes TEXT, blocked_by TEXT, worktree_path TEXT, project_path TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
  CREATE TABLE workers (id TEXT PRIMARY KEY, task_id TEXT NOT NULL REFERENCES tasks(id), role TEXT NOT NULL, status TEXT DEFAULT 'active', started_at TEXT NOT NULL,
    ended_at TEXT, project_path TEXT);
  CREATE TABLE reviews (id INTEGER PRIMARY KEY AUTOINCREMENT, task_id TEXT NOT NULL REFERENCES tasks(id), review_type TEXT NOT NULL, result TEXT NOT NULL,
    worker_id TEXT, reviewer_notes TEXT, created_at TEXT NOT NULL);
  CREATE TABLE test_runs (id INTEGER PRIMARY KEY AUTOINCREMENT, task_id TEXT NOT NULL REFERENCES tasks(id), passed INTEGER NOT NULL, failed INTEGER NOT NULL,
    skipped INTEGER DEFAULT 0, duration_seconds REAL, failed_tests TEXT, run_at TEXT NOT NULL);
  CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER DEFAULT 0);
  CREATE TABLE phase_transitions (id INTEGER PRIMARY KEY AUTOINCREMENT, task_id TEXT NOT NULL REFERENCES tasks(id), from_phase TEXT NOT NULL, to_phase TEXT NOT NULL,
    gate_result TEXT, gate_details TEXT, transitioned_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);
  CREATE TABLE gate_passes (id INTEGER PRIMARY KEY AUTOINCREMENT, task_id TEXT NOT NULL, transition TEXT NOT NULL, commit_sha TEXT NOT NULL,
    passed_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP, UNIQUE(task_id, transition, commit_sha));
  CREATE TABLE indexed_files (id INTEGER PRIMARY KEY AUTOINCREMENT, file_path TEXT NOT NULL, project TEXT NOT NULL, language TEXT NOT NULL, file_hash TEXT NOT NULL,
    unit_count INTEGER NOT NULL DEFAULT 0, indexed_at TEXT NOT NULL, last_modified TEXT NOT NULL, UNIQUE(file_path, project));
  CREATE TABLE git_index_state (id INTEGER PRIMARY KEY AUTOINCREMENT, repo_path TEXT NOT NULL UNIQUE, last_indexed_sha TEXT, last_indexed_at TEXT, commit_count INTEGER DEFAULT 0);
  CREATE TABLE projects (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, root_path TEXT NOT NULL, settings TEXT NOT NULL, created_at TEXT NOT NULL, last_indexed TEXT);
`;

const CALM_ROWS = `
  INSERT INTO counters VALUES ('merge_lock', 0), ('merges_since_e2e', 3), ('merges_since_docs', 1);
  INSERT INTO tasks VALUES ('SPEC-001', 'Search by tag', NULL, 'feature', 'IMPLEMENT', 'backend', 'notes here', '[]', NULL, '/work/proj', '2025-12-01T10:00:00', '2025-12-02T11:30:00');
  INSERT INTO workers VALUES ('W-1', 'SPEC-001', 'backend', 'completed', '2025-12-01T10:05:00', '2025-12-01T12:00:00', '/work/proj');
  INSERT INTO reviews (task_id, review_type, result, worker_id, reviewer_notes, created_at) VALUES ('SPEC-001', 'spec', 'approved', 'W-1', 'looks good', '2025-12-01T13:00:00');
  INSERT INTO test_runs (task_id, passed, failed, skipped, duration_seconds, run_at) VALUES ('SPEC-001', 41, 0, 2, 12.5, '2025-12-02T09:00:00');
  INSERT INTO phase_transitions (task_id, from_phase, to_phase, gate_result, transitioned_at) VALUES ('SPEC-001', 'DESIGN', 'IMPLEMENT', 'pass', '2025-12-01 14:00:00');
  INSERT INTO gate_passes (task_id, transition, commit_sha, passed_at) VALUES ('SPEC-001', 'DESIGN-IMPLEMENT', 'abc1234', '2025-12-01 14:00:00');
  INSERT INTO session_journal VALUES ('j-1', '2025-12-05T18:00:00', '/work/proj', 'proj', NULL, 'Worked on tag search', '["slow tests"]', '["add index"]', NULL, 0);
  INSERT INTO indexed_files (file_path, project, language, file_hash, indexed_at, last_modified) VALUES ('/work/proj/a.py', 'proj', 'python', 'h', '2025-12-01T00:00:00', '2025-12-01T00:00:00');
`;

export const MEMORY_ID = '3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f';
export const memories = [
  { id: MEMORY_ID, content: 'The staging database listens on port 5433', category: 'fact', importance: 0.9, tags: ['db', 'staging'], created_at: '2025-12-06T17:55:30.687882+00:00' },
  { id: 'a8d7c6b5-0000-4000-8000-000000000002', content: 'Prefer pnpm over npm in this monorepo', category: 'preference', importance: 0.5, tags: [], created_at: '2025-12-07T09:00:00+00:00' },
];
/** In Qdrant and (as CALM's collector appends) in session_entries.jsonl. */
export const inQdrant = {
  ghap_id: 'ghap_20251206_175530_a1b2c3', session_id: 'session_20251206_170000_d4e5f6', created_at: '2025-12-06T17:55:30.687882+00:00',
  captured_at: 1765044000.5, domain: 'debugging', strategy: 'root-cause-analysis', outcome_status: 'falsified', confidence_tier: 'silver',
  iteration_count: 1, goal: 'Fix the flaky login test', hypothesis: 'The session cookie expires early', action: 'Extended the cookie TTL',
  prediction: 'The test passes ten times in a row', outcome_result: 'Still flaky', surprise: 'The clock in CI drifts',
  root_cause: { category: 'environment-issue', description: 'CI containers have an unsynchronised clock' },
  lesson: { what_worked: 'Freezing time in the test', takeaway: null },
};
export const VALUE_ID = 'b1c2d3e4-0000-4000-8000-00000000000a';

/** Resolved entries only in CALM's journal files (its Qdrant never got them). */
export const journalOnly = {
  id: 'ghap_20251208_101500_cafe01', session_id: 'session_20251208_100000_beef02', created_at: '2025-12-08T10:15:00.123456Z',
  domain: 'feature', strategy: 'divide-and-conquer', goal: 'Add tag autocompletion to the search box',
  hypothesis: 'A prefix index over tags answers fast enough', action: 'Built a trie of tags', prediction: 'Suggestions appear within 20 ms',
  history: [{ timestamp: '2025-12-08T10:20:00Z', hypothesis: 'A LIKE query is enough', action: 'Queried with LIKE', prediction: 'Fast enough' }],
  iteration_count: 2, notes: ['LIKE was too slow on 1M tags'],
  outcome: { status: 'confirmed', result: 'Autocompletion answers in 4 ms', captured_at: '2025-12-08T11:00:00Z', auto_captured: false },
  lesson: { what_worked: 'A trie over the tag vocabulary', takeaway: null }, confidence_tier: 'silver',
};
export const archived = {
  id: 'ghap_20251201_090000_a0a0a0', session_id: 'session_20251201_085900_b0b0b0', created_at: '2025-12-01T09:00:00Z',
  domain: 'refactoring', strategy: 'systematic-elimination', goal: 'Untangle the payment module imports',
  hypothesis: 'A cycle through utils causes the import errors', action: 'Moved helpers out of utils', prediction: 'The import errors vanish',
  history: [], iteration_count: 1, notes: [],
  outcome: { status: 'confirmed', result: 'No more circular imports', captured_at: '2025-12-01T10:00:00Z', auto_captured: false },
  confidence_tier: 'silver',
};
export const active = {
  id: 'ghap_20251209_080000_dd11ee', session_id: 'session_20251209_075500_ff2233', created_at: '2025-12-09T08:00:00Z',
  domain: 'debugging', strategy: 'check-assumptions', goal: 'Find why the nightly export is empty',
  hypothesis: 'The cron job runs before the data lands', action: 'Moved the cron to 03:00', prediction: 'Tomorrow the export has rows',
  history: [
    { timestamp: '2025-12-09T08:10:00Z', hypothesis: 'The export query filters everything', action: 'Ran the query by hand', prediction: 'It returns nothing' },
  ],
  iteration_count: 2, notes: ['The query returned rows by hand'],
};

export const CUSTOM_ROLE = '# Backend\nMy own backend role, edited over months.\n';

export interface CalmPoint { readonly id: string; readonly payload: Record<string, unknown> }

/** One collection as CALM lays it out: no calm metadata, UUIDv5 point ids, `_original_id`, random unit vectors. */
export async function putCalmPoints(client: QdrantClient, rand: () => number, collection: string, points: readonly CalmPoint[]): Promise<void> {
  await client.createCollection(collection, { vectors: { size: CALM_DIM, distance: 'Cosine' } });
  await client.upsert(collection, {
    wait: true,
    points: points.map((p) => ({ id: pointId(p.id), vector: Array.from(randomUnit(rand, CALM_DIM)), payload: { ...p.payload, _original_id: p.id } })),
  });
}

/** CALM's Qdrant collections on the fake server: no calm metadata, UUIDv5 point ids, `_original_id`. */
export async function seedCalmQdrant(url: string): Promise<void> {
  const client = new QdrantClient({ url, checkCompatibility: false });
  const rand = prng(7);
  const put = (collection: string, points: CalmPoint[]): Promise<void> => putCalmPoints(client, rand, collection, points);
  await put('memories', memories.map((m) => ({ id: m.id, payload: m })));
  for (const axis of ['full', 'strategy', 'surprise', 'root_cause']) await put(`ghap_${axis}`, [{ id: inQdrant.ghap_id, payload: { ...inQdrant, axis } }]);
  await put('values', [{ id: VALUE_ID, payload: {
    id: VALUE_ID, text: 'Check the environment before blaming the code', cluster_id: 'full_0', axis: 'full', cluster_size: 5,
    member_ids: [inQdrant.ghap_id], similarity_to_centroid: 0.91, validated_at: 1765100000.25, created_at: '2025-12-07T10:00:00+00:00',
  } }]);
}

/** CALM's journal line for the entry also in Qdrant. */
function inQdrantJournalLine(): Record<string, unknown> {
  return {
    id: inQdrant.ghap_id, session_id: inQdrant.session_id, created_at: '2025-12-06T17:55:30.687882Z', domain: inQdrant.domain, strategy: inQdrant.strategy,
    goal: inQdrant.goal, hypothesis: inQdrant.hypothesis, action: inQdrant.action, prediction: inQdrant.prediction,
    history: [], iteration_count: 1, notes: ['checked the CI clock'],
    outcome: { status: 'falsified', result: inQdrant.outcome_result, captured_at: '2025-12-06T18:00:00.5Z', auto_captured: false },
    surprise: inQdrant.surprise, root_cause: inQdrant.root_cause, lesson: inQdrant.lesson, confidence_tier: 'silver',
  };
}

/** Writes a CALM home at `home`; CALM's config points at `qdrantUrl`. */
export function buildCalmHome(home: string, qdrantUrl: string): void {
  mkdirSync(home, { recursive: true });
  // the database: written in WAL mode and copied while still open, as a server killed mid-run leaves it
  const scratch = mkdtempSync(join(tmpdir(), 'calm-fixture-'));
  try {
    const file = join(scratch, 'metadata.db');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.exec(CALM_DDL);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.pragma('wal_autocheckpoint = 0');
    db.exec(CALM_ROWS);
    db.prepare('INSERT INTO sessions VALUES (?, ?, ?, 1, NULL)').run('ab12cd34', '2025-12-05T18:30:00', Buffer.from('# Handoff\nContinue the tag search — émoji ✓').toString('base64'));
    for (const s of ['', '-wal', '-shm']) copyFileSync(file + s, join(home, `metadata.db${s}`));
    db.close();
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  writeFileSync(join(home, 'config.yaml'), [
    '# CALM configuration', 'server:', '  host: 127.0.0.1', '  port: 6335', '  log_level: info',
    'embedding:', '  code_model: sentence-transformers/all-MiniLM-L6-v2', '  semantic_model: nomic-ai/nomic-embed-text-v1.5', 'qdrant:', `  url: ${qdrantUrl}`, '',
  ].join('\n'));
  const journal = join(home, 'journal');
  mkdirSync(join(journal, 'archive'), { recursive: true });
  writeFileSync(join(journal, '.session_id'), active.session_id);
  writeFileSync(join(journal, '.tool_count'), '17');
  writeFileSync(join(journal, 'current_ghap.json'), JSON.stringify(active, null, 2));
  writeFileSync(join(journal, 'session_entries.jsonl'), [JSON.stringify(inQdrantJournalLine()), '{"id": "ghap_broken', JSON.stringify(journalOnly), ''].join('\n'));
  writeFileSync(join(journal, 'archive', `20251201_${archived.session_id}.jsonl`), `${JSON.stringify(archived)}\n`);
  for (const d of ['roles', 'workflows', 'skills', 'sessions', 'backups/20251201_120000.qdrant']) mkdirSync(join(home, d), { recursive: true });
  writeFileSync(join(home, 'roles', 'backend.md'), CUSTOM_ROLE);
  writeFileSync(join(home, 'workflows', 'default.md'), '# My workflow\n');
  writeFileSync(join(home, 'skills', 'wrapup.md'), '# My wrapup\n');
  copyFileSync(join(home, 'metadata.db'), join(home, 'backups', '20251201_120000.db'));
  writeFileSync(join(home, 'backups', '20251201_120000.qdrant', 'memories.snapshot'), Buffer.from('not a real snapshot, only bytes to keep'));
  writeFileSync(join(home, 'hook_errors.log'), '[2025-12-01T00:00:00.000000Z] hook=session_start exception=OSError message=x\n\n');
}

export interface FileState {
  readonly sha256: string;
  readonly mtimeMs: number;
}

/** sha256 and mtime of every file under `root` (every -wal and -shm included), by relative path. */
export function snapshotFiles(root: string, skip: (rel: string) => boolean = () => false): Map<string, FileState> {
  const out = new Map<string, FileState>();
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const abs = join(dir, name);
      const rel = relative(root, abs);
      if (skip(rel)) continue;
      const st = lstatSync(abs);
      if (st.isDirectory()) walk(abs);
      else out.set(rel, { sha256: createHash('sha256').update(readFileSync(abs)).digest('hex'), mtimeMs: st.mtimeMs });
    }
  };
  walk(root);
  return out;
}

/** A memory only in the CALM backup written by writeCalmBackup (CALM's live Qdrant no longer has it). */
export const BACKUP_MEMORY = { id: 'c0ffee00-0000-4000-8000-0000000000b1', content: 'Backups of the old cluster lived on the NAS', category: 'fact', importance: 0.7, tags: ['nas'], created_at: '2025-11-30T08:00:00+00:00' };
export const BACKUP_TASK = 'SPEC-000';

/**
 * One of CALM's backups as CALM's `calm backup create` leaves it (reference cli-orchestration §4.9):
 * `backups/NAME.db`, a copy of CALM's database (here with a task only it has), and `NAME.qdrant/` with
 * a snapshot of each collection, taken through the Qdrant server at `url` (the fake server's snapshot
 * format: only a Qdrant server reads a snapshot). The collections are created for the snapshot and
 * dropped again, so the live Qdrant does not hold what only the backup has.
 */
export async function writeCalmBackup(home: string, url: string, name: string): Promise<void> {
  const client = new QdrantClient({ url, checkCompatibility: false });
  const rand = prng(11);
  const dir = join(home, 'backups', `${name}.qdrant`);
  mkdirSync(dir, { recursive: true });
  const { QdrantSnapshotClient } = await import('../../src/store/records/qdrant/snapshots.js');
  const snaps = new QdrantSnapshotClient(url);
  const collections: [string, CalmPoint[]][] = [
    ['memories', [{ id: BACKUP_MEMORY.id, payload: BACKUP_MEMORY }, { id: MEMORY_ID, payload: memories[0]! }]],
    ['ghap_full', [{ id: inQdrant.ghap_id, payload: { ...inQdrant, axis: 'full' } }]],
  ];
  for (const [c, points] of collections) {
    const scratch = `backup-scratch-${c}`;
    await putCalmPoints(client, rand, scratch, points);
    await snaps.snapshotTo(scratch, join(dir, `${c}.snapshot`));
    await client.deleteCollection(scratch);
  }
  const db = join(home, 'backups', `${name}.db`);
  const scratch = mkdtempSync(join(tmpdir(), 'calm-fixture-'));
  try {
    const file = join(scratch, 'metadata.db');
    const d = new Database(file);
    d.exec(CALM_DDL);
    d.exec(CALM_ROWS);
    d.prepare("INSERT INTO tasks VALUES (?, 'An older task', NULL, 'feature', 'SPEC', NULL, NULL, '[]', NULL, '/work/proj', '2025-11-29T10:00:00', '2025-11-29T10:00:00')").run(BACKUP_TASK);
    d.pragma('journal_mode = WAL');
    d.close();
    copyFileSync(file, db);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
