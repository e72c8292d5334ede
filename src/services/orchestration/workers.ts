/** @module Workers: one agent working on one task in one role, from start to completion, failure or session end. */
import { randomInt } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { staysInside } from '../../fs-confine.js';
import { join } from 'node:path';
import { type Task, WORKER_STATUSES, type Worker, type WorkerStatus } from '../../store/orchestration-model.js';
import type { TaskRepository } from '../../store/task-repository.js';
import { nowIso } from '../../store/time.js';
import type { WorkerRepository } from '../../store/worker-repository.js';
import { missing, refused } from './errors.js';
import type { Project } from './project.js';
import { requireTask } from './task-lookup.js';

export { WORKER_STATUSES, type Worker, type WorkerStatus } from '../../store/orchestration-model.js';

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
    private readonly workers: WorkerRepository,
    private readonly tasks: TaskRepository,
    private readonly roles: RolePromptSources,
  ) {}

  get(id: string): Worker {
    const w = this.workers.get(id);
    if (!w) throw missing(`Worker ${id} not found`);
    return w;
  }

  /** Workers belong to the task's project: the main repository root, the same key tasks use. */
  start(taskId: string, role: string): Worker {
    const r = validateRole(role);
    const task = requireTask(this.tasks, taskId);
    const id = `W-${Math.floor(Date.now() / 1000)}-${String(randomInt(0, 100000)).padStart(5, '0')}`;
    this.workers.insert({ id, task_id: task.id, role: r, started_at: nowIso(), project_path: task.project_path });
    return this.get(id);
  }

  private end(id: string, status: 'completed' | 'failed', reason?: string): Worker {
    const w = this.get(id);
    if (w.status !== 'active') throw refused(`Worker ${id} is already ${w.status}`);
    this.workers.end(id, status, nowIso(), reason?.trim() || null);
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
    return this.workers.list(project.root, status as WorkerStatus | undefined);
  }

  /** Active workers older than `maxAgeHours`, in every project, become `session_ended`. */
  cleanup(maxAge: number | string): { marked: number } {
    const maxAgeHours = typeof maxAge === 'number' ? maxAge : String(maxAge).trim() === '' ? Number.NaN : Number(maxAge);
    if (!Number.isFinite(maxAgeHours) || maxAgeHours < 0) throw refused(`Invalid max age '${String(maxAge)}': must be a number of hours >= 0`);
    const cutoff = new Date(Date.now() - maxAgeHours * 3600_000).toISOString();
    return { marked: this.workers.endStale(cutoff, nowIso()) };
  }

  /** The role's prompt: `$CALM_HOME/roles`, then the project's `.claude/roles`, then calm's own. */
  prompt(role: string, project?: Project): { role: string; path: string; content: string } {
    const r = validateRole(role);
    // a project's role file is read only if it stays inside the project: a cloned repository's symlink
    // must not hand an agent ~/.ssh/id_rsa as a prompt
    const fromProject = project ? [join(project.root, '.claude', 'roles', `${r}.md`)].filter((p) => !existsSync(p) || staysInside(project.root, p)) : [];
    const candidates = [join(this.roles.homeRoles, `${r}.md`), ...fromProject, join(this.roles.bundledRoles, `${r}.md`)];
    const path = candidates.find((p) => existsSync(p));
    if (!path) throw missing(`Role file not found: ${r}.md`);
    return { role: r, path, content: readFileSync(path, 'utf8') };
  }

  /** Markdown a worker starts from: its role prompt and the task. */
  context(taskId: string, role: string, project?: Project): { task: Task; role: string; markdown: string } {
    const task = requireTask(this.tasks, taskId);
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
