/** Dependencies point down only: transports → services → store/embedding. Checked from the imports themselves. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
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
  const allowed = new Set(['config.ts', 'cli/app-context.ts', 'cli/bin.ts', 'cli/output.ts', 'embedding/registry.ts']);
  const readers = sourceFiles(SRC)
    .map((f) => relative(SRC, f))
    .filter((f) => /process\.env\.CALM_|loadConfig\(/.test(readFileSync(join(SRC, f), 'utf8')))
    .filter((f) => !allowed.has(f));
  assert.deepEqual(readers, []);
});
