// The API's answers as the page reads them (docs/dashboard-api.md). Fields a newer server adds are optional.
export interface MemorySummary {
  id: string;
  /** Search results: the whole content; list rows: its first 300 characters, `truncated` when cut. */
  content?: string;
  truncated?: boolean;
  category: string;
  importance: number;
  tags: string[];
  created_at: string;
  updated_at?: string;
  project?: string;
  score?: number;
}
export interface MemoryPage { results: MemorySummary[]; count: number; total?: number; next_cursor?: string }
export interface MemoryDetail extends MemorySummary {
  content: string;
  history?: { content: string; category: string; importance: number; tags: string[]; replaced_at: string }[];
}

export interface GhapEntry {
  id: string;
  status?: string;
  domain: string;
  strategy: string;
  goal?: string;
  hypothesis?: string;
  action?: string;
  prediction?: string;
  iteration_count: number;
  history?: { timestamp: string; hypothesis?: string; action?: string; prediction?: string; strategy?: string }[];
  notes?: { created_at: string; note: string }[];
  created_at: string;
  outcome_status?: string;
  outcome?: { status?: string; result?: string } | null;
  result?: string | null;
  surprise?: string | null;
  root_cause?: { category: string; description: string } | null;
  lesson?: { what_worked: string; takeaway?: string } | null;
  confidence_tier?: string | null;
  captured_at?: string | null;
}
export interface ProjectedPoint { id: string; x: number; y: number; label: number; text: string }
export type Projection =
  | { axis: string; enough: false; message: string; experiences: number }
  | { axis: string; enough: true; experiences: number; clusters: { cluster_id: string; label: number; size: number }[]; noise_count: number; points: ProjectedPoint[]; sampled: boolean };
export interface ValueItem {
  id: string;
  text: string;
  cluster_id: string;
  axis: string;
  validated_at: string;
  distance_to_centroid?: number;
  member_count: number | null;
  member_ids: string[];
  /** The experiences the value was validated on (the first 50), closest to the centroid first. */
  evidence: { id: string; text: string }[];
}

export interface CodeOverview {
  indexed: { project: string; language: string; files: number; units: number; last_indexed_at: string | null }[];
  totals: { total_files: number; total_units: number; languages: Record<string, number>; projects: string[] };
  repositories: { repo_path: string; last_indexed_sha: string | null; last_indexed_at: string | null; commit_count: number }[];
}
export interface Hotspot {
  path: string; commit_count: number; total_insertions: number; total_deletions: number; authors: string[]; last_changed: string;
  /** Commits in the period per author, most first. */
  author_commits: { author: string; commit_count: number }[];
}

export interface Task {
  id: string;
  title: string;
  task_type: string;
  phase: string;
  specialist: string | null;
  blocked_by: string[];
  worktree_path: string | null;
  updated_at: string;
  next_gate: { transition: string; checks: { name: string; description: string }[] } | null;
  gate_passes: { transition: string; commit_sha?: string; passed_at?: string }[];
  reviews: { id: number; review_type: string; result: string; worker_id: string | null; reviewer_notes: string | null; created_at: string }[];
  workers: { id: string; role?: string; status?: string; started_at?: string }[];
}
export interface Board { project_path: string; phases: Record<string, string[]>; tasks: Task[] }

export interface Backup {
  name: string;
  kind: string;
  created_at: string;
  size: number;
  backend: string;
  partial: boolean;
  records: number;
  /** What the last verify found; null when never verified (or the backup was replaced since). */
  last_verified?: { ok: boolean; problems: number; verified_at: string } | null;
  /** Why the backup cannot be read, when it cannot. */
  damaged?: string;
}
export interface VerifyReport { name: string; ok: boolean; files: number; problems: { file?: string; message?: string; problem?: string }[] }
export interface RestoreResult { name: string; safety_backup: string | null; records: number; daemon_pid: number | null }
export interface Status {
  version: string;
  home: string;
  backend: string;
  embedder: { setting: string; id: string; source: string };
  collections: { name: string; embedder: string; dim: number; count: number }[];
  tables: Record<string, number>;
  database?: { path: string; sizeBytes: number; schemaVersion: number };
}
export interface Doctor { healthy: boolean; checks: { name: string; status: string; detail: string; fix?: string }[] }
