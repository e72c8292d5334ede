/** docs/dashboard-api.md names every route the dashboard API serves, and no route it does not serve. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { API_ROUTES } from '../../src/web/api/index.js';
import { REPO_ROOT } from '../helpers/home.js';

test('every API route is documented in docs/dashboard-api.md, and every documented route exists', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'dashboard-api.md'), 'utf8');
  const documented = new Set([...doc.matchAll(/`(GET|POST|PATCH|DELETE) (\/api\/[^`?\s]*)/g)].map((m) => `${m[1]} ${m[2]}`));
  const served = new Set(API_ROUTES.map((r) => `${r.method} ${r.path}`));
  assert.deepEqual([...served].filter((r) => !documented.has(r)), [], 'served but not documented');
  assert.deepEqual([...documented].filter((r) => !served.has(r)), [], 'documented but not served');
});
