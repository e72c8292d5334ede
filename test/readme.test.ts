/** The README is the first thing a newcomer runs: its commands and its configuration table must stay true. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SETTINGS } from '../src/config.js';
import { REPO_ROOT } from './helpers/home.js';

const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

test('the README documents every CALM_* variable calm reads', () => {
  for (const spec of Object.values(SETTINGS)) {
    assert.match(readme, new RegExp(`\\| \`${spec.env}\` \\| \`${spec.path.join('\\.')}\``), spec.env);
  }
  assert.match(readme, /\| `CALM_HOME` \|/);
});

test('.ci/run runs the README test command', () => {
  assert.match(readme, /```sh\nnpm test\n```/);
  assert.match(readFileSync(join(REPO_ROOT, '.ci', 'run'), 'utf8'), /^npm test$/m);
});
