/**
 * `calm uninstall` racing a daemon the SessionStart hook spawned a moment ago: the daemon has not
 * loaded anything yet (no PID file of its own, no port), and uninstall must still find it, stop it,
 * and nothing may start it again. Processes are found in /proc by their environment (CALM_HOME).
 */
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeRepo } from '../helpers/git.js';
import { runCli, tempHome, type TempHome } from '../helpers/home.js';
import { freePort } from '../helpers/net.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** PIDs of live calm servers whose CALM_HOME is `home`. */
function serversOf(home: string): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((d) => {
    try {
      const cmdline = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (!cmdline.includes('server')) return [];
      if (!readFileSync(`/proc/${d}/environ`, 'utf8').split('\0').includes(`CALM_HOME=${home}`)) return [];
      const state = readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]?.[0];
      return state === 'Z' ? [] : [Number(d)];
    } catch {
      return [];
    }
  });
}

describe('lifecycle: calm uninstall racing a daemon the SessionStart hook just spawned', () => {
  let t: TempHome;
  let env: NodeJS.ProcessEnv;
  let repo: string;

  before(async () => {
    t = tempHome();
    mkdirSync(t.home, { recursive: true });
    env = t.env({ CALM_SERVER_PORT: String(await freePort()) });
    repo = makeRepo(join(t.root, 'repo'), { 'README.md': '# r\n' });
    assert.equal((await runCli(['init'], env)).code, 0);
    const install = await runCli(['install', '--yes', '--skip-mcp', '--skip-server', '--json'], env);
    assert.equal(install.code, 0, install.stderr);
  });

  after(async () => {
    for (const pid of serversOf(t.calmHome)) process.kill(pid, 'SIGKILL');
    t.cleanup();
  });

  test('uninstall right after the hook spawned the daemon: stopped, and not started again', async () => {
    const payload = { session_id: 's', transcript_path: '/tmp/x.jsonl', cwd: repo, permission_mode: 'default', hook_event_name: 'SessionStart', source: 'startup' };
    const hookRun = runCli(['hook', 'session-start'], env, { input: JSON.stringify(payload), cwd: repo });
    // uninstall the moment the daemon process exists, before it has loaded anything
    let spawned: number[] = [];
    for (let i = 0; i < 1000 && spawned.length === 0; i++) {
      spawned = serversOf(t.calmHome);
      if (spawned.length === 0) await sleep(5);
    }
    assert.equal(spawned.length, 1, 'the hook spawned one daemon');
    const uninstall = await runCli(['uninstall', '--yes', '--json'], env);
    assert.equal(uninstall.code, 0, uninstall.stderr);
    const steps = (JSON.parse(uninstall.stdout) as { steps: { step: string; status: string }[] }).steps;
    assert.equal(steps.find((s) => s.step === 'server')?.status, 'stopped', uninstall.stdout);
    const hook = await hookRun;
    assert.equal(hook.code, 0, hook.stderr);
    assert.match(hook.stdout, /starting in the background/);
    // long enough for a missed daemon to have finished starting and written its own PID file
    await sleep(4_000);
    assert.deepEqual(serversOf(t.calmHome), [], 'a calm server is still running after uninstall');
    const status = await runCli(['server', 'status', '--json'], env);
    assert.match(status.stdout, /"running": false/);
    console.log(`# lifecycle: daemon PID ${spawned[0]} spawned by SessionStart, stopped by an uninstall run right after; none running 4 s later`);
  });
});
