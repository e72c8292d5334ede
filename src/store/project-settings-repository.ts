/** @module `project_settings`: per-project key/value settings (commands, base branch), keyed by the main repository root. */
import type { Db } from './db.js';

export class ProjectSettingsRepository {
  constructor(private readonly db: Db) {}

  all(projectPath: string): Record<string, string> {
    const rows = this.db.prepare('SELECT key, value FROM project_settings WHERE project_path = ?').all(projectPath) as { key: string; value: string }[];
    return Object.fromEntries(rows.map((r) => [r.key, r.value]));
  }

  set(projectPath: string, key: string, value: string, at: string): void {
    this.db
      .prepare(`INSERT INTO project_settings (project_path, key, value, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT (project_path, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`)
      .run(projectPath, key, value, at);
  }

  /** True when there was a value to remove. */
  unset(projectPath: string, key: string): boolean {
    return this.db.prepare('DELETE FROM project_settings WHERE project_path = ? AND key = ?').run(projectPath, key).changes > 0;
  }
}
