/** Detecting a project's test, lint and typecheck commands from its own files. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { commandEnv, detectCommands } from '../../../src/services/orchestration/project-commands.js';
import { writeFiles } from '../../helpers/git.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'calm-detect-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const commands = (): Record<string, string | undefined> => {
  const d = detectCommands(dir);
  return { test: d.test?.command, lint: d.lint?.command, typecheck: d.typecheck?.command };
};

test('package.json scripts, with the package manager the lockfile names', () => {
  writeFiles(dir, { 'package.json': JSON.stringify({ scripts: { test: 'node --test', lint: 'eslint .', typecheck: 'tsc --noEmit' } }) });
  assert.deepEqual(commands(), { test: 'npm test', lint: 'npm run lint', typecheck: 'npm run typecheck' });
  assert.equal(detectCommands(dir).test?.source, 'package.json scripts.test');
  writeFiles(dir, { 'pnpm-lock.yaml': '' });
  assert.deepEqual(commands(), { test: 'pnpm run test', lint: 'pnpm run lint', typecheck: 'pnpm run typecheck' });
});

test("npm's placeholder test script is not a test command; tsconfig.json gives a type check", () => {
  writeFiles(dir, {
    'package.json': JSON.stringify({ scripts: { test: 'echo "Error: no test specified" && exit 1' } }),
    'tsconfig.json': '{}',
  });
  assert.deepEqual(commands(), { test: undefined, lint: undefined, typecheck: 'npx --no-install tsc --noEmit' });
});

test('Python: pytest, ruff and mypy from pyproject.toml; uv projects run through uv', () => {
  writeFiles(dir, { 'pyproject.toml': '[project]\nname = "x"\n\n[tool.pytest.ini_options]\n\n[tool.ruff]\n\n[tool.mypy]\nstrict = true\n' });
  assert.deepEqual(commands(), { test: 'python -m pytest', lint: 'ruff check .', typecheck: 'python -m mypy .' });
  writeFiles(dir, { 'uv.lock': '' });
  assert.equal(commands().test, 'uv run python -m pytest');
});

test('a Python src/ layout puts src on PYTHONPATH for the commands', () => {
  writeFiles(dir, { 'pyproject.toml': '[project]\n', 'src/pkg/__init__.py': '' });
  const env = commandEnv(dir, { PYTHONPATH: '/already' });
  assert.equal(env.PYTHONPATH, `${join(dir, 'src')}:/already`);
});

test('Cargo and Go', () => {
  writeFiles(dir, { 'Cargo.toml': '[package]\nname = "x"\n' });
  assert.deepEqual(commands(), { test: 'cargo test', lint: 'cargo clippy --all-targets -- -D warnings', typecheck: 'cargo check --all-targets' });
  rmSync(join(dir, 'Cargo.toml'));
  writeFiles(dir, { 'go.mod': 'module x\n' });
  assert.deepEqual(commands(), { test: 'go test ./...', lint: 'go vet ./...', typecheck: 'go build ./...' });
});

test('a Makefile fills what nothing else named; an empty folder has no commands', () => {
  assert.deepEqual(commands(), { test: undefined, lint: undefined, typecheck: undefined });
  writeFiles(dir, { Makefile: 'lint:\n\tshellcheck *.sh\n\ntest: lint\n\t./run-tests\n', 'package.json': JSON.stringify({ scripts: { test: 'jest' } }) });
  assert.deepEqual(commands(), { test: 'npm test', lint: 'make lint', typecheck: undefined });
});
