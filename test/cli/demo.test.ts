/**
 * `calm demo` is the README's first command: it must run every step of the tour to the end through the
 * real binary, in a throwaway home that it removes, without touching HOME or CALM_HOME.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli, tempHome } from '../helpers/home.js';

const t = tempHome();
after(() => t.cleanup());

test('calm demo runs every step, exits 0, and leaves nothing behind', async () => {
  const tmp = join(t.root, 'tmp');
  mkdirSync(tmp);
  const r = await runCli(['demo'], t.env({ TMPDIR: tmp }));
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  for (let step = 1; step <= 7; step++) assert.match(r.stdout, new RegExp(`── ${step}\\. `), `step ${step} printed`);
  assert.match(r.stdout, /index_codebase → \d+ files, \d+ units/);
  assert.match(r.stdout, /\nDone\. Next:/);
  assert.doesNotMatch(r.stdout + r.stderr, /\n\s+at /, 'no stack trace');
  assert.deepEqual(readdirSync(tmp), [], 'the throwaway home, project and repository are removed');
  assert.equal(existsSync(t.calmHome), false, 'CALM_HOME is not touched');
});
