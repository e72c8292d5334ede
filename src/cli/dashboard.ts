/**
 * @module `calm dashboard`: starts the daemon when it is not running, then opens the dashboard in a
 * browser when there is one (xdg-open on Linux with a display, `open` on macOS), else prints its URL.
 */
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { cliConfig } from './app-context.js';
import { print } from './output.js';
import { cliPath, requireInitialized } from './server.js';

interface DashboardView {
  url: string;
  /** Whether this command started the daemon (false: it was running). */
  started: boolean;
  pid: number;
  opened: boolean;
}

/** The program that opens a URL in the user's browser here, or undefined when there is no browser to show. */
function opener(): { cmd: string; args: string[] } | undefined {
  if (process.platform === 'darwin') return { cmd: 'open', args: [] };
  if (process.platform === 'win32') return { cmd: 'cmd', args: ['/c', 'start', '""'] };
  // a Linux machine without a display (ssh, CI, containers) has no browser to open
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return undefined;
  return { cmd: 'xdg-open', args: [] };
}

/** Starts the opener detached; resolves false when it cannot run (not installed) or fails at once. */
function openUrl(url: string): Promise<boolean> {
  const how = opener();
  if (!how) return Promise.resolve(false);
  return new Promise((resolve) => {
    const child = spawn(how.cmd, [...how.args, url], { detached: true, stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
}

export function registerDashboard(program: Command): void {
  program
    .command('dashboard')
    .description('Open the web dashboard (starts the calm server when it is not running)')
    .option('--no-open', 'do not open a browser, only print the URL')
    .option('--json', 'print the URL and server state as JSON')
    .action(async (opts: { open: boolean; json?: boolean }) => {
      const config = await cliConfig();
      const { daemonBaseUrl, daemonStatus, startDaemon } = await import('../services/daemon.js');
      const running = daemonStatus(config);
      let started = false;
      let pid = running.pid;
      if (!running.running) {
        await requireInitialized(config);
        const result = await startDaemon(config, { cliPath: cliPath() });
        started = !result.alreadyRunning;
        pid = result.pid;
      }
      const url = `${daemonBaseUrl(config)}/`;
      const opened = opts.open ? await openUrl(url) : false;
      const view: DashboardView = { url, started, pid: pid!, opened };
      print(view, opts, (v) =>
        [
          ...(v.started ? [`Server started (PID ${v.pid})`] : []),
          v.opened ? `Opened the calm dashboard: ${v.url}` : `calm dashboard: ${v.url}`,
        ].join('\n'),
      );
    });
}
