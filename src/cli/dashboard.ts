/**
 * @module `calm dashboard`: starts the daemon when it is not running (the one spawner in services/daemon.ts),
 * prints the dashboard's URL, with the bearer token in its fragment when one is configured (a fragment is
 * never sent to the server nor kept in a Referer; the page reads it and drops it from the address bar),
 * and with `--open` hands it to the system's opener (xdg-open with a display, `open` on macOS) when
 * there is one. No opener is not a failure: the URL is printed either way.
 */
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { cliConfig } from './app-context.js';
import { print } from './output.js';
import { requireInitialized } from './server.js';

interface DashboardView {
  /** The page's address; with `#token=…` when the daemon requires a token. */
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
    .option('--open', 'also open it in a browser (when this machine has one)')
    .option('--json', 'print {url, started, pid, opened} as JSON')
    .addHelpText('after', '\nThe URL carries the bearer token after # when the server requires one (server.auth): treat it like the token.')
    .action(async (opts: { open?: boolean; json?: boolean }) => {
      const config = await cliConfig();
      const { daemonBaseUrl, daemonStatus, startDaemon } = await import('../services/daemon.js');
      const { resolveAuthToken } = await import('../services/auth-token.js');
      const running = daemonStatus(config);
      let started = false;
      let pid = running.pid;
      if (!running.running) {
        await requireInitialized(config);
        const result = await startDaemon(config);
        started = !result.alreadyRunning;
        pid = result.pid;
      }
      // read after the start: the daemon generates the token file on its first start
      const token = resolveAuthToken(config);
      const url = `${daemonBaseUrl(config)}/${token === undefined ? '' : `#token=${encodeURIComponent(token)}`}`;
      const opened = opts.open === true ? await openUrl(url) : false;
      const view: DashboardView = { url, started, pid: pid!, opened };
      print(view, opts, (v) =>
        [
          ...(v.started ? [`Server started (PID ${v.pid})`] : []),
          v.opened ? `Opened the calm dashboard: ${v.url}` : `calm dashboard: ${v.url}`,
          ...(opts.open === true && !v.opened ? ['(no browser to open here: open the URL above yourself)'] : []),
        ].join('\n'),
      );
    });
}
