/** Files and folders calm creates under $CALM_HOME are owner-only; `calm doctor` reports looser ones and `--fix` tightens them. */
import assert from 'node:assert/strict';
import { chmodSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { findLoosePermissions } from '../../src/services/home-permissions.js';
import { json, runCli, tempHome, type TempHome } from '../helpers/home.js';

const modeOf = (p: string): number => statSync(p).mode & 0o777;

describe('file permissions under $CALM_HOME', () => {
  let t: TempHome;
  let env: NodeJS.ProcessEnv;
  const previousUmask = process.umask(0o022); // the usual default: calm must not rely on a strict umask

  before(async () => {
    t = tempHome();
    env = t.env();
    for (const args of [['init'], ['memory', 'store', 'A private memory', '--category', 'fact'], ['backup', 'create', 'nightly']]) {
      const r = await runCli(args, env);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    }
  });
  after(() => {
    process.umask(previousUmask);
    t.cleanup();
  });

  test('init, store and backup create nothing readable by others', () => {
    assert.equal(modeOf(t.calmHome), 0o700);
    assert.equal(modeOf(join(t.calmHome, 'metadata.db')), 0o600);
    assert.equal(modeOf(join(t.calmHome, 'config.yaml')), 0o600);
    assert.equal(modeOf(join(t.calmHome, 'backups')), 0o700);
    assert.equal(modeOf(join(t.calmHome, 'backups', 'nightly')), 0o700);
    assert.equal(modeOf(join(t.calmHome, 'backups', 'nightly', 'metadata.db')), 0o600);
    assert.equal(modeOf(join(t.calmHome, 'backups', 'nightly', 'manifest.json')), 0o600);
    const role = readdirSync(join(t.calmHome, 'roles'))[0]!;
    assert.equal(modeOf(join(t.calmHome, 'roles', role)), 0o600);
    assert.deepEqual(findLoosePermissions(t.calmHome), []);
  });

  test('calm doctor reports loose permissions; --fix tightens them', async () => {
    chmodSync(t.calmHome, 0o755);
    chmodSync(join(t.calmHome, 'metadata.db'), 0o644);
    chmodSync(join(t.calmHome, 'backups', 'nightly'), 0o755);
    chmodSync(join(t.calmHome, 'backups', 'nightly', 'metadata.db'), 0o664);
    const report = await runCli(['doctor', '--json'], env);
    assert.equal(report.code, 1);
    const check = json<{ checks: { name: string; status: string; detail: string }[] }>(report).checks.find((c) => c.name === 'file permissions')!;
    assert.equal(check.status, 'problem');
    assert.match(check.detail, /calm \(0755\)/); // (SQLite gives -wal the loose mode of its database too)
    assert.match(check.detail, /metadata\.db \(0644\)/);

    const fixed = await runCli(['doctor', '--fix'], env);
    assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
    assert.match(fixed.stdout, /Tightened .*metadata\.db: 0644 → 0600/);
    assert.equal(modeOf(t.calmHome), 0o700);
    assert.equal(modeOf(join(t.calmHome, 'metadata.db')), 0o600);
    assert.equal(modeOf(join(t.calmHome, 'backups', 'nightly')), 0o700);
    assert.equal(modeOf(join(t.calmHome, 'backups', 'nightly', 'metadata.db')), 0o600);
    assert.deepEqual(findLoosePermissions(t.calmHome), []);
  });
});
