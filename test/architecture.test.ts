/**
 * Dependencies point down only: adapters → app.ts → services → store/embedding → base, and no cycles.
 * The house plan is `.dependency-cruiser.cjs` (also run by hand: `npx depcruise src`); these tests run
 * it on the source, check that its listed exceptions still exist, and prove on a tiny tree that it
 * catches a cycle and an upward import. The first test is the older import scan, kept as a second
 * opinion on the store and embedding layers.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { cruise, format, type ICruiseResult, type IForbiddenRuleType } from 'dependency-cruiser';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { REPO_ROOT } from './helpers/home.js';

const SRC = join(REPO_ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : name.endsWith('.ts') ? [path] : [];
  });
}

/** Relative imports of a file (static and dynamic), as paths relative to src/. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:from\s+|import\s*\(\s*)['"](\.[^'"]+)['"]/g)].map((m) => m[1]!);
  return specs.map((s) => relative(SRC, resolve(dirname(file), s)));
}

const RULES: { layer: string; mayNotImport: string[] }[] = [
  { layer: 'services', mayNotImport: ['cli', 'mcp', 'hooks', 'web'] },
  { layer: 'store', mayNotImport: ['services', 'cli', 'mcp', 'hooks', 'web', 'embedding', 'app.js', 'config.js'] },
  { layer: 'embedding', mayNotImport: ['services', 'store', 'cli', 'mcp', 'hooks', 'web', 'app.js', 'config.js'] },
];

test('layers import only downwards', () => {
  const violations: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const layer = relative(SRC, file).split('/')[0]!;
    const rule = RULES.find((r) => r.layer === layer);
    if (!rule) continue;
    for (const target of importsOf(file)) {
      if (rule.mayNotImport.some((forbidden) => target === forbidden || target.startsWith(`${forbidden}/`))) {
        violations.push(`${relative(SRC, file)} imports ${target}`);
      }
    }
  }
  assert.deepEqual(violations, []);
});

test('only composition roots read configuration from the environment', () => {
  // hooks/settings.ts is the hooks' own root: it resolves the configuration when its cache is stale
  const allowed = new Set(['config.ts', 'cli/app-context.ts', 'cli/bin.ts', 'cli/output.ts', 'embedding/registry.ts', 'hooks/settings.ts']);
  const readers = sourceFiles(SRC)
    .map((f) => relative(SRC, f))
    .filter((f) => /process\.env\.CALM_|loadConfig\(/.test(readFileSync(join(SRC, f), 'utf8')))
    .filter((f) => !allowed.has(f));
  assert.deepEqual(readers, []);
});

interface HousePlan {
  readonly forbidden: IForbiddenRuleType[];
  readonly options: { readonly includeOnly: string };
  readonly EXCEPTIONS: readonly { from: string; to: string; why: string }[];
}

const PLAN = createRequire(import.meta.url)(join(REPO_ROOT, '.dependency-cruiser.cjs')) as HousePlan;

/** Cruises `<root>/src` with the house rules; `tsconfig` as the CLI reads it from the config. */
async function cruiseSrc(root: string, tsconfig?: string): Promise<ICruiseResult> {
  const result = await cruise(
    ['src'],
    {
      baseDir: root,
      validate: true,
      ruleSet: { forbidden: PLAN.forbidden },
      tsPreCompilationDeps: true,
      doNotFollow: { path: 'node_modules' },
      includeOnly: PLAN.options.includeOnly,
      ...(tsconfig ? { tsConfig: { fileName: tsconfig } } : {}),
    },
    {},
    tsconfig ? { tsConfig: extractTSConfig(tsconfig) } : {},
  );
  return result.output as ICruiseResult;
}

/** dependency-cruiser's own long error report: rule, the import (or the cycle), and why the rule exists. */
async function report(result: ICruiseResult): Promise<string> {
  return String((await format(result, { outputType: 'err-long' })).output);
}

test('the house plan holds: no cycle, no import against the layer order (beyond the listed exceptions)', async () => {
  const result = await cruiseSrc(REPO_ROOT, join(REPO_ROOT, 'tsconfig.json'));
  assert.ok(result.summary.totalCruised > 100, `cruised only ${result.summary.totalCruised} modules`);
  assert.equal(result.summary.violations.length, 0, `\n${await report(result)}\nFix the import, or (only for the composition-root step) list the file pair in .dependency-cruiser.cjs EXCEPTIONS.`);

  // an exception whose import is gone must go too, so the list only ever shrinks to nothing
  const imports = new Set(result.modules.flatMap((m) => m.dependencies.map((d) => `${m.source} → ${d.resolved}`)));
  const stale = PLAN.EXCEPTIONS.filter((e) => !imports.has(`${e.from} → ${e.to}`)).map((e) => `${e.from} → ${e.to}`);
  assert.deepEqual(stale, [], 'these exceptions no longer happen: delete them from .dependency-cruiser.cjs');
});

/** Cruises a tiny tree of `files` (path → text) made in a temporary folder; its violations as `rule: from → to`, sorted, and the report. */
async function cruiseTree(files: Record<string, string>): Promise<{ found: string[]; text: string }> {
  const root = mkdtempSync(join(tmpdir(), 'calm-arch-'));
  try {
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, file)), { recursive: true });
      writeFileSync(join(root, file), text);
    }
    const result = await cruiseSrc(root);
    return { found: result.summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort(), text: await report(result) };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

test('the house plan catches a new cycle and a new upward import', async () => {
  const { found, text } = await cruiseTree({
    'src/app.ts': "import { store } from './store/x.js';\nexport const app = store;\n",
    'src/services/thing.ts': "import { app } from '../app.js';\nexport const thing = app;\n",
    'src/store/x.ts': "import { y } from './y.js';\nexport const store = 1;\nexport const x = (): number => y();\n",
    'src/store/y.ts': "import { x } from './x.js';\nexport const y = (): number => x();\n",
    'src/errors.ts': "import { thing } from './services/thing.js';\nexport const e = thing;\n",
  });
  assert.deepEqual(found, [
    'base-is-the-bottom: src/errors.ts → src/services/thing.ts',
    'no-circular: src/store/x.ts → src/store/y.ts',
    'services-below-app: src/services/thing.ts → src/app.ts',
  ]);
  assert.match(text, /error services-below-app: src\/services\/thing\.ts → src\/app\.ts\n\s+Services are built by src\/app\.ts/);
  assert.match(text, /error no-circular: src\/store\/x\.ts → src\/store\/y\.ts\n\s+Import cycles/);
});

test('the house plan keeps SQLite inside src/store', async () => {
  const { found, text } = await cruiseTree({
    'src/store/db.ts': "import Database from 'better-sqlite3';\nimport * as sqliteVec from 'sqlite-vec';\nexport const open = (f: string): unknown => sqliteVec.load(new Database(f));\n",
    'src/services/backup.ts': "import Database from 'better-sqlite3';\nexport const copy = (f: string): unknown => new Database(f);\n",
    'src/services/detect.ts': "export const probe = async (): Promise<unknown> => import('better-sqlite3');\n",
    'src/cli/vec.ts': "import type * as sqliteVec from 'sqlite-vec';\nexport type Vec = typeof sqliteVec;\n",
  });
  assert.deepEqual(found, [
    'sqlite-behind-the-store: src/cli/vec.ts → sqlite-vec',
    'sqlite-behind-the-store: src/services/backup.ts → better-sqlite3',
    'sqlite-behind-the-store: src/services/detect.ts → better-sqlite3',
  ]);
  assert.match(text, /error sqlite-behind-the-store: src\/services\/backup\.ts → better-sqlite3\n\s+Only src\/store opens SQLite/);
});
