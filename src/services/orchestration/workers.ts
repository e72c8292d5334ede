/** @module Workers: one agent working on one task in one role, from start to completion, failure or session end. */
import { randomInt } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Db } from '../../store/db.js';
import { nowIso } from '../../store/time.js';
import { missing, refused } from './errors.js';
import type { Project } from './project.js';
import { getTask, type Task } from './tasks.js';

export const WORKER_STATUSES = ['active', 'completed', 'failed', 'session_ended'] as const;
export type WorkerStatus = (typeof WORKER_STATUSES)[number];

export interface Worker {
  readonly id: string;
  readonly task_id: string;
  readonly role: string;
  readonly status: WorkerStatus;
  readonly started_at: string;
  readonly ended_at: string | null;
  readonly project_path: string | null;
  readonly reason: string | null;
}

const ROLE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function validateRole(role: string): string {
  const r = role.trim();
  if (!ROLE.test(r)) throw refused(`Invalid role '${role}': use letters, digits, '-' and '_' (e.g. backend, reviewer)`);
  return r;
}

export interface RolePromptSources {
  /** `$CALM_HOME/roles`, where `calm init` installs the role prompts. */
  readonly homeRoles: string;
  /** The prompts shipped with calm, used when the home has none for a role. */
  readonly bundledRoles: string;
}

export class WorkerService {
  constructor(
    private readonly db: Db,
    private readonly roles: RolePromptSources,
  ) {}

  get(id: string): Worker {
    const w = this.db.prepare('SELECT * FROM workers WHERE id = ?').get(id) as Worker | undefined;
    if (!w) throw missing(`Worker ${id} not found`);
    return w;
  }

  /** Workers belong to the task's project: the main repository root, the same key tasks use. */
  start(taskId: string, role: string): Worker {
    const r = validateRole(role);
    const task = getTask(this.db, taskId);
    const id = `W-${Math.floor(Date.now() / 1000)}-${String(randomInt(0, 100000)).padStart(5, '0')}`;
    this.db
      .prepare("INSERT INTO workers (id, task_id, role, status, started_at, project_path) VALUES (?, ?, ?, 'active', ?, ?)")
      .run(id, task.id, r, nowIso(), task.project_path);
    return this.get(id);
  }

  private end(id: string, status: 'completed' | 'failed', reason?: string): Worker {
    const w = this.get(id);
    if (w.status !== 'active') throw refused(`Worker ${id} is already ${w.status}`);
    this.db.prepare('UPDATE workers SET status = ?, ended_at = ?, reason = ? WHERE id = ?').run(status, nowIso(), reason?.trim() || null, id);
    return this.get(id);
  }

  complete(id: string): Worker {
    return this.end(id, 'completed');
  }

  fail(id: string, reason?: string): Worker {
    return this.end(id, 'failed', reason);
  }

  list(project: Project, status?: string): Worker[] {
    if (status !== undefined && !WORKER_STATUSES.includes(status as WorkerStatus)) {
      throw refused(`Invalid worker status '${status}'. Must be one of: ${WORKER_STATUSES.join(', ')}`);
    }
    const sql = `SELECT * FROM workers WHERE project_path = ?${status ? ' AND status = ?' : ''} ORDER BY started_at DESC, id DESC`;
    return this.db.prepare(sql).all(...(status ? [project.root, status] : [project.root])) as Worker[];
  }

  /** Active workers older than `maxAgeHours`, in every project, become `session_ended`. */
  cleanup(maxAge: number | string): { marked: number } {
    const maxAgeHours = typeof maxAge === 'number' ? maxAge : String(maxAge).trim() === '' ? Number.NaN : Number(maxAge);
    if (!Number.isFinite(maxAgeHours) || maxAgeHours < 0) throw refused(`Invalid max age '${String(maxAge)}': must be a number of hours >= 0`);
    const cutoff = new Date(Date.now() - maxAgeHours * 3600_000).toISOString();
    const r = this.db
      .prepare("UPDATE workers SET status = 'session_ended', ended_at = ? WHERE status = 'active' AND started_at < ?")
      .run(nowIso(), cutoff);
    return { marked: r.changes };
  }

  /** The role's prompt: `$CALM_HOME/roles`, then the project's `.claude/roles`, then calm's own. */
  prompt(role: string, project?: Project): { role: string; path: string; content: string } {
    const r = validateRole(role);
    const candidates = [join(this.roles.homeRoles, `${r}.md`), ...(project ? [join(project.root, '.claude', 'roles', `${r}.md`)] : []), join(this.roles.bundledRoles, `${r}.md`)];
    const path = candidates.find((p) => existsSync(p));
    if (!path) throw missing(`Role file not found: ${r}.md`);
    return { role: r, path, content: readFileSync(path, 'utf8') };
  }

  /** Markdown a worker starts from: its role prompt and the task. */
  context(taskId: string, role: string, project?: Project): { task: Task; role: string; markdown: string } {
    const task = getTask(this.db, taskId);
    const r = validateRole(role);
    let rolePrompt: string;
    try {
      rolePrompt = this.prompt(r, project).content.trim();
    } catch {
      rolePrompt = `# ${r[0]!.toUpperCase()}${r.slice(1)} Role\n\nNo role prompt found for ${r}.`;
    }
    const markdown = [
      `# Worker Context for ${task.id}`,
      '',
      `## Role: ${r}`,
      '',
      rolePrompt,
      '',
      '---',
      '',
      '## Task Information',
      '',
      `- **ID**: ${task.id}`,
      `- **Title**: ${task.title}`,
      `- **Type**: ${task.task_type}`,
      `- **Phase**: ${task.phase}`,
      `- **Spec ID**: ${task.spec_id ?? 'N/A'}`,
      `- **Worktree**: ${task.worktree_path ?? 'N/A'}`,
      ...(task.notes ? [`- **Notes**: ${task.notes}`] : []),
      ...(task.blocked_by.length ? [`- **Blocked by**: ${task.blocked_by.join(', ')}`] : []),
      '',
    ].join('\n');
    return { task, role: r, markdown };
  }
}
