#!/usr/bin/env node
/** The `calm` binary. `--version` answers before any command module loads. */
import { VERSION } from '../version.js';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${VERSION}\n`);
} else {
  const { main } = await import('./main.js');
  await main(process.argv, VERSION);
}
