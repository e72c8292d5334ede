/**
 * `calm server start|stop|status|restart`: the daemon (Streamable HTTP MCP at /mcp, GET /health).
 * `start` spawns `calm server start --foreground` detached and waits until it is healthy; the
 * foreground server writes its PID file once listening and removes it when it stops.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import type { CalmConfig } from '../config.js';
import { asCalmError, CalmError } from '../errors.js';
import { cliConfig } from './app-context.js';
import { stderrLogger } from './logger.js';
import { print } from './output.js';

/** How often the daemon checks that its home still exists. */
const HOME_CHECK_MS = 5_000;

const hostPort = (config: CalmConfig): string => `${config.serverHost}:${config.serverPort}`;

export async function requireInitialized(config: CalmConfig): Promise<void> {
  const { isInitialized } = await import('../app.js');
  if (!isInitialized(config)) {
    throw new CalmError('not_found', `calm is not initialized at ${config.paths.home}; run \`calm init\` first`);
  }
}

async function startDaemonCommand(config: CalmConfig): Promise<void> {
  const { daemonStatus, startDaemon } = await import('../services/daemon.js');
  const running = daemonStatus(config);
  if (running.running) {
    print(running, {}, (s) => `Server is already running (PID: ${s.pid})`);
    return;
  }
  await requireInitialized(config);
  print(config, {}, (c) => `Starting calm server daemon on ${hostPort(c)}...`);
  const result = await startDaemon(config);
  if (result.alreadyRunning) print(result, {}, (r) => `Server is already running (PID: ${r.pid})`);
  else print(result, {}, (r) => `Server started (PID ${r.pid})\nLog file: ${config.paths.logFile}`);
}

/** Runs the server in this process until SIGTERM or SIGINT; logs go to stderr. */
async function runForeground(config: CalmConfig): Promise<void> {
  const logger = stderrLogger(config.logLevel);
  const { daemonStatus, writePidFile, removePidFileIfOwn } = await import('../services/daemon.js');
  // whoever spawned this process may have written its PID already (claimPidFile): a start that fails removes it
  const removeOwnPid = (): void => removePidFileIfOwn(config.paths.pidFile, process.pid);
  process.on('exit', removeOwnPid);
  const other = daemonStatus(config);
  if (other.running && other.pid !== process.pid) {
    throw new CalmError('not_available', `Server is already running (PID: ${other.pid}); stop it first with \`calm server stop\``);
  }
  const { createApp } = await import('../app.js');
  const { startHttpServer } = await import('../mcp/http.js');
  logger.info(`Starting calm server on ${hostPort(config)}...`);
  const app = createApp(config, { requireInitialized: true });
  const { ensureAuthToken } = await import('../services/auth-token.js');
  const authToken = ensureAuthToken(config);
  let http: Awaited<ReturnType<typeof startHttpServer>>;
  try {
    http = await startHttpServer(app, { host: config.serverHost, port: config.serverPort, log: logger.error, debug: logger.debug, authToken });
  } catch (e) {
    await app.close();
    throw e;
  }

  const pidFile = config.paths.pidFile;
  const removePid = (): void => removePidFileIfOwn(pidFile, process.pid);
  try {
    writePidFile(pidFile, process.pid);
  } catch (e) {
    await http.close();
    await app.close();
    throw new CalmError('storage_error', `Cannot write the PID file ${pidFile}: ${(e as Error).message}`, { cause: e });
  }
  process.on('exit', removePid);
  logger.info(`calm server listening on ${http.url} (PID ${process.pid}, home ${config.paths.home}${authToken ? ', bearer token required' : ''})`);
  // load the model now rather than on the first call; a failure is logged and retried by that call
  app.embedder().then(
    (e) => logger.info(`embedder ready: ${e.id} (${e.dim} dimensions)`),
    (e: unknown) => logger.error(`embedder failed to load: ${asCalmError(e).message}`),
  );

  // the daily automatic backup: checked now and every hour, taken when the newest is a day old
  const { autoBackupIfDue } = await import('../services/backup/rotation.js');
  const backupIfDue = (): void => {
    autoBackupIfDue(app.settings).then(
      (r) => r && logger.info(`automatic backup taken: ${r.backup.name}`),
      (e: unknown) => logger.error(`automatic backup failed: ${asCalmError(e).message}`),
    );
  };
  backupIfDue();
  const backupTimer = setInterval(backupIfDue, 60 * 60 * 1000);
  backupTimer.unref();

  // a daemon whose home was deleted (e.g. `rm -rf ~/.calm`) serves nothing useful: it stops itself
  let homeTimer: NodeJS.Timeout | undefined;
  const reason = await new Promise<string>((resolve) => {
    const on = (s: NodeJS.Signals): void => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      resolve(`${s} received`);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
    homeTimer = setInterval(() => {
      if (!existsSync(config.paths.database)) {
        process.off('SIGTERM', on);
        process.off('SIGINT', on);
        resolve(`${config.paths.database} is gone`);
      }
    }, HOME_CHECK_MS);
    homeTimer.unref();
  });
  clearInterval(homeTimer);
  logger.info(`${reason}, shutting down`);
  // a second signal while shutting down ends the process at once
  const force = (): void => {
    removePid();
    process.exit(1);
  };
  process.once('SIGTERM', force);
  process.once('SIGINT', force);
  clearInterval(backupTimer);
  try {
    await http.close();
    await app.close();
  } finally {
    removePid();
    process.off('exit', removePid);
  }
  logger.info('calm server stopped');
  // nothing should keep the process alive now; if something does (a native thread pool), do not hang
  setTimeout(() => process.exit(0), 2_000).unref();
}

interface StatusView {
  running: boolean;
  pid: number | null;
  url: string;
  pidFile: string;
  logFile: string;
}

export function registerServer(program: Command): void {
  const server = program.command('server').description('Manage the calm daemon (Streamable HTTP MCP at /mcp, health at /health)');

  server
    .command('start')
    .description('Start the daemon in the background (or in this process with --foreground)')
    .option('-f, --foreground', 'run in this process, logging to stderr, until SIGTERM or Ctrl-C')
    .action(async (opts: { foreground?: boolean }) => {
      const config = await cliConfig();
      if (opts.foreground) await runForeground(config);
      else await startDaemonCommand(config);
    });

  server
    .command('stop')
    .description('Stop the daemon (SIGTERM, then SIGKILL after 5 s)')
    .action(async () => {
      const { stopDaemon } = await import('../services/daemon.js');
      const result = await stopDaemon(await cliConfig());
      print(result, {}, (r) => (r.wasRunning ? 'Server stopped' : 'Server was not running'));
    });

  server
    .command('status')
    .description('Say whether the daemon is running, with its URL, PID file and log file')
    .option('--json', 'print the status as JSON')
    .action(async (opts: { json?: boolean }) => {
      const { daemonMcpUrl, daemonStatus } = await import('../services/daemon.js');
      const config = await cliConfig();
      const s = daemonStatus(config);
      const view: StatusView = {
        running: s.running,
        pid: s.running ? (s.pid ?? null) : null,
        url: daemonMcpUrl(config),
        pidFile: config.paths.pidFile,
        logFile: config.paths.logFile,
      };
      print(view, opts, (v) => {
        const stale = s.stale ? `\n  (removed a stale PID file${s.pid ? ` naming PID ${s.pid}, which is not a running calm server` : ''})` : '';
        if (!v.running) return `Server is not running${stale}`;
        return [`Server is running (PID: ${v.pid})`, `  URL: ${v.url}`, `  PID file: ${v.pidFile}`, `  Log file: ${v.logFile}`].join('\n');
      });
    });

  server
    .command('restart')
    .description('Stop the daemon if it runs, then start it')
    .action(async () => {
      const { daemonStatus, stopDaemon } = await import('../services/daemon.js');
      const config = await cliConfig();
      if (daemonStatus(config).running) {
        print(null, {}, () => 'Stopping server...');
        const stopped = await stopDaemon(config);
        print(stopped, {}, (r) => (r.wasRunning ? 'Server stopped' : 'Server was not running'));
      }
      await startDaemonCommand(config);
    });
}
