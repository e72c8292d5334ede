/**
 * @module What a hook prints: the JSON form Claude Code injects into the model's context for every
 * event, `hookSpecificOutput.additionalContext` with the matching `hookEventName` (without it the text
 * is dropped). CALM printed plain text, which reaches the model only for SessionStart and
 * UserPromptSubmit; for the tool events it went to a debug log.
 */

/** Claude Code moves longer context to a file and shows a preview; stay below its 10,000 characters. */
export const CONTEXT_MAX_CHARS = 9000;

export const EVENT_NAMES = ['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'PostToolUseFailure'] as const;
export type HookEventName = (typeof EVENT_NAMES)[number];

export function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

export function contextOutput(event: HookEventName, context: string): string {
  return `${JSON.stringify({ hookSpecificOutput: { hookEventName: event, additionalContext: truncate(context, CONTEXT_MAX_CHARS) } })}\n`;
}
