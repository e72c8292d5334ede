/**
 * @module The CLI: one commander program, command groups registered from their own files, and the
 * single catch that turns every error into a message and an exit code (0 ok, 1 failure, 2 usage).
 */
import { Command, CommanderError } from 'commander';
import { asCalmError, CalmError } from '../errors.js';
import { registerBackup } from './backup.js';
import { registerConfig } from './config.js';
import { registerDashboard } from './dashboard.js';
import { registerContext } from './context.js';
import { registerDemo } from './demo.js';
import { registerDoctor } from './doctor.js';
import { registerGhap } from './ghap.js';
import { registerExportImport } from './export-import.js';
import { registerGit } from './git.js';
import { registerHook } from './hook.js';
import { registerImportCalm } from './import-calm.js';
import { registerIndex } from './index-cmd.js';
import { registerInit } from './init.js';
import { registerInstall } from './install.js';
import { registerLearn } from './learn.js';
import { registerMcp } from './mcp.js';
import { registerMemory } from './memory.js';
import { registerMigrate } from './migrate.js';
import { registerOrchestration } from './orchestration.js';
import { printError } from './output.js';
import { registerReembed } from './reembed.js';
import { registerRestoreCalm } from './restore-calm.js';
import { registerSearch } from './search.js';
import { registerServer } from './server.js';
import { registerStatus } from './status.js';

export function buildProgram(version: string): Command {
  const program = new Command('calm')
    .description('Local memory and learning for coding agents')
    .version(version, '-V, --version', 'print the calm version')
    .showSuggestionAfterError(true)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  program.configureHelp({ sortSubcommands: true });
  registerInit(program);
  registerStatus(program);
  registerDoctor(program);
  registerReembed(program);
  registerMemory(program);
  registerGhap(program);
  registerLearn(program);
  registerOrchestration(program);
  registerDemo(program);
  registerConfig(program);
  registerServer(program);
  registerDashboard(program);
  registerMcp(program);
  registerBackup(program);
  registerExportImport(program);
  registerMigrate(program);
  registerImportCalm(program);
  registerRestoreCalm(program);
  registerIndex(program);
  registerSearch(program);
  registerGit(program);
  registerContext(program);
  registerHook(program);
  registerInstall(program);
  // every subcommand throws instead of exiting, so the catch below owns exit codes
  const override = (cmd: Command): void => {
    cmd.exitOverride();
    cmd.commands.forEach(override);
  };
  override(program);
  guardCalmHome(program);
  return program;
}

/**
 * Commands that may run on a CALM home: init adopts it (import-calm is part of that), restore-calm and
 * demo use other files, hooks check for themselves (they must exit 0).
 */
const ALLOWED_ON_CALM_HOME = new Set(['init', 'restore-calm', 'demo', 'hook']);

/** Before any action: on a CALM home (not yet brought over), every other command stops and writes nothing. */
function guardCalmHome(program: Command): void {
  program.hook('preAction', async (_self, action) => {
    let top: Command = action;
    while (top.parent && top.parent !== program) top = top.parent;
    if (ALLOWED_ON_CALM_HOME.has(top.name())) return;
    const [{ resolveHome }, { assertNotCalmHome }] = await Promise.all([import('../config.js'), import('../services/calm-home/detect.js')]);
    await assertNotCalmHome(resolveHome(process.env).home);
  });
}

export async function main(argv: readonly string[], version: string): Promise<void> {
  const program = buildProgram(version);
  try {
    await program.parseAsync([...argv]);
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and --version exit 0; anything else commander rejects is a usage error
      process.exitCode = e.exitCode === 0 ? 0 : 2;
      return;
    }
    const err = asCalmError(e);
    const json = argv.includes('--json');
    if (err.type === 'internal_error' && !(e instanceof CalmError)) {
      const reason = e instanceof Error ? e.message : String(e);
      printError(new CalmError('internal_error', `unexpected failure: ${reason} (set CALM_DEBUG=1 for details)`, { cause: e }), { json });
    } else {
      printError(err, { json });
    }
    process.exitCode = err.exitCode;
  }
}
