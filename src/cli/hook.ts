/**
 * `calm hook <event>`: the command Claude Code runs for its hooks (registered by `calm install`).
 * bin.ts sends `calm hook <event> [--home DIR]` straight to `runHookCommand`, without loading the
 * rest of the CLI, because a hook runs on every prompt and tool call; this registration gives the
 * command its help text and handles any other form.
 */
import type { Command } from 'commander';
import { CalmError } from '../errors.js';

export interface HookArgs {
  readonly event: string;
  readonly home?: string | undefined;
}

/** `<event>`, `<event> --home DIR` or `<event> --home=DIR`; undefined for anything else. */
export function parseHookArgs(args: readonly string[]): HookArgs | undefined {
  const [event, ...rest] = args;
  if (!event || event.startsWith('-')) return undefined;
  if (rest.length === 0) return { event };
  if (rest.length === 1 && rest[0]!.startsWith('--home=')) return { event, home: rest[0]!.slice('--home='.length) };
  if (rest.length === 2 && rest[0] === '--home') return { event, home: rest[1] };
  return undefined;
}

/** Runs the hook and exits 0, whatever happens (an unknown event included: Claude Code must never be blocked). */
export async function runHookCommand(args: HookArgs, env: NodeJS.ProcessEnv): Promise<void> {
  const [{ hookEventArg, HOOK_EVENTS }, { runHookProcess }] = await Promise.all([import('../hooks/events.js'), import('../hooks/runtime.js')]);
  const name = hookEventArg(args.event);
  if (!name) {
    process.stderr.write(`calm hook: unknown event '${args.event}' (known: ${Object.keys(HOOK_EVENTS).join(', ')})\n`);
    process.exit(0);
  }
  await runHookProcess(await HOOK_EVENTS[name](), { env, home: args.home });
}

export function registerHook(program: Command): void {
  program
    .command('hook')
    .description('Run a Claude Code hook: read its JSON payload on stdin, print context for the model, always exit 0')
    .argument('<event>', 'session-start | user-prompt-submit | pre-tool-use | post-tool-use')
    .option('--home <dir>', 'the calm home to use (default: CALM_HOME or ~/.calm)')
    .addHelpText('after', '\n`calm install` registers these in ~/.claude/settings.json. Errors go to $CALM_HOME/hook_errors.log.')
    .action(async (event: string, opts: { home?: string }) => {
      if (opts.home !== undefined && opts.home.trim() === '') throw new CalmError('validation_error', '--home needs a directory');
      await runHookCommand({ event, home: opts.home }, process.env);
    });
}
