/**
 * `calm install` and `calm uninstall`: register calm with Claude Code (MCP server in ~/.claude.json,
 * hooks in ~/.claude/settings.json, skills in ~/.claude/skills) and take it out again.
 */
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { CalmError } from '../errors.js';
import { calmBinPath } from '../services/daemon.js';
import type { InstallReport } from '../services/install/installer.js';
import { cliConfig } from './app-context.js';
import { confirm } from './confirm.js';
import { print } from './output.js';

function target(): { userHome: string; claudeConfigDir?: string } {
  const userHome = process.env.HOME?.trim() || process.env.USERPROFILE?.trim();
  if (!userHome) throw new CalmError('config_error', 'HOME is not set: cannot find ~/.claude.json');
  const dir = process.env.CLAUDE_CONFIG_DIR?.trim();
  return dir ? { userHome, claudeConfigDir: dir } : { userHome };
}

function render(r: InstallReport, title: string, notes: readonly string[] = [], verbose = false): string {
  const lines = [title];
  for (const s of r.steps) lines.push(`  [${s.status}] ${s.step}: ${s.detail}`);
  for (const w of r.warnings) lines.push(`  warning: ${w}`);
  for (const n of notes) lines.push(`  note: ${n}`);
  if (verbose) lines.push(`  install record: ${r.manifest}`, `  backups of changed files: ${join(dirname(r.manifest), 'backups')}`);
  return lines.join('\n');
}

/** CALM's install flags that mean nothing here: accepted, so CALM's scripts and docs keep working, with a word on why. */
function calmFlagNotes(opts: InstallFlags): string[] {
  const notes: string[] = [];
  if (opts.dev) notes.push(`--dev (CALM's development mode) is not needed: the hooks and the MCP server always run this build (${calmBinPath()})`);
  if (opts.skipQdrant) notes.push('--skip-qdrant: nothing to skip, calm needs no Qdrant (everything lives in one SQLite file; CALM_VECTOR_BACKEND=qdrant opts in to a Qdrant server)');
  return notes;
}

interface InstallFlags {
  dryRun?: boolean;
  yes?: boolean;
  skipMcp?: boolean;
  skipHooks?: boolean;
  skipServer?: boolean;
  force?: boolean;
  mcpTransport?: string;
  json?: boolean;
  dev?: boolean;
  skipQdrant?: boolean;
  verbose?: boolean;
}

export function registerInstall(program: Command): void {
  program
    .command('install')
    .description('Register calm with Claude Code: MCP server (~/.claude.json), hooks (~/.claude/settings.json), skills; start the server')
    .option('--dry-run', 'show what would change and change nothing')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--skip-mcp', 'do not register the MCP server')
    .option('--skip-hooks', 'do not register the hooks and skills')
    .option('--skip-server', 'do not start the calm server')
    .option('--force', "replace an MCP server or skill named like calm's that is someone else's (uninstall puts it back)")
    .option('--mcp-transport <transport>', 'stdio (Claude Code starts `calm mcp` per session) or http (the daemon)', 'stdio')
    .option('--json', 'print the report as JSON')
    .option('-v, --verbose', 'also show where the install record and the backups of changed files are')
    .option('--dev', "accepted for CALM's scripts: calm has no separate development mode")
    .option('--skip-qdrant', 'accepted for CALM\'s scripts: calm needs no Qdrant')
    .addHelpText('after', '\nEntries are merged: nothing else in those files changes, a second install changes nothing, and each file is backed up\n(under $CALM_HOME/install/backups) before calm first changes it. `calm uninstall` removes exactly what install added.\nThe Python CALM\'s own entries (mcpServers.calm on http://127.0.0.1:<port>/mcp, python -m calm.hooks.* hooks) are\nreplaced without --force, and uninstall puts them back.')
    .action(async (opts: InstallFlags) => {
      if (opts.mcpTransport !== 'stdio' && opts.mcpTransport !== 'http') {
        throw new CalmError('validation_error', `--mcp-transport must be stdio or http, not '${opts.mcpTransport}'`);
      }
      const transport = opts.mcpTransport;
      const config = await cliConfig();
      const [{ install, claudePaths }, daemon, { ensureAuthToken }] = await Promise.all([
        import('../services/install/installer.js'), import('../services/daemon.js'), import('../services/auth-token.js'),
      ]);
      const where = claudePaths(target());
      const home = config.sources.home === 'environment' ? config.paths.home : undefined;
      const run = (dryRun: boolean): Promise<InstallReport> =>
        install({
          paths: config.paths,
          target: target(),
          command: { node: process.execPath, bin: daemon.calmBinPath(), home },
          daemonUrl: daemon.daemonMcpUrl(config),
          authToken: transport === 'http' ? ensureAuthToken(config) : undefined,
          mcpTransport: transport,
          dryRun,
          force: opts.force ?? false,
          skipMcp: opts.skipMcp ?? false,
          skipHooks: opts.skipHooks ?? false,
          skipServer: opts.skipServer ?? false,
          initialize: async () => {
            const { initCalm } = await import('../services/init.js');
            await initCalm(config);
          },
          startServer: () => daemon.startDaemon(config),
        });
      const notes = calmFlagNotes(opts);
      if (!opts.dryRun && !opts.yes) {
        const plan = await run(true);
        print(plan, {}, (r) => render(r, `calm install will change (calm home ${config.paths.home}):`, notes));
        if (!(await confirm(`Register calm in ${where.claudeJson} and ${where.settingsJson}?`, false))) {
          print(null, {}, () => 'Aborted.');
          return;
        }
      }
      const report = await run(opts.dryRun ?? false);
      print({ ...report, notes }, { json: opts.json }, (r) =>
        r.dryRun
          ? `${render(r, 'calm install (dry run):', notes, opts.verbose)}\nNo changes made (dry run).`
          : `${render(r, 'calm install:', notes, opts.verbose)}\nDone. Start a new Claude Code session: calm's tools appear as mcp__calm__*, and /orchestrate, /wrapup, /reflection as skills.`,
      );
    });

  program
    .command('uninstall')
    .description('Remove what `calm install` added to Claude Code and stop the server (your calm data stays unless --remove-data)')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--remove-data', 'also delete the calm home (memories, experiences, tasks, backups)')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { yes?: boolean; removeData?: boolean; json?: boolean }) => {
      const config = await cliConfig();
      const question = opts.removeData
        ? `Remove calm from Claude Code and DELETE ${config.paths.home} with all memories, experiences and backups?`
        : 'Remove calm from Claude Code (your calm data stays)?';
      if (!(await confirm(question, opts.yes))) {
        print(null, {}, () => 'Aborted.');
        return;
      }
      const [{ uninstall }, { stopDaemon }] = await Promise.all([import('../services/install/installer.js'), import('../services/daemon.js')]);
      const report = await uninstall({ paths: config.paths, removeData: opts.removeData ?? false, stopServer: () => stopDaemon(config) });
      print(report, { json: opts.json }, (r) => render(r, 'calm uninstall:'));
    });
}
