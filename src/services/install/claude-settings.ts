/**
 * @module What calm adds to Claude Code's configuration, as pure functions over parsed JSON: the MCP
 * server entry (`~/.claude.json` → top-level `mcpServers`, user scope) and the hook entries
 * (`~/.claude/settings.json` → `hooks`). Adding is idempotent; removing takes out exactly the
 * handlers whose commands calm wrote and the containers it created, nothing else.
 *
 * Hook entries follow Claude Code's three levels (event → matcher group → handlers); a flat handler or
 * a non-string matcher would make Claude Code drop the whole file (cc#49990, cc#75081). Matchers are
 * tool or source names (CALM's `Bash(pytest:*)` is permission syntax, which matchers never match).
 * Timeouts are explicit and longer than each hook's own hard limit, so calm's limit always acts first.
 */
import { isJsonObject, type JsonObject } from './json-file.js';

export const MCP_SERVER_NAME = 'calm';

export interface HookSpec {
  readonly event: string;
  readonly matcher?: string;
  /** The `calm hook <arg>` this event runs. */
  readonly arg: string;
  /** Seconds. */
  readonly timeout: number;
}

export const HOOK_SPECS: readonly HookSpec[] = [
  { event: 'SessionStart', matcher: 'startup|resume|clear|compact', arg: 'session-start', timeout: 10 },
  { event: 'UserPromptSubmit', arg: 'user-prompt-submit', timeout: 10 },
  { event: 'PreToolUse', matcher: '*', arg: 'pre-tool-use', timeout: 5 },
  { event: 'PostToolUse', matcher: 'Bash', arg: 'post-tool-use', timeout: 10 },
  // a test run that fails exits non-zero, which Claude Code reports as a failed tool call
  { event: 'PostToolUseFailure', matcher: 'Bash', arg: 'post-tool-use', timeout: 10 },
];

/** A word for a POSIX shell: bare when safe, else single-quoted. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_\/.:@%+=,-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

export interface CalmCommand {
  /** Absolute path of the node binary. */
  readonly node: string;
  /** Absolute path of calm's bin.js. */
  readonly bin: string;
  /** The calm home, when it is not the default one (then the hook and the server are told). */
  readonly home?: string | undefined;
}

export function hookCommand(cmd: CalmCommand, arg: string): string {
  const home = cmd.home ? ` --home ${shellQuote(cmd.home)}` : '';
  return `${shellQuote(cmd.node)} ${shellQuote(cmd.bin)} hook ${arg}${home}`;
}

export function hookEntry(cmd: CalmCommand, spec: HookSpec): JsonObject {
  const handler = { type: 'command', command: hookCommand(cmd, spec.arg), timeout: spec.timeout };
  return spec.matcher === undefined ? { hooks: [handler] } : { matcher: spec.matcher, hooks: [handler] };
}

export type McpTransport = 'stdio' | 'http';

export function mcpEntry(cmd: CalmCommand, transport: McpTransport, daemonUrl: string, authToken?: string): JsonObject {
  if (transport === 'http') return authToken ? { type: 'http', url: daemonUrl, headers: { Authorization: `Bearer ${authToken}` } } : { type: 'http', url: daemonUrl };
  return { type: 'stdio', command: cmd.node, args: [cmd.bin, 'mcp'], env: cmd.home ? { CALM_HOME: cmd.home } : {} };
}

const clone = <T>(v: T): T => structuredClone(v);

/** Commands of every handler under `settings.hooks`. */
function handlersOf(settings: JsonObject): { event: string; command: string }[] {
  const hooks = settings.hooks;
  if (!isJsonObject(hooks)) return [];
  const out: { event: string; command: string }[] = [];
  for (const [event, groups] of Object.entries(hooks)) {
    if (!Array.isArray(groups)) continue;
    for (const g of groups) {
      if (!isJsonObject(g) || !Array.isArray(g.hooks)) continue;
      for (const h of g.hooks) if (isJsonObject(h) && typeof h.command === 'string') out.push({ event, command: h.command });
    }
  }
  return out;
}

export interface HooksChange {
  readonly settings: JsonObject;
  /** Events whose entry was added. */
  readonly added: string[];
  /** Events whose array calm created (absent before). */
  readonly createdEvents: string[];
  readonly createdHooksKey: boolean;
}

/**
 * Adds calm's hook entries. An event that already runs exactly calm's command is left as it is;
 * handlers whose command is in `previous` (written by an earlier install, e.g. from another path)
 * are replaced. Throws on a `hooks` value Claude Code itself would reject.
 */
export function addHooks(input: JsonObject, entries: readonly { spec: HookSpec; entry: JsonObject }[], previous: readonly string[] = []): HooksChange {
  const settings = clone(input);
  const createdHooksKey = settings.hooks === undefined;
  if (createdHooksKey) settings.hooks = {};
  if (!isJsonObject(settings.hooks)) throw new Error("'hooks' is not an object");
  const hooks = settings.hooks;
  const wanted = new Set(entries.map((e) => commandOf(e.entry)));
  const stale = new Set(previous.filter((c) => !wanted.has(c)));
  if (stale.size > 0) removeCommands(hooks, stale, new Set());
  const added: string[] = [];
  const createdEvents: string[] = [];
  for (const { spec, entry } of entries) {
    const present = handlersOf(settings).some((h) => h.event === spec.event && h.command === commandOf(entry));
    if (present) continue;
    if (hooks[spec.event] === undefined) {
      hooks[spec.event] = [];
      createdEvents.push(spec.event);
    }
    const list = hooks[spec.event];
    if (!Array.isArray(list)) throw new Error(`'hooks.${spec.event}' is not a list`);
    list.push(clone(entry));
    added.push(spec.event);
  }
  return { settings, added, createdEvents, createdHooksKey };
}

function commandOf(entry: JsonObject): string {
  const h = (entry.hooks as JsonObject[])[0]!;
  return h.command as string;
}

/** Removes handlers running one of `commands`; groups left empty go, and so do the events in `dropIfEmpty`. */
function removeCommands(hooks: JsonObject, commands: ReadonlySet<string>, dropIfEmpty: ReadonlySet<string>): number {
  let removed = 0;
  for (const [event, groups] of Object.entries(hooks)) {
    if (!Array.isArray(groups)) continue;
    const kept = groups.filter((g) => {
      if (!isJsonObject(g) || !Array.isArray(g.hooks)) return true;
      const handlers: unknown[] = g.hooks;
      const left = handlers.filter((h) => !(isJsonObject(h) && typeof h.command === 'string' && commands.has(h.command)));
      removed += handlers.length - left.length;
      g.hooks = left;
      return !(handlers.length > 0 && left.length === 0); // a group calm emptied goes; one that was already empty stays
    });
    if (kept.length === 0 && dropIfEmpty.has(event)) delete hooks[event];
    else hooks[event] = kept;
  }
  return removed;
}

/** Takes out the handlers running `commands`, the events calm created if left empty, and `hooks` itself if calm created it and it is empty. */
export function removeHooks(input: JsonObject, commands: readonly string[], createdEvents: readonly string[], createdHooksKey: boolean): { settings: JsonObject; removed: number } {
  const settings = clone(input);
  if (!isJsonObject(settings.hooks)) return { settings, removed: 0 };
  const removed = removeCommands(settings.hooks, new Set(commands), new Set(createdEvents));
  if (createdHooksKey && Object.keys(settings.hooks).length === 0) delete settings.hooks;
  return { settings, removed };
}

export interface McpChange {
  readonly config: JsonObject;
  readonly changed: boolean;
  /** The entry that was under the name before, when calm replaced someone else's. */
  readonly replaced?: unknown;
  readonly createdContainer: boolean;
}

export function addMcpServer(input: JsonObject, entry: JsonObject, isOurs: (existing: unknown) => boolean, force: boolean): McpChange {
  const config = clone(input);
  const createdContainer = config.mcpServers === undefined;
  if (createdContainer) config.mcpServers = {};
  if (!isJsonObject(config.mcpServers)) throw new Error("'mcpServers' is not an object");
  const servers = config.mcpServers;
  const existing = servers[MCP_SERVER_NAME];
  if (existing !== undefined && JSON.stringify(existing) === JSON.stringify(entry)) return { config: input, changed: false, createdContainer: false };
  let replaced: unknown;
  if (existing !== undefined && !isOurs(existing)) {
    if (!force) throw new ForeignEntryError(`an MCP server named '${MCP_SERVER_NAME}' is already registered (${JSON.stringify(existing)})`);
    replaced = existing;
  }
  servers[MCP_SERVER_NAME] = clone(entry);
  return { config, changed: true, createdContainer, ...(replaced !== undefined ? { replaced } : {}) };
}

/** Removes calm's server, putting back the one it replaced; `mcpServers` goes too if calm created it and it is empty. */
export function removeMcpServer(input: JsonObject, isOurs: (existing: unknown) => boolean, replaced: unknown, createdContainer: boolean): { config: JsonObject; removed: boolean } {
  const config = clone(input);
  if (!isJsonObject(config.mcpServers) || !isOurs(config.mcpServers[MCP_SERVER_NAME])) return { config, removed: false };
  if (replaced !== undefined && replaced !== null) config.mcpServers[MCP_SERVER_NAME] = clone(replaced);
  else delete config.mcpServers[MCP_SERVER_NAME];
  if (createdContainer && Object.keys(config.mcpServers).length === 0) delete config.mcpServers;
  return { config, removed: true };
}

export class ForeignEntryError extends Error {}
