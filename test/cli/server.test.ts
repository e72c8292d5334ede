/** `calm server start|stop|status|restart` through the real binary: a detached daemon per test, on a free port. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { isProcessAlive } from '../../src/services/daemon.js';
import { json, runCli, tempHome, type TempHome } from '../helpers/home.js';
import { freePort } from '../helpers/net.js';

async function health(port: number): Promise<{ status: string; server: string; version: string }> {
  const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2_000) });
  assert.equal(res.status, 200);
  return (await res.json()) as { status: string; server: string; version: string };
}

/** The PID of a process that has certainly exited. */
function deadPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => resolve(child.pid!));
  });
}

/** kill(pid, 0) alone would call a zombie (exited, not yet reaped by init) alive. */
const alive = isProcessAlive;

describe('calm server (daemon)', () => {
  let t: TempHome;
  let port: number;
  let env: NodeJS.ProcessEnv;
  let pidFile: string;
  let logFile: string;
  const pids = new Set<number>();

  const cli = async (...args: string[]): Promise<Awaited<ReturnType<typeof runCli>>> => {
    const r = await runCli(args, env);
    const m = /PID:? (\d+)/.exec(r.stdout);
    if (m) pids.add(Number(m[1]));
    return r;
  };

  beforeEach(async () => {
    t = tempHome();
    port = await freePort();
    env = t.env({ CALM_SERVER_PORT: String(port) });
    pidFile = join(t.calmHome, 'server.pid');
    logFile = join(t.calmHome, 'server.log');
    const init = await runCli(['init'], env);
    assert.equal(init.code, 0, init.stderr);
  });

  afterEach(async () => {
    // a failed test must not leave a daemon behind
    await runCli(['server', 'stop'], env).catch(() => undefined);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    pids.clear();
    t.cleanup();
  });

  test('status before start; start → healthy with a 0600 PID file and a log; a second start finds it; status --json', async () => {
    const before = await cli('server', 'status');
    assert.equal(before.code, 0);
    assert.equal(before.stdout.trim(), 'Server is not running');

    const start = await cli('server', 'start');
    assert.equal(start.code, 0, start.stderr);
    assert.match(start.stdout, new RegExp(`^Starting calm server daemon on 127\\.0\\.0\\.1:${port}\\.\\.\\.$`, 'm'));
    const pid = Number(/^Server started \(PID (\d+)\)$/m.exec(start.stdout)?.[1]);
    assert.ok(pid > 0, start.stdout);
    assert.match(start.stdout, new RegExp(`^Log file: ${logFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));

    assert.equal((await health(port)).status, 'healthy');
    assert.equal(readFileSync(pidFile, 'utf8').trim(), String(pid));
    assert.equal(statSync(pidFile).mode & 0o777, 0o600);
    assert.ok(existsSync(logFile));
    assert.match(readFileSync(logFile, 'utf8'), /=== calm server start .* ===[\s\S]*INFO calm server listening on/);

    const again = await cli('server', 'start');
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout.trim(), `Server is already running (PID: ${pid})`);

    const human = await cli('server', 'status');
    assert.equal(human.code, 0);
    assert.equal(
      human.stdout.trim(),
      [`Server is running (PID: ${pid})`, `  URL: http://127.0.0.1:${port}/mcp`, `  PID file: ${pidFile}`, `  Log file: ${logFile}`].join('\n'),
    );
    const status = await cli('server', 'status', '--json');
    assert.equal(status.code, 0);
    assert.deepEqual(json(status), { running: true, pid, url: `http://127.0.0.1:${port}/mcp`, pidFile, logFile });
  });

  test('a daemon whose home is deleted stops itself', async () => {
    const start = await cli('server', 'start');
    assert.equal(start.code, 0, start.stderr);
    const pid = Number(/^Server started \(PID (\d+)\)$/m.exec(start.stdout)?.[1]);
    assert.ok(alive(pid));
    rmSync(t.calmHome, { recursive: true, force: true });
    // it checks every 5 s; allow a generous margin on a loaded machine
    const deadline = Date.now() + 30_000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    assert.equal(alive(pid), false, 'the daemon outlived its home');
  });

  test('a PID file naming a dead process is stale: status says not running and removes it; start then works', async () => {
    const dead = await deadPid();
    writeFileSync(pidFile, `${dead}\n`);
    const status = await cli('server', 'status', '--json');
    assert.equal(status.code, 0);
    assert.deepEqual(json(status), { running: false, pid: null, url: `http://127.0.0.1:${port}/mcp`, pidFile, logFile });
    assert.equal(existsSync(pidFile), false);

    writeFileSync(pidFile, 'not a pid\n');
    const human = await cli('server', 'status');
    assert.match(human.stdout, /^Server is not running\n {2}\(removed a stale PID file\)/);
    assert.equal(existsSync(pidFile), false);

    writeFileSync(pidFile, `${dead}\n`);
    const start = await cli('server', 'start');
    assert.equal(start.code, 0, start.stderr);
    assert.match(start.stdout, /Server started \(PID \d+\)/);
    assert.equal((await health(port)).status, 'healthy');
  });

  test('stop: SIGTERM, PID file removed, port closed; a second stop says it was not running; earlier logs are kept', async () => {
    const start = await cli('server', 'start');
    assert.equal(start.code, 0, start.stderr);
    const pid = Number(readFileSync(pidFile, 'utf8'));

    const stop = await cli('server', 'stop');
    assert.equal(stop.code, 0, stop.stderr);
    assert.equal(stop.stdout.trim(), 'Server stopped');
    assert.equal(existsSync(pidFile), false);
    assert.equal(alive(pid), false);
    await assert.rejects(fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2_000) }));
    assert.match(readFileSync(logFile, 'utf8'), /SIGTERM received, shutting down[\s\S]*calm server stopped/);

    const again = await cli('server', 'stop');
    assert.equal(again.code, 0);
    assert.equal(again.stdout.trim(), 'Server was not running');
    assert.equal((await cli('server', 'status')).stdout.trim(), 'Server is not running');

    assert.equal((await cli('server', 'start')).code, 0);
    assert.equal(readFileSync(logFile, 'utf8').match(/=== calm server start/g)?.length, 2);
  });

  test('restart stops the running server and starts a new one', async () => {
    assert.equal((await cli('server', 'start')).code, 0);
    const first = Number(readFileSync(pidFile, 'utf8'));
    const restart = await cli('server', 'restart');
    assert.equal(restart.code, 0, restart.stderr);
    assert.match(restart.stdout, /^Stopping server\.\.\.\nServer stopped\nStarting calm server daemon on .*\nServer started \(PID \d+\)\n/);
    const second = Number(readFileSync(pidFile, 'utf8'));
    assert.notEqual(second, first);
    assert.equal(alive(first), false);
    assert.equal((await health(port)).status, 'healthy');
  });

  test('a port held by another program: start fails with exit 1 and names the port and CALM_SERVER_PORT', async () => {
    const blocker: Server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const r = await cli('server', 'start');
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`127\\.0\\.0\\.1:${port} is already in use by another program`));
      assert.match(r.stderr, /CALM_SERVER_PORT/);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
      assert.equal(existsSync(pidFile), false);
      assert.equal((await cli('server', 'status')).stdout.trim(), 'Server is not running');
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  test('start before init refuses with the fix and starts nothing', async () => {
    const fresh = tempHome();
    try {
      const r = await runCli(['server', 'start'], fresh.env({ CALM_SERVER_PORT: String(port) }));
      assert.equal(r.code, 1);
      assert.match(r.stderr, /not initialized .* run `calm init`/);
      assert.equal(existsSync(join(fresh.calmHome, 'server.pid')), false);
    } finally {
      fresh.cleanup();
    }
  });
});
