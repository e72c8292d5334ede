/**
 * @module The hook events `calm hook <event>` answers, by the name used on the command line, each
 * loaded only when it runs. Claude Code's own event names are accepted too.
 */
import type { HookHandler } from './runtime.js';

export const HOOK_EVENTS = {
  'session-start': async () => (await import('./session-start.js')).sessionStart,
  'user-prompt-submit': async () => (await import('./user-prompt-submit.js')).userPromptSubmit,
  'pre-tool-use': async () => (await import('./pre-tool-use.js')).preToolUse,
  'post-tool-use': async () => (await import('./post-tool-use.js')).postToolUse,
} as const satisfies Record<string, () => Promise<HookHandler>>;

export type HookEventArg = keyof typeof HOOK_EVENTS;

const ALIASES: Readonly<Record<string, HookEventArg>> = {
  sessionstart: 'session-start',
  userpromptsubmit: 'user-prompt-submit',
  prompt: 'user-prompt-submit',
  pretooluse: 'pre-tool-use',
  posttooluse: 'post-tool-use',
  posttoolusefailure: 'post-tool-use',
};

/** `session-start`, `SessionStart`, `sessionstart` → `session-start`; undefined for anything else. */
export function hookEventArg(name: string | undefined): HookEventArg | undefined {
  if (!name) return undefined;
  if (name in HOOK_EVENTS) return name as HookEventArg;
  return ALIASES[name.toLowerCase().replace(/[-_]/g, '')];
}
