/**
 * @module The project key and per-project settings. One key for tasks and workers alike: the main
 * repository root, also when calm runs inside one of its linked worktrees (CALM keyed workers by the
 * worktree). The base branch is detected, never assumed to be `main`.
 */
import { realpathSync } from 'node:fs';
import type { ProjectSettingsRepository } from '../../store/project-settings-repository.js';
import { nowIso } from '../../store/time.js';
import { refused } from './errors.js';
import { git, gitOut } from './git.js';
import { COMMAND_KINDS, type CommandKind, commandEnv, detectCommands } from './project-commands.js';

export interface Project {
  /** The main repository root (the project key); the directory itself outside git. */
  readonly root: string;
  readonly isGit: boolean;
}

export const PROJECT_SETTING_KEYS = ['test', 'lint', 'typecheck', 'sync', 'base_branch'] as const;
export type ProjectSettingKey = (typeof PROJECT_SETTING_KEYS)[number];

/** A configured command of `none` turns a detected one off. */
export const DISABLED = 'none';

export interface ResolvedCommand {
  readonly kind: CommandKind | 'sync';
  readonly command: string | null;
  readonly source: string;
}

export interface BaseBranch {
  readonly name: string;
  readonly source: string;
}

const real = (p: string): string => {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
};

export function validateSettingKey(key: string): ProjectSettingKey {
  const k = key.trim().toLowerCase().replace(/-/g, '_');
  if (!PROJECT_SETTING_KEYS.includes(k as ProjectSettingKey)) {
    throw refused(`Unknown project setting '${key}'. Must be one of: ${PROJECT_SETTING_KEYS.join(', ')}`);
  }
  return k as ProjectSettingKey;
}

export class ProjectService {
  constructor(private readonly settingsRows: ProjectSettingsRepository) {}

  /** The project `cwd` belongs to. `git worktree list` names the main checkout first, even from a linked worktree. */
  async detect(cwd: string): Promise<Project> {
    const list = await gitOut(cwd, ['worktree', 'list', '--porcelain']);
    const first = list?.split('\n').find((l) => l.startsWith('worktree '));
    if (first) return { root: real(first.slice('worktree '.length)), isGit: true };
    return { root: real(cwd), isGit: false };
  }

  async requireGit(cwd: string): Promise<Project> {
    const project = await this.detect(cwd);
    if (!project.isGit) throw refused(`Not a git repository: ${project.root}. Worktrees and gates need the project's git repository.`);
    return project;
  }

  settings(root: string): Partial<Record<ProjectSettingKey, string>> {
    return this.settingsRows.all(root) as Partial<Record<ProjectSettingKey, string>>;
  }

  async set(root: string, key: string, value: string): Promise<{ key: ProjectSettingKey; value: string }> {
    const k = validateSettingKey(key);
    const v = value.trim();
    if (!v) throw refused(`A value is required for ${k}; to turn a detected command off use '${DISABLED}', to forget a setting use 'calm project unset ${k}'`);
    if (k === 'base_branch' && !(await this.branchExists(root, v))) throw refused(`Branch '${v}' does not exist in ${root}`);
    this.settingsRows.set(root, k, v, nowIso());
    return { key: k, value: v };
  }

  unset(root: string, key: string): { key: ProjectSettingKey; removed: boolean } {
    const k = validateSettingKey(key);
    return { key: k, removed: this.settingsRows.unset(root, k) };
  }

  private async branchExists(root: string, name: string): Promise<boolean> {
    return (await gitOut(root, ['rev-parse', '--verify', '--quiet', `refs/heads/${name}`])) !== undefined;
  }

  /** Configured, else the remote's default, else main/master, else whatever the main checkout has out. */
  async baseBranch(root: string): Promise<BaseBranch> {
    const configured = this.settings(root).base_branch;
    if (configured) return { name: configured, source: 'project setting' };
    const remote = await gitOut(root, ['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD']);
    const remoteName = remote?.replace(/^origin\//, '');
    if (remoteName && (await this.branchExists(root, remoteName))) return { name: remoteName, source: 'origin/HEAD' };
    const defaultBranch = await gitOut(root, ['config', '--get', 'init.defaultBranch']);
    for (const name of [defaultBranch, 'main', 'master'].filter((n): n is string => !!n)) {
      if (await this.branchExists(root, name)) return { name, source: `branch '${name}' exists` };
    }
    const current = await gitOut(root, ['symbolic-ref', '--quiet', '--short', 'HEAD']);
    if (current) return { name: current, source: 'checked out in the main repository' };
    throw refused(`Cannot detect the base branch of ${root}: set it with 'calm project set base_branch <branch>'`);
  }

  /** The command for `kind`, run in `dir` (a task's worktree): the project's setting, else detected from `dir`. */
  command(root: string, dir: string, kind: CommandKind | 'sync'): ResolvedCommand {
    const configured = this.settings(root)[kind];
    if (configured) {
      return configured === DISABLED
        ? { kind, command: null, source: `turned off ('calm project set ${kind} ${DISABLED}')` }
        : { kind, command: configured, source: 'project setting' };
    }
    if (kind === 'sync') return { kind, command: null, source: 'not configured' };
    const found = detectCommands(dir)[kind];
    return found ? { kind, command: found.command, source: found.source } : { kind, command: null, source: 'none detected' };
  }

  commandEnv(dir: string): NodeJS.ProcessEnv {
    return commandEnv(dir);
  }

  /** Everything `calm project show` prints. */
  async describe(cwd: string): Promise<{ root: string; is_git: boolean; base_branch: BaseBranch | null; commands: ResolvedCommand[] }> {
    const project = await this.detect(cwd);
    const baseBranch = project.isGit ? await this.baseBranch(project.root).catch(() => null) : null;
    const kinds = [...COMMAND_KINDS, 'sync'] as const;
    return { root: project.root, is_git: project.isGit, base_branch: baseBranch, commands: kinds.map((k) => this.command(project.root, project.root, k)) };
  }

  /** The commit `dir` has checked out, or undefined outside git / before the first commit. */
  async head(dir: string): Promise<string | undefined> {
    return gitOut(dir, ['rev-parse', 'HEAD']);
  }

  async isClean(dir: string): Promise<boolean> {
    const r = await git(dir, ['status', '--porcelain']);
    return r.code === 0 && r.stdout.trim() === '';
  }
}
