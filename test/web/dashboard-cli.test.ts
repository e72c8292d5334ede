/**
 * `calm dashboard` through the real binary: it starts the daemon when none runs (and finds it when one
 * does), prints the URL with the token in its fragment when auth is on, and `--open` hands the URL to the
 * system opener when there is one and succeeds without one.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isProcessAlive } from '../../src/services/daemon.js';
import { json, runCli, tempHome, type TempHome } from '../helpers/home.js';
import { freePort } from '../helpers/net.js';

interface View { url: string; started: boolean; pid: number; opened: boolean }

describe('calm dashboard', () => {
  const homes: { t: TempHome; env: NodeJS.ProcessEnv }[] = [];
  const home = async (extra: Record<string, string> = {}, init = true): Promise<{ t: TempHome; env: NodeJS.ProcessEnv; port: number }> => {
    const t = tempHome();
    const port = await freePort();
    const env = t.env({ CALM_SERVER_PORT: String(port), ...extra });
    homes.push({ t, env });
    if (init) assert.equal((await runCli(['init'], env)).code, 0);
    return { t, env, port };
  };
  afterEach(async () => {
    for (const { t, env } of homes.splice(0)) {
      await runCli(['server', 'stop'], env).catch(() => undefined);
      t.cleanup();
    }
  });

  test('--help names --open and --json', async () => {
    const { env } = await home({}, false);
    const r = await runCli(['dashboard', '--help'], env);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--open/);
    assert.match(r.stdout, /--json/);
  });

  test('an uninitialised home: exit 1, says to run calm init, starts nothing', async () => {
    const { t, env } = await home({}, false);
    const r = await runCli(['dashboard'], env);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /calm init/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.equal(existsSync(join(t.calmHome, 'server.pid')), false);
  });

  test('starts the daemon, prints the URL with #token=; a second run finds the running daemon; the page answers without the token', async () => {
    const token = 'dash-cli-token-abcdef0123456789';
    const { env, port } = await home({ CALM_AUTH_TOKEN: token });
    const first = await runCli(['dashboard', '--json'], env);
    assert.equal(first.code, 0, first.stderr);
    const view = json<View>(first);
    assert.equal(view.url, `http://127.0.0.1:${port}/#token=${token}`);
    assert.equal(view.started, true);
    assert.equal(view.opened, false);
    assert.ok(isProcessAlive(view.pid));

    const again = await runCli(['dashboard'], env);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout.trim(), `calm dashboard: ${view.url}`, 'no "Server started" line: it was running');
    assert.deepEqual(json<View>(await runCli(['dashboard', '--json'], env)), { ...view, started: false });

    const page = await fetch(view.url.split('#')[0]!);
    assert.ok(page.status === 200 || page.status === 503, `page: ${page.status}`);
    const api = await fetch(`http://127.0.0.1:${port}/api/status`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(api.status, 200, 'the token in the URL is the one the API takes');
    assert.equal((await fetch(`http://127.0.0.1:${port}/api/status`)).status, 401);
  });

  test('a generated token (server.auth) is in the URL; no token configured means no fragment', async () => {
    const generated = await home({ CALM_SERVER_AUTH: 'true' });
    const view = json<View>(await runCli(['dashboard', '--json'], generated.env));
    const token = readFileSync(join(generated.t.calmHome, 'auth_token'), 'utf8').trim();
    assert.equal(view.url, `http://127.0.0.1:${generated.port}/#token=${token}`);

    const open = await home();
    const plain = json<View>(await runCli(['dashboard', '--json'], open.env));
    assert.equal(plain.url, `http://127.0.0.1:${open.port}/`);
  });

  test('--open: no display, no opener: still exit 0 with the URL; with one, the opener gets the URL', async () => {
    const { t, env, port } = await home();
    const noDisplay = { ...env };
    delete noDisplay.DISPLAY;
    delete noDisplay.WAYLAND_DISPLAY;
    const without = await runCli(['dashboard', '--open'], noDisplay);
    assert.equal(without.code, 0, without.stderr);
    assert.match(without.stdout, new RegExp(`calm dashboard: http://127\\.0\\.0\\.1:${port}/`));
    assert.match(without.stdout, /no browser to open here/);

    // a display but no xdg-open on PATH: the spawn fails, the command does not
    const emptyBin = join(t.root, 'empty-bin');
    mkdirSync(emptyBin);
    const missing = await runCli(['dashboard', '--open', '--json'], { ...noDisplay, DISPLAY: ':99', PATH: `${emptyBin}` });
    assert.equal(missing.code, 0, missing.stderr);
    assert.equal(json<View>(missing).opened, false);

    const bin = join(t.root, 'bin');
    mkdirSync(bin);
    const seen = join(t.root, 'opened-url');
    writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s' "$1" > '${seen}.tmp' && mv '${seen}.tmp' '${seen}'\n`);
    chmodSync(join(bin, 'xdg-open'), 0o755);
    const opened = await runCli(['dashboard', '--open', '--json'], { ...noDisplay, DISPLAY: ':99', PATH: `${bin}:${env.PATH ?? ''}` });
    assert.equal(opened.code, 0, opened.stderr);
    assert.equal(json<View>(opened).opened, true);
    // the opener runs detached: wait for it to have written (bounded, not a timing assertion)
    for (let i = 0; i < 100 && !existsSync(seen); i++) await sleep(50);
    assert.equal(readFileSync(seen, 'utf8'), `http://127.0.0.1:${port}/`);
  });
});
