/**
 * @module UserPromptSubmit: the memories, experiences and values relevant to the prompt, within a
 * token budget (CALM injected the most important memories whatever the prompt was about). Asks the
 * daemon, whose model is warm; falls back to the database when it does not answer in time.
 */
import type { PromptContext, PromptContextItem, PromptContextKind } from '../services/hooks/prompt-context.js';
import type { HookHandler } from './runtime.js';

export const PROMPT_MAX_TOKENS = 1000;
const DAEMON_TIMEOUT_MS = 2000;

const TITLES: Readonly<Record<PromptContextKind, string>> = {
  memory: 'Memories',
  experience: 'Past experiences (resolved GHAP entries)',
  value: 'Values',
};

/** The text injected with the prompt, or undefined when nothing relevant was found. */
export function formatPromptContext(context: PromptContext): string | undefined {
  if (context.items.length === 0) return undefined;
  const lines = ['calm found this in earlier sessions, relevant to the prompt:'];
  for (const kind of ['memory', 'experience', 'value'] as const) {
    const items = context.items.filter((i: PromptContextItem) => i.kind === kind);
    if (items.length === 0) continue;
    lines.push(`${TITLES[kind]}:`, ...items.map((i) => `- ${i.text}`));
  }
  if (context.omitted > 0) lines.push(`(${context.omitted} more relevant item(s) left out for length; retrieve_memories and search_experiences find them.)`);
  return lines.join('\n');
}

export const userPromptSubmit: HookHandler = {
  event: 'UserPromptSubmit',
  limitMs: 5000,
  async run(payload, ctx) {
    const prompt = payload.prompt.trim();
    // nothing to match on, or a bare slash command (/wrapup): the skill brings its own context
    if (!prompt || /^\/\S+$/.test(prompt) || !ctx.initialized) return {};
    const { answer } = await ctx.query<PromptContext>({ kind: 'prompt', prompt, max_tokens: PROMPT_MAX_TOKENS, cwd: payload.cwd }, DAEMON_TIMEOUT_MS);
    return { context: formatPromptContext(answer) };
  },
};
