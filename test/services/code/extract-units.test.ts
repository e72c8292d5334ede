/**
 * Unit extraction per language, table-driven over test/fixtures/code (one file per language; every one
 * has non-ASCII text before its units, which CALM's byte-offset slicing got wrong).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { extractUnits, type ExtractedUnit } from '../../../src/services/code/extract-units.js';
import { languageOf } from '../../../src/services/code/languages.js';
import { withTree } from '../../../src/services/code/parser.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/code', import.meta.url));

type Row = [type: string, qualifiedName: string, start: number, end: number, docstring: string | null, complexity: number | null];

const EXPECTED: Record<string, { language: string; units: Row[]; signatures?: Record<string, string> }> = {
  'sample.py': {
    language: 'python',
    units: [
      ['module', 'sample', 1, 1, 'Sample module: ünïcödé ✓ docs.', null],
      ['constant', 'sample.MAX_RETRIES', 4, 4, null, null],
      ['function', 'sample.greet', 8, 12, 'Return a greeting. 😀', 3],
      ['function', 'sample.decorated', 15, 17, null, 1],
      ['class', 'sample.Greeter', 20, 34, 'Greets people.\n\nPolitely.', null],
      ['method', 'sample.Greeter.__init__', 26, 27, null, 1],
      ['method', 'sample.Greeter.greet', 29, 34, 'Greet by name.', 4],
    ],
    signatures: { 'sample.greet': 'def greet(name: str) -> str:', 'sample.Greeter': 'class Greeter(Base):', 'sample': '# Module: sample' },
  },
  'sample.ts': {
    language: 'typescript',
    units: [
      ['constant', 'sample.MAX_BATCH', 5, 5, 'Largest batch.', null],
      ['function', 'sample.add', 11, 13, 'Adds two numbers.\nReturns their sum.', 1],
      ['class', 'sample.Shape', 16, 18, 'A shape with an area.', null],
      ['class', 'sample.Circle', 20, 27, null, null],
      ['method', 'sample.Circle.constructor', 21, 21, null, 1],
      ['method', 'sample.Circle.area', 24, 26, 'The area.', 3],
      ['function', 'sample.double', 29, 29, null, 1],
      ['class', 'sample.Color', 31, 33, null, null],
    ],
    signatures: { 'sample.add': 'function add(a: number, b: number): number', 'sample.Circle': 'class Circle implements Shape' },
  },
  'sample.tsx': {
    language: 'typescript',
    units: [
      ['function', 'sample.Hello', 4, 6, 'Says hello — ünïcödé.', 2],
      ['function', 'sample.Card', 8, 8, null, 1],
    ],
  },
  'sample.js': {
    language: 'javascript',
    units: [
      ['function', 'sample.parse', 5, 8, 'Parses a number.', 2],
      ['class', 'sample.Counter', 10, 15, null, null],
      ['method', 'sample.Counter.increment', 12, 14, 'Adds one.', 2],
    ],
  },
  'sample.rs': {
    language: 'rust',
    units: [
      ['module', 'sample', 1, 1, 'Geometry helpers — ünïcödé ✓.', null],
      ['constant', 'sample::MAX_SIDE', 4, 4, 'Largest side.', null],
      ['class', 'sample::Point', 8, 11, 'A point in the plane.', null],
      ['method', 'sample::Point::new', 15, 17, 'Makes a point.', 1],
      ['method', 'sample::Point::norm', 19, 21, null, 3],
      ['class', 'sample::Shape', 24, 26, null, null],
      ['function', 'sample::main', 29, 35, 'Entry point. 😀', 3],
    ],
    signatures: { 'sample::Point::new': 'pub fn new(x: f64, y: f64) -> Self' },
  },
  'sample.go': {
    language: 'go',
    units: [
      ['module', 'sample', 2, 2, 'Package sample shows Go units — ünïcödé ✓.', null],
      ['constant', 'sample.MaxWorkers', 7, 7, 'MaxWorkers caps the pool.', null],
      ['class', 'sample.Server', 10, 12, 'Server serves requests.', null],
      ['class', 'sample.Handler', 15, 17, 'Handler handles things.', null],
      ['function', 'sample.NewServer', 20, 22, 'NewServer makes a server. 😀', 1],
      ['method', 'sample.Server.Start', 25, 32, 'Start starts it.', 4],
    ],
    signatures: { 'sample.Server.Start': 'func (s *Server) Start(port int) error' },
  },
  'Sample.java': {
    language: 'java',
    units: [
      ['class', 'Sample.Sample', 5, 27, 'A greeter.', null],
      ['constant', 'Sample.Sample.MAX_COUNT', 6, 6, null, null],
      ['method', 'Sample.Sample.Sample', 11, 11, 'Makes one.', 1],
      ['method', 'Sample.Sample.greet', 16, 22, 'Greets someone.', 3],
      ['class', 'Sample.Sample.Listener', 24, 26, null, null],
    ],
  },
  'sample.c': {
    language: 'c',
    units: [
      ['constant', 'sample.MAX_LEN', 4, 4, null, null],
      ['class', 'sample.point', 7, 10, 'A point.', null],
      ['class', 'sample.size_t2', 12, 14, null, null],
      ['function', 'sample.add', 17, 19, 'Adds two ints.', 1],
      ['function', 'sample.name_of', 21, 24, null, 3],
    ],
    signatures: { 'sample.add': 'static int add(int a, int b)', 'sample.name_of': 'char *name_of(struct point *p)' },
  },
  'sample.cpp': {
    language: 'cpp',
    units: [
      ['class', 'sample::geo::Shape', 7, 12, 'A shape.', null],
      ['method', 'sample::geo::Shape::area', 10, 10, 'Its area.', 1],
      ['method', 'sample::geo::Shape::describe', 16, 19, null, 2],
      ['function', 'sample::max_of', 21, 24, null, 2],
    ],
  },
};

async function extract(file: string): Promise<{ units: ExtractedUnit[]; source: string; language: string }> {
  const spec = languageOf(file);
  assert.ok(spec, `no language for ${file}`);
  const source = readFileSync(join(FIXTURES, file), 'utf8');
  const units = await withTree(spec.grammar, source, (tree) => extractUnits(tree, source, spec.language, basename(file, extname(file))));
  return { units, source, language: spec.language };
}

function dedent(text: string): string {
  const lines = text.split('\n');
  const common = Math.min(...lines.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
  return lines.map((l) => l.slice(Math.min(common, l.length - l.trimStart().length))).join('\n');
}

describe('extractUnits: one fixture per language', () => {
  for (const [file, expected] of Object.entries(EXPECTED)) {
    test(`${file}: units, qualified names, lines, docstrings and complexity`, async () => {
      const { units, language } = await extract(file);
      assert.equal(language, expected.language);
      assert.deepEqual(
        units.map((u) => [u.unit_type, u.qualified_name, u.start_line, u.end_line, u.docstring, u.complexity]),
        expected.units,
      );
      for (const [name, signature] of Object.entries(expected.signatures ?? {})) {
        assert.equal(units.find((u) => u.qualified_name === name)?.signature, signature, name);
      }
    });

    test(`${file}: each unit's code is exactly its lines of the file (non-ASCII before it)`, async () => {
      const { units, source } = await extract(file);
      const lines = source.split('\n');
      for (const u of units) {
        const expectedCode = dedent(lines.slice(u.start_line - 1, u.end_line).join('\n')).trimEnd();
        assert.equal(u.code, expectedCode, `${u.qualified_name} (${u.start_line}-${u.end_line})`);
        assert.equal(u.name, u.qualified_name.split(/::|\./).pop());
      }
    });
  }
});

describe('extractUnits: details', () => {
  test('text after multi-byte characters is sliced by character (emoji, CJK, combining marks)', async () => {
    const source = '# 😀 日本語 é\u0301\nx = "🎉"\n\n\ndef after():\n    """Après 🎉."""\n    return "ü"\n';
    const units = await withTree('python', source, (t) => extractUnits(t, source, 'python', 'm'));
    const fn = units.find((u) => u.name === 'after');
    assert.ok(fn);
    assert.equal(fn.code, 'def after():\n    """Après 🎉."""\n    return "ü"');
    assert.equal(fn.docstring, 'Après 🎉.');
    assert.equal(fn.start_line, 5);
  });

  test('only && || ?? and/or raise complexity, not arithmetic (CALM counted every binary expression)', async () => {
    const source = 'function f(a, b) { return a + b * 2 - a / b; }\nfunction g(a, b) { return a && b || a ?? b; }\n';
    const units = await withTree('javascript', source, (t) => extractUnits(t, source, 'javascript', 'm'));
    assert.deepEqual(units.map((u) => [u.name, u.complexity]), [['f', 1], ['g', 4]]);
  });

  test('a doc comment separated by a blank line, or trailing other code, is not a docstring', async () => {
    const source = '/** License header. */\n\nfunction a() {}\nconst x = 1; /** trailing */\nfunction b() {}\n';
    const units = await withTree('javascript', source, (t) => extractUnits(t, source, 'javascript', 'm'));
    assert.deepEqual(units.map((u) => [u.name, u.docstring]), [['a', null], ['b', null]]);
  });

  test('a syntax error does not lose the units around it', async () => {
    const source = 'def ok():\n    return 1\n\ndef broken(:\n    pass\n\ndef fine():\n    return 2\n';
    const units = await withTree('python', source, (t) => extractUnits(t, source, 'python', 'm'));
    const names = units.map((u) => u.name);
    assert.ok(names.includes('ok') && names.includes('fine'), names.join(','));
  });
});
