/**
 * @module Which commands run a project's tests, linter and type checker, read from the project's own
 * files (CALM hard-coded pytest, ruff and `mypy --strict src/`). Per-project settings override these.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const COMMAND_KINDS = ['test', 'lint', 'typecheck'] as const;
export type CommandKind = (typeof COMMAND_KINDS)[number];

export interface DetectedCommand {
  readonly command: string;
  /** Where it came from, e.g. `package.json scripts.test`. */
  readonly source: string;
}

export type DetectedCommands = Partial<Record<CommandKind, DetectedCommand>>;

const read = (dir: string, file: string): string | undefined => {
  try {
    return readFileSync(join(dir, file), 'utf8');
  } catch {
    return undefined;
  }
};

const NPM_PLACEHOLDER = /no test specified/;
const TYPECHECK_SCRIPTS = ['typecheck', 'type-check', 'check-types', 'types', 'tsc'];

function packageManager(dir: string, pkg: Record<string, unknown>): 'npm' | 'pnpm' | 'yarn' | 'bun' {
  const declared = typeof pkg.packageManager === 'string' ? pkg.packageManager.split('@')[0] : undefined;
  if (declared === 'pnpm' || declared === 'yarn' || declared === 'bun' || declared === 'npm') return declared;
  if (existsSync(join(dir, 'pnpm-lock.yaml'))) return 'pnpm';
  if (existsSync(join(dir, 'yarn.lock'))) return 'yarn';
  if (existsSync(join(dir, 'bun.lockb')) || existsSync(join(dir, 'bun.lock'))) return 'bun';
  return 'npm';
}

function fromPackageJson(dir: string): DetectedCommands {
  const text = read(dir, 'package.json');
  if (text === undefined) return {};
  let pkg: Record<string, unknown>;
  try {
    pkg = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
  const scripts = (pkg.scripts && typeof pkg.scripts === 'object' ? pkg.scripts : {}) as Record<string, unknown>;
  const has = (name: string): boolean => typeof scripts[name] === 'string' && (scripts[name] as string).trim() !== '';
  const pm = packageManager(dir, pkg);
  const run = (name: string): string => (pm === 'npm' ? (name === 'test' ? 'npm test' : `npm run ${name}`) : `${pm} run ${name}`);
  const out: DetectedCommands = {};
  if (has('test') && !NPM_PLACEHOLDER.test(scripts.test as string)) out.test = { command: run('test'), source: 'package.json scripts.test' };
  if (has('lint')) out.lint = { command: run('lint'), source: 'package.json scripts.lint' };
  const typecheck = TYPECHECK_SCRIPTS.find(has);
  if (typecheck) out.typecheck = { command: run(typecheck), source: `package.json scripts.${typecheck}` };
  else if (existsSync(join(dir, 'tsconfig.json'))) out.typecheck = { command: 'npx --no-install tsc --noEmit', source: 'tsconfig.json' };
  return out;
}

function fromPython(dir: string): DetectedCommands {
  const pyproject = read(dir, 'pyproject.toml') ?? '';
  const setupCfg = read(dir, 'setup.cfg') ?? '';
  const toxIni = read(dir, 'tox.ini') ?? '';
  const usesPytest =
    /^\[tool\.pytest/m.test(pyproject) || /\bpytest\b/.test(pyproject) || existsSync(join(dir, 'pytest.ini')) ||
    /^\[tool:pytest\]/m.test(setupCfg) || /^\[pytest\]/m.test(toxIni) || existsSync(join(dir, 'conftest.py'));
  const isPython = pyproject !== '' || setupCfg !== '' || existsSync(join(dir, 'setup.py')) || usesPytest;
  if (!isPython) return {};
  // uv projects keep their tools in the project environment
  const prefix = existsSync(join(dir, 'uv.lock')) ? 'uv run ' : '';
  const marker = pyproject ? 'pyproject.toml' : usesPytest ? 'pytest configuration' : 'setup.py';
  const out: DetectedCommands = {};
  if (usesPytest || pyproject) out.test = { command: `${prefix}python -m pytest`, source: marker };
  if (/^\[tool\.ruff/m.test(pyproject) || existsSync(join(dir, 'ruff.toml')) || existsSync(join(dir, '.ruff.toml'))) {
    out.lint = { command: `${prefix}ruff check .`, source: 'ruff configuration' };
  } else if (existsSync(join(dir, '.flake8')) || /^\[flake8\]/m.test(setupCfg)) {
    out.lint = { command: `${prefix}python -m flake8`, source: 'flake8 configuration' };
  }
  if (/^\[tool\.mypy/m.test(pyproject) || existsSync(join(dir, 'mypy.ini')) || /^\[mypy\]/m.test(setupCfg)) {
    out.typecheck = { command: `${prefix}python -m mypy .`, source: 'mypy configuration' };
  } else if (/^\[tool\.pyright/m.test(pyproject) || existsSync(join(dir, 'pyrightconfig.json'))) {
    out.typecheck = { command: `${prefix}pyright`, source: 'pyright configuration' };
  }
  return out;
}

function fromCargo(dir: string): DetectedCommands {
  if (!existsSync(join(dir, 'Cargo.toml'))) return {};
  return {
    test: { command: 'cargo test', source: 'Cargo.toml' },
    lint: { command: 'cargo clippy --all-targets -- -D warnings', source: 'Cargo.toml' },
    typecheck: { command: 'cargo check --all-targets', source: 'Cargo.toml' },
  };
}

function fromGo(dir: string): DetectedCommands {
  if (!existsSync(join(dir, 'go.mod'))) return {};
  return {
    test: { command: 'go test ./...', source: 'go.mod' },
    lint: { command: 'go vet ./...', source: 'go.mod' },
    typecheck: { command: 'go build ./...', source: 'go.mod' },
  };
}

function fromMakefile(dir: string): DetectedCommands {
  const text = read(dir, 'Makefile') ?? read(dir, 'makefile');
  if (text === undefined) return {};
  const target = (names: string[]): string | undefined => names.find((n) => new RegExp(`^${n}\\s*:`, 'm').test(text));
  const out: DetectedCommands = {};
  const pick = (kind: CommandKind, names: string[]): void => {
    const t = target(names);
    if (t) out[kind] = { command: `make ${t}`, source: `Makefile target ${t}` };
  };
  pick('test', ['test', 'check']);
  pick('lint', ['lint']);
  pick('typecheck', ['typecheck', 'type-check', 'types']);
  return out;
}

/** The first ecosystem that names a command wins, per kind: package.json, Python, Cargo, Go, Makefile. */
export function detectCommands(dir: string): DetectedCommands {
  const out: DetectedCommands = {};
  for (const found of [fromPackageJson(dir), fromPython(dir), fromCargo(dir), fromGo(dir), fromMakefile(dir)]) {
    for (const kind of COMMAND_KINDS) if (!out[kind] && found[kind]) out[kind] = found[kind];
  }
  return out;
}

/** Extra environment for a project's commands: Python projects with a src/ layout import from it (CALM BUG-075). */
export function commandEnv(dir: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const python = existsSync(join(dir, 'pyproject.toml')) || existsSync(join(dir, 'setup.py'));
  if (!python || !existsSync(join(dir, 'src'))) return base;
  const src = join(dir, 'src');
  return { ...base, PYTHONPATH: base.PYTHONPATH ? `${src}:${base.PYTHONPATH}` : src };
}
