/**
 * @module The Python CALM's own registrations in Claude Code's files, recognised precisely so that
 * `calm install` can replace them without `--force` and `calm uninstall` can put them back where they
 * were. CALM's install writes (reference: upstream-calm-cli-orchestration.md §9, §10):
 * - `~/.claude.json` → `mcpServers.calm = {"type":"http","url":"http://<host>:<port>/mcp"}` (older
 *   releases: `{"type":"sse","url":"…/sse"}`), on the loopback host, with no other key;
 * - `~/.claude/settings.json` → one matcher group per event whose handler runs
 *   `python -m calm.hooks.<session_start|user_prompt_submit|pre_tool_use|post_tool_use>` (any python
 *   binary, e.g. a venv's), plus the legacy `…/clams_scripts/hooks/…` scripts CALM itself replaces.
 * Anything else named `calm` is someone else's and still needs `--force`.
 */
import { isJsonObject, type JsonObject } from './json-file.js';

const CALM_HOOK_MODULES = ['session_start', 'user_prompt_submit', 'pre_tool_use', 'post_tool_use'];
const PYTHON_HOOK = new RegExp(`^\\s*(?:\\S*/)?python[0-9.]*(?:\\.exe)?\\s+-m\\s+calm\\.hooks\\.(?:${CALM_HOOK_MODULES.join('|')})\\s*$`);
const LEGACY_HOOK = /(?:^|[\s/'"])clams_scripts\/hooks\/[\w.-]+(?:\s|$|['"])/;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '0.0.0.0']);

/** Whether a hook command is one of CALM's Python hooks (or its legacy clams scripts). */
export function isCalmPythonHook(command: string): boolean {
  return PYTHON_HOOK.test(command) || LEGACY_HOOK.test(command);
}

/** Whether an `mcpServers.calm` value is the entry CALM's install writes. */
export function isCalmPythonMcpEntry(entry: unknown): boolean {
  if (!isJsonObject(entry)) return false;
  const keys = Object.keys(entry).sort();
  if (keys.length !== 2 || keys[0] !== 'type' || keys[1] !== 'url' || typeof entry.url !== 'string') return false;
  let url: URL;
  try {
    url = new URL(entry.url);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' || !LOOPBACK.has(url.hostname) || url.search || url.hash) return false;
  const path = url.pathname.replace(/\/$/, '');
  return (entry.type === 'http' && path === '/mcp') || (entry.type === 'sse' && path === '/sse');
}

/** A CALM handler taken out of `hooks.<event>`, with where it was, so uninstall can put it back. */
export interface RemovedCalmHook {
  readonly event: string;
  /** Index of its matcher group in the event's list, before removal. */
  readonly group: number;
  /** The whole group, when every handler in it was CALM's (the group went). */
  readonly wholeGroup?: JsonObject;
  /** Otherwise the handler and its index in the group. */
  readonly handler?: { readonly index: number; readonly value: JsonObject };
}

const commandOf = (h: unknown): string | undefined => (isJsonObject(h) && typeof h.command === 'string' ? h.command : undefined);

/**
 * Takes CALM's hook handlers out of `hooks` (in place). A group left with none of its own handlers goes
 * whole; other handlers in a shared group stay. Events are kept even when emptied (they were the user's).
 */
export function takeOutCalmHooks(hooks: JsonObject): RemovedCalmHook[] {
  const removed: RemovedCalmHook[] = [];
  for (const [event, groups] of Object.entries(hooks)) {
    if (!Array.isArray(groups)) continue;
    const kept: unknown[] = [];
    groups.forEach((g, index) => {
      if (!isJsonObject(g) || !Array.isArray(g.hooks)) return void kept.push(g);
      const handlers: unknown[] = g.hooks;
      const calm = handlers.map((h) => isCalmPythonHook(commandOf(h) ?? ''));
      if (!calm.includes(true)) return void kept.push(g);
      if (calm.every(Boolean)) return void removed.push({ event, group: index, wholeGroup: structuredClone(g) });
      handlers.forEach((h, i) => {
        if (calm[i]) removed.push({ event, group: index, handler: { index: i, value: structuredClone(h as JsonObject) } });
      });
      kept.push({ ...g, hooks: handlers.filter((_, i) => !calm[i]) });
    });
    hooks[event] = kept;
  }
  return removed;
}

/** Puts back what {@link takeOutCalmHooks} removed (in place), at the positions it had. */
export function putBackCalmHooks(hooks: JsonObject, removed: readonly RemovedCalmHook[]): void {
  // groups first, in ascending order, so each index refers to the list as it was
  const byGroup = [...removed].sort((a, b) => a.group - b.group || (a.handler?.index ?? 0) - (b.handler?.index ?? 0));
  for (const r of byGroup) {
    const list = Array.isArray(hooks[r.event]) ? (hooks[r.event] as unknown[]) : (hooks[r.event] = []);
    if (r.wholeGroup) list.splice(Math.min(r.group, list.length), 0, structuredClone(r.wholeGroup));
  }
  for (const r of byGroup) {
    if (!r.handler) continue;
    const group = (hooks[r.event] as unknown[])[r.group];
    if (isJsonObject(group) && Array.isArray(group.hooks)) group.hooks.splice(Math.min(r.handler.index, group.hooks.length), 0, structuredClone(r.handler.value));
    else (hooks[r.event] as unknown[]).push({ hooks: [structuredClone(r.handler.value)] }); // its group is gone: a group of its own
  }
}
