/**
 * @module `calm install` / `calm uninstall`: register calm with Claude Code (user scope) and take it
 * out again.
 *
 * Install reads every file it will change before changing any (invalid JSON stops it with nothing
 * touched), merges idempotently, keeps a backup of each file the first time it changes it, writes
 * atomically, and records what it added in the manifest. Uninstall removes exactly that; when nothing
 * else changed the file since, it writes back the original bytes, so the user's file is restored
 * byte for byte (key order, spacing and all); otherwise only calm's entries are taken out.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync, symlinkSync, unlinkSync, copyFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { CalmPaths } from '../../paths.js';
import { CalmError } from '../../errors.js';
import { nowIso } from '../../store/time.js';
import { installTemplates, TEMPLATES_DIR } from '../templates.js';
import {
  addHooks, addMcpServer, type CalmCommand, ForeignEntryError, HOOK_SPECS, hookEntry, MCP_SERVER_NAME, mcpEntry, type McpTransport,
  removeHooks, removeMcpServer,
} from './claude-settings.js';
import { isCalmPythonMcpEntry, putBackCalmHooks, type RemovedCalmHook, takeOutCalmHooks } from './calm-python.js';
import { backupFile, isJsonObject, jsonEqual, type JsonObject, readJsonObject, renderJson } from './json-file.js';
import { writeFileAtomic } from '../../fs-atomic.js';
import { installDir, type InstallManifest, readManifest, removeManifest, type SkillRecord, writeManifest } from './manifest.js';

export interface ClaudeTarget {
  /** The user's home (HOME). */
  readonly userHome: string;
  /** CLAUDE_CONFIG_DIR, when set: it replaces ~/.claude, and holds .claude.json. */
  readonly claudeConfigDir?: string | undefined;
}

export interface ClaudePaths {
  readonly claudeDir: string;
  /** MCP servers, user scope. */
  readonly claudeJson: string;
  /** Hooks, user scope. */
  readonly settingsJson: string;
  readonly skillsDir: string;
}

export function claudePaths(t: ClaudeTarget): ClaudePaths {
  const claudeDir = t.claudeConfigDir ? resolve(t.claudeConfigDir) : join(t.userHome, '.claude');
  return {
    claudeDir,
    claudeJson: t.claudeConfigDir ? join(claudeDir, '.claude.json') : join(t.userHome, '.claude.json'),
    settingsJson: join(claudeDir, 'settings.json'),
    skillsDir: join(claudeDir, 'skills'),
  };
}

export type StepStatus = 'added' | 'updated' | 'unchanged' | 'skipped' | 'planned' | 'removed' | 'restored' | 'started' | 'running' | 'stopped' | 'failed';

export interface Step {
  readonly step: 'init' | 'mcp' | 'hooks' | 'skills' | 'server' | 'data';
  readonly status: StepStatus;
  readonly detail: string;
}

export interface InstallReport {
  readonly dryRun: boolean;
  readonly steps: Step[];
  readonly warnings: string[];
  readonly manifest: string;
}

export interface InstallOptions {
  /** The calm home being installed (its database tells whether `calm init` must run). */
  readonly paths: Pick<CalmPaths, 'home' | 'database'>;
  readonly target: ClaudeTarget;
  readonly command: CalmCommand;
  readonly daemonUrl: string;
  /** The daemon's bearer token, sent by Claude Code with the http transport. */
  readonly authToken?: string | undefined;
  readonly mcpTransport?: McpTransport;
  readonly dryRun?: boolean;
  readonly force?: boolean;
  readonly skipMcp?: boolean;
  readonly skipHooks?: boolean;
  readonly skipServer?: boolean;
  /** `calm init` when the home has no database yet. */
  readonly initialize: () => Promise<void>;
  readonly startServer: () => Promise<{ alreadyRunning: boolean; pid: number }>;
}

const emptyManifest = (): InstallManifest => ({ version: 1, installed_at: nowIso(), files: {}, skills: [] });

function asConfigError(file: string, e: unknown): CalmError {
  if (e instanceof CalmError) return e;
  return new CalmError('config_error', `${file}: ${(e as Error).message}; fix it by hand, then run again. Nothing was changed.`);
}

/** Directories from `dir` up to (not including) `stop` that do not exist yet, outermost first. */
function missingDirs(dir: string, stop: string): string[] {
  const out: string[] = [];
  for (let d = dir; d !== stop && d !== dirname(d) && !existsSync(d); d = dirname(d)) out.unshift(d);
  return out;
}

function linkTarget(path: string): string | undefined {
  try {
    return lstatSync(path).isSymbolicLink() ? resolve(dirname(path), readlinkSync(path)) : undefined;
  } catch {
    return undefined;
  }
}

function isOurSkill(path: string, source: string): boolean {
  if (linkTarget(path) === source) return true;
  try {
    return lstatSync(path).isFile() && readFileSync(path, 'utf8') === readFileSync(source, 'utf8');
  } catch {
    return false;
  }
}

/** The skills calm ships, by name, read from `$CALM_HOME/skills/<name>/SKILL.md` (the home's copy, which the user may edit). */
function skillSources(home: string): { name: string; source: string }[] {
  const shipped = join(TEMPLATES_DIR, 'skills');
  if (!existsSync(shipped)) return [];
  return readdirSync(shipped)
    .filter((name) => existsSync(join(shipped, name, 'SKILL.md')))
    .sort()
    .map((name) => {
      const own = join(home, 'skills', name, 'SKILL.md');
      return { name, source: existsSync(own) ? own : join(shipped, name, 'SKILL.md') };
    });
}

/** Records a file in the manifest (and backs it up) the first time calm changes it. */
function recordFile(manifest: InstallManifest, home: string, file: string, existed: boolean): void {
  if (manifest.files[file]) return;
  manifest.files[file] = existed ? { existed, backup: backupFile(file, join(installDir(home), 'backups')) } : { existed };
}

type McpPlan = { file: ReturnType<typeof readJsonObject>; change: ReturnType<typeof addMcpServer>; replacesCalmPython: boolean };
type HooksPlan = { file: ReturnType<typeof readJsonObject>; change: ReturnType<typeof addHooks>; commands: string[]; calmPython: RemovedCalmHook[] };

/** What the steps of one install share: its options, Claude Code's files, calm's install manifest and the report being built. */
interface InstallRun {
  readonly o: InstallOptions;
  readonly home: string;
  readonly paths: ReturnType<typeof claudePaths>;
  readonly dryRun: boolean;
  readonly manifest: InstallManifest;
  readonly steps: Step[];
  readonly warnings: string[];
  planned(step: Step['step'], detail: string): void;
  /** Creates a missing folder (and its missing parents), recorded so uninstall removes what calm made. */
  ensureDir(dir: string): void;
  save(): void;
}

function startRun(o: InstallOptions): InstallRun {
  const home = o.paths.home;
  const manifest = readManifest(home) ?? emptyManifest();
  const steps: Step[] = [];
  const dirs = new Set<string>(manifest.dirs ?? []);
  return {
    o, home, paths: claudePaths(o.target), dryRun: o.dryRun ?? false, manifest, steps, warnings: [],
    planned: (step, detail) => void steps.push({ step, status: 'planned', detail }),
    ensureDir: (dir) => {
      for (const d of missingDirs(dir, o.target.userHome)) {
        mkdirSync(d, { mode: 0o700 });
        dirs.add(d);
      }
    },
    save: () => writeManifest(home, { ...manifest, dirs: [...dirs] }),
  };
}

/** calm's MCP entry merged into ~/.claude.json, in memory. */
function planMcp({ o, paths, manifest }: InstallRun): McpPlan {
  const file = readJsonObject(paths.claudeJson);
  const entry = mcpEntry(o.command, o.mcpTransport ?? 'stdio', o.daemonUrl, o.authToken);
  const ours = (v: unknown): boolean => (manifest.mcp?.entries ?? []).some((e) => jsonEqual(e, v));
  // the Python CALM's own entry is replaced without --force (and put back by uninstall)
  const existing = isJsonObject(file.value.mcpServers) ? file.value.mcpServers[MCP_SERVER_NAME] : undefined;
  const replacesCalmPython = !ours(existing) && isCalmPythonMcpEntry(existing);
  try {
    return { file, change: addMcpServer(file.value, entry, ours, (o.force ?? false) || replacesCalmPython), replacesCalmPython };
  } catch (e) {
    if (e instanceof ForeignEntryError) {
      throw new CalmError('validation_error', `${paths.claudeJson}: ${e.message}. Run with --force to replace it (calm uninstall puts it back). Nothing was changed.`);
    }
    throw asConfigError(paths.claudeJson, e);
  }
}

/** calm's hooks merged into Claude Code's settings.json, in memory, the Python CALM's taken out. */
function planHooks({ o, paths, manifest }: InstallRun): HooksPlan {
  const file = readJsonObject(paths.settingsJson);
  const entries = HOOK_SPECS.map((spec) => ({ spec, entry: hookEntry(o.command, spec) }));
  const commands = [...new Set(entries.map((e) => (e.entry.hooks as JsonObject[])[0]!.command as string))];
  try {
    // calm's hooks take over from the Python CALM's (python -m calm.hooks.…): both would answer every event
    const base = structuredClone(file.value);
    const calmPython = isJsonObject(base.hooks) ? takeOutCalmHooks(base.hooks) : [];
    return { file, change: addHooks(base, entries, manifest.hooks?.commands ?? []), commands, calmPython };
  } catch (e) {
    throw asConfigError(paths.settingsJson, e);
  }
}

/** `calm init` when the home has no database yet, and the skills the home is missing (never overwriting the user's edits). */
async function initializeHome({ o, home, dryRun, steps, planned }: InstallRun): Promise<void> {
  if (!existsSync(o.paths.database)) {
    if (dryRun) planned('init', `would initialize ${home} (calm init)`);
    else {
      await o.initialize();
      steps.push({ step: 'init', status: 'added', detail: `initialized ${home}` });
    }
  }
  if (!dryRun) installTemplates(home);
}

function writeMcp({ o, home, paths, dryRun, manifest, steps, planned, ensureDir, save }: InstallRun, mcp: McpPlan): void {
  const { file, change, replacesCalmPython } = mcp;
  const where = `mcpServers.${MCP_SERVER_NAME} in ${paths.claudeJson}`;
  const replacing = replacesCalmPython ? " (replacing the Python CALM's entry, kept for uninstall)" : change.replaced !== undefined ? ' (replacing the existing entry, kept for uninstall)' : '';
  if (!change.changed) steps.push({ step: 'mcp', status: 'unchanged', detail: `${where} already registered` });
  else if (dryRun) planned('mcp', `would register ${where}${replacing}`);
  else {
    ensureDir(dirname(paths.claudeJson));
    recordFile(manifest, home, paths.claudeJson, file.exists);
    const before = manifest.mcp;
    manifest.mcp = {
      file: paths.claudeJson,
      entries: [...(before?.entries ?? []), (change.config.mcpServers as JsonObject)[MCP_SERVER_NAME]],
      replaced: before?.replaced ?? change.replaced,
      createdContainer: (before?.createdContainer ?? false) || change.createdContainer,
    };
    save();
    writeFileAtomic(paths.claudeJson, renderJson(change.config));
    steps.push({ step: 'mcp', status: before || replacing ? 'updated' : 'added', detail: `registered ${where} (${o.mcpTransport ?? 'stdio'})${replacing}` });
  }
}

function writeHooks({ home, paths, dryRun, manifest, steps, planned, ensureDir, save }: InstallRun, hooks: HooksPlan): void {
  const { file, change, commands, calmPython } = hooks;
  const changed = !jsonEqual(change.settings, file.value);
  const replacing = calmPython.length > 0 ? `, replacing the Python CALM's ${calmPython.length} hook(s) (${[...new Set(calmPython.map((r) => r.event))].join(', ')}; uninstall puts them back)` : '';
  if (!changed) steps.push({ step: 'hooks', status: 'unchanged', detail: `hooks already registered in ${paths.settingsJson}` });
  else if (dryRun) planned('hooks', `would register hooks ${change.added.join(', ')} in ${paths.settingsJson}${replacing}`);
  else {
    ensureDir(dirname(paths.settingsJson));
    recordFile(manifest, home, paths.settingsJson, file.exists);
    const before = manifest.hooks;
    manifest.hooks = {
      file: paths.settingsJson,
      commands: [...new Set([...(before?.commands ?? []), ...commands])],
      createdEvents: [...new Set([...(before?.createdEvents ?? []), ...change.createdEvents])],
      createdHooksKey: (before?.createdHooksKey ?? false) || change.createdHooksKey,
      ...(before?.calmPython?.length || calmPython.length ? { calmPython: [...(before?.calmPython ?? []), ...calmPython] } : {}),
    };
    save();
    writeFileAtomic(paths.settingsJson, renderJson(change.settings));
    steps.push({ step: 'hooks', status: before ? 'updated' : 'added', detail: `registered hooks ${change.added.join(', ')} in ${paths.settingsJson}${replacing}` });
  }
}

/** calm's skills linked (or copied) into Claude Code's skills folder; someone else's file is left alone unless --force. */
function linkSkills(run: InstallRun): void {
  const { o, home, paths, dryRun, manifest, steps, warnings, planned, ensureDir, save } = run;
  for (const { name, source } of skillSources(home)) {
    const path = join(paths.skillsDir, name, 'SKILL.md');
    const known = manifest.skills.find((s) => s.path === path);
    if (existsSync(path) || linkTarget(path)) {
      if (isOurSkill(path, source)) {
        steps.push({ step: 'skills', status: 'unchanged', detail: `/${name} already linked` });
        continue;
      }
      if (!o.force) {
        warnings.push(`${path} exists and is not calm's; left as it is (--force replaces it, and uninstall puts it back)`);
        steps.push({ step: 'skills', status: 'skipped', detail: `/${name}: ${path} is someone else's` });
        continue;
      }
    }
    if (dryRun) {
      planned('skills', `would link ${path} → ${source}`);
      continue;
    }
    const createdDir = !existsSync(dirname(path));
    ensureDir(dirname(path));
    let replacedBackup = known?.replacedBackup;
    if (existsSync(path) || linkTarget(path)) {
      replacedBackup ??= backupFile(path, join(installDir(home), 'backups'));
      unlinkSync(path);
    }
    let kind: SkillRecord['kind'] = 'symlink';
    try {
      symlinkSync(source, path);
    } catch {
      copyFileSync(source, path); // no symlinks here (some Windows set-ups): a copy
      kind = 'copy';
    }
    manifest.skills = [
      ...manifest.skills.filter((s) => s.path !== path),
      { name, path, source, kind, createdDir: (known?.createdDir ?? false) || createdDir, ...(replacedBackup ? { replacedBackup } : {}) },
    ];
    save();
    steps.push({ step: 'skills', status: 'added', detail: `/${name}: ${path} → ${source} (${kind})` });
  }
}

async function startServer({ o, dryRun, steps, planned }: InstallRun): Promise<void> {
  if (o.skipServer) steps.push({ step: 'server', status: 'skipped', detail: '--skip-server' });
  else if (dryRun) planned('server', 'would start the calm server');
  else {
    try {
      const r = await o.startServer();
      steps.push({ step: 'server', status: r.alreadyRunning ? 'running' : 'started', detail: `calm server ${r.alreadyRunning ? 'already running' : 'started'} (PID ${r.pid})` });
    } catch (e) {
      // the hooks start it at the next session; an install that registered everything is still useful
      steps.push({ step: 'server', status: 'failed', detail: (e as Error).message });
    }
  }
}

export async function install(o: InstallOptions): Promise<InstallReport> {
  const run = startRun(o);
  // read and merge everything first: a bad file stops the install before anything changed
  const mcp = o.skipMcp ? undefined : planMcp(run);
  const hooks = o.skipHooks ? undefined : planHooks(run);
  await initializeHome(run);
  if (mcp) writeMcp(run, mcp);
  else run.steps.push({ step: 'mcp', status: 'skipped', detail: '--skip-mcp' });
  if (hooks) writeHooks(run, hooks);
  else run.steps.push({ step: 'hooks', status: 'skipped', detail: '--skip-hooks' });
  if (!o.skipHooks) linkSkills(run);
  await startServer(run);
  return { dryRun: run.dryRun, steps: run.steps, warnings: run.warnings, manifest: join(installDir(run.home), 'manifest.json') };
}

export interface UninstallOptions {
  readonly paths: Pick<CalmPaths, 'home'>;
  readonly removeData?: boolean;
  readonly stopServer: () => Promise<{ wasRunning: boolean }>;
}

/** The file as it should be after calm's entries are gone: the original bytes when nothing else changed. */
function restoredText(file: string, record: InstallManifest['files'][string] | undefined, value: JsonObject): string | null {
  if (record?.existed && record.backup && existsSync(record.backup)) {
    const original = readFileSync(record.backup, 'utf8');
    try {
      if (jsonEqual(original.trim() === '' ? {} : JSON.parse(original), value)) return original;
    } catch {
      // a backup that does not parse was a blank or odd file: fall through
    }
  }
  if (record && !record.existed && isJsonObject(value) && Object.keys(value).length === 0) return null; // calm created it: delete
  return renderJson(value);
}

export async function uninstall(o: UninstallOptions): Promise<InstallReport> {
  const home = o.paths.home;
  const steps: Step[] = [];
  const warnings: string[] = [];
  const manifest = readManifest(home);
  if (!manifest) steps.push({ step: 'hooks', status: 'unchanged', detail: `nothing recorded in ${join(installDir(home), 'manifest.json')}: calm was not installed into Claude Code from this home` });
  else {
    // read and compute everything first, so invalid JSON stops uninstall before any change
    const results = new Map<string, { current: JsonObject; text: string | undefined }>();
    const load = (file: string): { current: JsonObject; text: string | undefined } => {
      let r = results.get(file);
      if (!r) {
        const f = readJsonObject(file);
        r = { current: f.value, text: f.text };
        results.set(file, r);
      }
      return r;
    };
    const notes: Step[] = [];
    if (manifest.mcp) {
      const r = load(manifest.mcp.file);
      const ours = (v: unknown): boolean => manifest.mcp!.entries.some((e) => jsonEqual(e, v));
      const out = removeMcpServer(r.current, ours, manifest.mcp.replaced, manifest.mcp.createdContainer);
      r.current = out.config;
      notes.push({
        step: 'mcp',
        status: out.removed ? (manifest.mcp.replaced !== undefined ? 'restored' : 'removed') : 'unchanged',
        detail: out.removed ? `mcpServers.${MCP_SERVER_NAME} ${manifest.mcp.replaced !== undefined ? 'put back as it was' : 'removed'} in ${manifest.mcp.file}` : `mcpServers.${MCP_SERVER_NAME} in ${manifest.mcp.file} is no longer calm's entry; left as it is`,
      });
    }
    if (manifest.hooks) {
      const r = load(manifest.hooks.file);
      const out = removeHooks(r.current, manifest.hooks.commands, manifest.hooks.createdEvents, manifest.hooks.createdHooksKey);
      const calmPython = manifest.hooks.calmPython ?? [];
      if (calmPython.length > 0) {
        if (!isJsonObject(out.settings.hooks)) out.settings.hooks = {};
        putBackCalmHooks(out.settings.hooks as JsonObject, calmPython);
      }
      r.current = out.settings;
      const back = calmPython.length > 0 ? `; the Python CALM's ${calmPython.length} hook(s) put back` : '';
      notes.push({ step: 'hooks', status: out.removed > 0 ? (back ? 'restored' : 'removed') : 'unchanged', detail: `${out.removed} calm hook(s) removed from ${manifest.hooks.file}${back}` });
    }
    for (const [file, { current, text }] of results) {
      const next = restoredText(file, manifest.files[file], current);
      if (next === null) {
        if (existsSync(file)) unlinkSync(file);
      } else if (next !== text) writeFileAtomic(file, next);
    }
    steps.push(...notes);
    for (const skill of manifest.skills) {
      if (existsSync(skill.path) || linkTarget(skill.path)) {
        if (!isOurSkill(skill.path, skill.source)) {
          warnings.push(`${skill.path} was changed since install; left as it is`);
          continue;
        }
        unlinkSync(skill.path);
      }
      if (skill.replacedBackup && existsSync(skill.replacedBackup)) copyFileSync(skill.replacedBackup, skill.path);
      else if (skill.createdDir && existsSync(dirname(skill.path)) && readdirSync(dirname(skill.path)).length === 0) rmdirSync(dirname(skill.path));
      steps.push({ step: 'skills', status: skill.replacedBackup ? 'restored' : 'removed', detail: `/${skill.name}: ${skill.path}` });
    }
    // folders calm created (~/.claude, ~/.claude/skills), innermost first, if nothing else lives there
    for (const dir of [...(manifest.dirs ?? [])].sort((a, b) => b.length - a.length)) {
      if (existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir);
    }
    removeManifest(home);
  }
  const stopped = await o.stopServer();
  steps.push({ step: 'server', status: stopped.wasRunning ? 'stopped' : 'unchanged', detail: stopped.wasRunning ? 'calm server stopped' : 'calm server was not running' });
  if (o.removeData) {
    rmSync(home, { recursive: true, force: true });
    steps.push({ step: 'data', status: 'removed', detail: `deleted ${home}` });
  }
  return { dryRun: false, steps, warnings, manifest: join(installDir(home), 'manifest.json') };
}
