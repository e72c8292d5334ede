#!/usr/bin/env node
/** The `calm` binary. `--version` and `calm hook <event>` answer before any other command module loads. */
import { VERSION } from '../version.js';

const args = process.argv.slice(2);
const hookArgs = args[0] === 'hook' ? (await import('./hook.js')).parseHookArgs(args.slice(1)) : undefined;
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${VERSION}\n`);
} else if (hookArgs) {
  // hooks run on every prompt and tool call: skip loading the whole CLI
  await (await import('./hook.js')).runHookCommand(hookArgs, process.env);
} else {
  const { main } = await import('./main.js');
  await main(process.argv, VERSION);
}
