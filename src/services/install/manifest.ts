/**
 * @module What `calm install` added to Claude Code's files, so `calm uninstall` removes exactly that
 * and puts back what was there: `$CALM_HOME/install/manifest.json`. A second install adds to the
 * record and never forgets what the first one found.
 */
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { CalmError } from '../../errors.js';
import { writeFileAtomic } from '../../fs-atomic.js';
import type { RemovedCalmHook } from './calm-python.js';
import { renderJson } from './json-file.js';

export interface FileRecord {
  /** Whether the file existed before calm first changed it. */
  readonly existed: boolean;
  /** The bytes it had then, kept here so uninstall can restore them exactly. */
  readonly backup?: string | undefined;
}

export interface SkillRecord {
  readonly name: string;
  /** `~/.claude/skills/<name>/SKILL.md`. */
  readonly path: string;
  readonly source: string;
  readonly kind: 'symlink' | 'copy';
  readonly createdDir: boolean;
  /** A file that was there and was replaced (with --force), kept to put back. */
  readonly replacedBackup?: string | undefined;
}

export interface InstallManifest {
  version: 1;
  installed_at: string;
  files: Record<string, FileRecord>;
  mcp?: { file: string; entries: unknown[]; replaced?: unknown; createdContainer: boolean };
  hooks?: {
    file: string;
    commands: string[];
    createdEvents: string[];
    createdHooksKey: boolean;
    /** The Python CALM's hooks install took out, put back by uninstall. */
    calmPython?: RemovedCalmHook[];
  };
  skills: SkillRecord[];
  /** Folders calm created (~/.claude, ~/.claude/skills/<name>), removed on uninstall when empty. */
  dirs?: string[];
}

export const installDir = (home: string): string => join(home, 'install');
export const manifestPath = (home: string): string => join(installDir(home), 'manifest.json');

export function readManifest(home: string): InstallManifest | undefined {
  const file = manifestPath(home);
  if (!existsSync(file)) return undefined;
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')) as InstallManifest;
    if (m.version !== 1 || typeof m.files !== 'object' || !Array.isArray(m.skills)) throw new Error('unknown layout');
    return m;
  } catch (e) {
    throw new CalmError('storage_error', `The install record ${file} is damaged (${(e as Error).message}); remove calm's entries from ~/.claude.json and ~/.claude/settings.json by hand, then delete it.`);
  }
}

export function writeManifest(home: string, manifest: InstallManifest): void {
  writeFileAtomic(manifestPath(home), renderJson(manifest));
}

export function removeManifest(home: string): void {
  const file = manifestPath(home);
  if (existsSync(file)) unlinkSync(file);
}
