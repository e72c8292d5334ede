/**
 * Incremental code indexing on a real temp tree and a real database: unchanged files skipped, changed
 * files replaced, deleted and newly ignored files removed, .gitignore and default exclusions respected,
 * binary and non-UTF-8 files reported; then code search over what was indexed.
 */
import assert from 'node:assert/strict';
import { rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { App } from '../../../src/app.js';
import { COLLECTIONS } from '../../../src/store/records/collections.js';
import { writeFiles } from '../../helpers/git.js';
import { tempHome, type TempHome } from '../../helpers/home.js';

const TREE: Record<string, string> = {
  '.gitignore': 'generated/\n*.gen.py\n',
  'app.py': 'def start_server(port):\n    """Start the HTTP server."""\n    return "listening on port %d" % port\n\n\ndef stop_server():\n    return None\n',
  'util.ts': 'export function slugify(s: string): string {\n  return s.toLowerCase().replace(/ /g, "-");\n}\n',
  'generated/out.py': 'def generated():\n    pass\n',
  'skip.gen.py': 'def skipped():\n    pass\n',
  'node_modules/dep/index.js': 'function dep() {}\n',
  'build/out.py': 'def built():\n    pass\n',
  'pkg/.gitignore': '!special.gen.py\n',
  'pkg/special.gen.py': 'SPECIAL_VALUE = 42\n',
  'pkg/geometry.rs': 'pub fn area(w: f64, h: f64) -> f64 {\n    w * h\n}\n',
  'README.md': '# not code\n',
};

let clock = Date.UTC(2025, 0, 1) / 1000;
/** Writes a file and gives it a fresh mtime (a second later than the last), so mtime checks are deterministic. */
function write(root: string, rel: string, content: string | Buffer): void {
  writeFileSync(join(root, rel), content);
  clock += 1;
  utimesSync(join(root, rel), clock, clock);
}

describe('code indexer', () => {
  let t: TempHome;
  let app: App;
  let root: string;
  beforeEach(() => {
    t = tempHome();
    app = t.app();
    root = join(t.root, 'tree');
    writeFiles(root, TREE);
    write(root, 'binary.py', Buffer.from([0x64, 0x65, 0x66, 0x00, 0x01, 0x02]));
    write(root, 'latin1.py', Buffer.from('# caf\xe9\ndef f():\n    pass\n', 'latin1'));
  });
  afterEach(async () => {
    await app.close();
    t.cleanup();
  });

  const names = async (): Promise<string[]> =>
    (await app.records.scroll(COLLECTIONS.codeUnits, { limit: 1000 })).map((r) => String(r.payload.qualified_name)).sort();

  test('first run indexes what .gitignore and the default exclusions allow, and reports unreadable files', async () => {
    const progress: number[] = [];
    const r = await app.code.index({ directory: root, project: 'demo' }, (p) => progress.push(p.done));
    assert.equal(r.status, 'success');
    assert.equal(r.directory, root);
    assert.equal(r.files_indexed, 4); // app.py, util.ts, pkg/special.gen.py (re-included), pkg/geometry.rs
    assert.equal(r.units_indexed, 5);
    assert.equal(r.files_skipped, 0);
    assert.equal(r.errors, 2);
    assert.deepEqual(
      r.error_details.map((e) => [e.file_path.slice(root.length + 1), e.error_type]),
      [['binary.py', 'binary_file'], ['latin1.py', 'encoding_error']],
    );
    assert.deepEqual(await names(), ['app.start_server', 'app.stop_server', 'geometry::area', 'special.gen.SPECIAL_VALUE', 'util.slugify']);
    assert.deepEqual(progress, [0, 1, 2, 3, 4, 5, 6]);
    assert.deepEqual(app.code.stats('demo'), {
      total_files: 4, total_units: 5, languages: { python: 2, rust: 1, typescript: 1 }, projects: ['demo'],
    });
  });

  test('a second run over an unchanged tree skips every file; a touched but unchanged file is hashed once', async () => {
    await app.code.index({ directory: root, project: 'demo' });
    const again = await app.code.index({ directory: root, project: 'demo' });
    assert.deepEqual([again.files_indexed, again.units_indexed, again.files_skipped, again.files_removed], [0, 0, 4, 0]);

    write(root, 'app.py', TREE['app.py']!); // same content, new mtime
    const touched = await app.code.index({ directory: root, project: 'demo' });
    assert.deepEqual([touched.files_indexed, touched.files_skipped], [0, 4]);
    const row = app.db.prepare('SELECT last_modified FROM indexed_files WHERE file_path = ?').get(join(root, 'app.py')) as { last_modified: string };
    assert.equal(row.last_modified, new Date(clock * 1000).toISOString(), 'the new mtime is remembered');
  });

  test('an edited file has its units replaced; other files keep theirs untouched', async () => {
    await app.code.index({ directory: root, project: 'demo' });
    const before = await app.records.scroll(COLLECTIONS.codeUnits, { limit: 100, filter: { file_path: join(root, 'pkg', 'geometry.rs') } });
    write(root, 'app.py', 'def start_server(port, host):\n    return host\n\n\ndef restart_server():\n    pass\n');
    const r = await app.code.index({ directory: root, project: 'demo' });
    assert.deepEqual([r.files_indexed, r.units_indexed, r.files_skipped], [1, 2, 3]);
    assert.deepEqual(await names(), ['app.restart_server', 'app.start_server', 'geometry::area', 'special.gen.SPECIAL_VALUE', 'util.slugify']);
    const [unit] = (await app.code.search({ query: 'start_server', search_mode: 'keyword', limit: 1 })).results;
    assert.equal(unit?.signature, 'def start_server(port, host):');
    const after = await app.records.scroll(COLLECTIONS.codeUnits, { limit: 100, filter: { file_path: join(root, 'pkg', 'geometry.rs') } });
    assert.deepEqual(after.map((x) => [x.id, x.updatedAt]), before.map((x) => [x.id, x.updatedAt]));
  });

  test('a file edited down to no units loses them all (CALM kept the stale ones)', async () => {
    await app.code.index({ directory: root, project: 'demo' });
    write(root, 'util.ts', '// nothing here any more\n');
    const r = await app.code.index({ directory: root, project: 'demo' });
    assert.deepEqual([r.files_indexed, r.units_indexed], [1, 0]);
    assert.ok(!(await names()).includes('util.slugify'));
  });

  test('deleted files, and files that became ignored, lose their units', async () => {
    await app.code.index({ directory: root, project: 'demo' });
    rmSync(join(root, 'pkg', 'geometry.rs'));
    write(root, '.gitignore', 'generated/\n*.gen.py\nutil.ts\n');
    const r = await app.code.index({ directory: root, project: 'demo' });
    assert.deepEqual([r.files_removed, r.units_removed], [2, 2]);
    assert.deepEqual(await names(), ['app.start_server', 'app.stop_server', 'special.gen.SPECIAL_VALUE']);
    assert.equal(app.code.stats('demo').total_files, 2);
  });

  test('a file that turns binary is reported and its old units are dropped', async () => {
    await app.code.index({ directory: root, project: 'demo' });
    write(root, 'util.ts', Buffer.from([0x00, 0xff, 0x00]));
    const r = await app.code.index({ directory: root, project: 'demo' });
    assert.ok(r.error_details.some((e) => e.file_path === join(root, 'util.ts') && e.error_type === 'binary_file'));
    assert.ok(!(await names()).includes('util.slugify'));
  });

  test('non-recursive mode reads the top level only and leaves deeper files indexed', async () => {
    await app.code.index({ directory: root, project: 'demo' });
    const r = await app.code.index({ directory: root, project: 'demo', recursive: false });
    assert.deepEqual([r.files_indexed, r.files_skipped, r.files_removed], [0, 2, 0]);
    assert.ok((await names()).includes('geometry::area'));
  });

  test('projects are separate: the same tree in two projects keeps two sets of units', async () => {
    await app.code.index({ directory: root, project: 'one' });
    const two = await app.code.index({ directory: root, project: 'two' });
    assert.equal(two.files_indexed, 4);
    assert.equal(await app.records.count(COLLECTIONS.codeUnits), 10);
    const onlyTwo = await app.code.search({ query: 'slugify', project: 'two', search_mode: 'keyword' });
    assert.deepEqual(onlyTwo.results.map((x) => x.project), ['two']);
  });

  test('validation: CALM messages for directory and project', async () => {
    await assert.rejects(app.code.index({ directory: join(root, 'nope'), project: 'p' }), { message: `Directory not found: ${join(root, 'nope')}` });
    await assert.rejects(app.code.index({ directory: join(root, 'app.py'), project: 'p' }), { message: `Not a directory: ${join(root, 'app.py')}` });
    await assert.rejects(app.code.index({ directory: root, project: '' }), { message: 'Project identifier cannot be empty' });
    await assert.rejects(app.code.index({ directory: root, project: '-x' }), /Invalid project identifier: '-x'\. Must contain only alphanumeric/);
    await assert.rejects(app.code.index({ directory: root, project: 'p'.repeat(101) }), {
      message: 'Project identifier too long (101 chars). Maximum: 100 characters',
    });
  });
});

describe('code search', () => {
  let t: TempHome;
  let app: App;
  let root: string;
  beforeEach(async () => {
    t = tempHome();
    app = t.app();
    root = join(t.root, 'tree');
    writeFiles(root, TREE);
    await app.code.index({ directory: root, project: 'demo' });
  });
  afterEach(async () => {
    await app.close();
    t.cleanup();
  });

  test('keyword search sees code bodies and docstrings, not just names (CALM stored no code)', async () => {
    const body = await app.code.search({ query: 'listening', search_mode: 'keyword' });
    assert.deepEqual(body.results.map((r) => r.qualified_name), ['app.start_server']);
    const hit = body.results[0]!;
    assert.equal(hit.code, TREE['app.py']!.split('\n\n\n')[0]!.trimEnd());
    assert.equal(hit.docstring, 'Start the HTTP server.');
    assert.deepEqual([hit.start_line, hit.end_line, hit.line_count, hit.language, hit.unit_type, hit.has_docstring], [1, 3, 3, 'python', 'function', true]);
    assert.equal(hit.file_path, join(root, 'app.py'));
    const doc = await app.code.search({ query: 'HTTP server', search_mode: 'hybrid', limit: 1 });
    assert.equal(doc.results[0]?.qualified_name, 'app.start_server');
  });

  test('language filter is case-insensitive; semantic search and find_similar_code find the closest unit', async () => {
    const rust = await app.code.search({ query: 'area width height', language: 'Rust' });
    assert.deepEqual(rust.results.map((r) => r.language), ['rust']);
    const similar = await app.code.findSimilar({ snippet: 'export function slugify(s: string): string {\n  return s.toLowerCase();\n}' });
    assert.equal(similar.results[0]?.qualified_name, 'util.slugify');
    assert.equal((await app.code.findSimilar({ snippet: '   ' })).count, 0);
  });

  test('validation: CALM messages and order (limit, language, project, query)', async () => {
    await assert.rejects(app.code.search({ query: 'x', limit: 51, language: 'cobol' }), { message: 'Limit 51 out of range. Must be between 1 and 50.' });
    await assert.rejects(app.code.search({ query: 'x', language: 'cobol', project: '' }), {
      message: "Unsupported language: 'cobol'. Supported languages: python, typescript, javascript, rust, go, java, c, cpp, csharp, ruby, php, swift, kotlin, scala",
    });
    await assert.rejects(app.code.search({ query: 'x', project: '' }), { message: 'Project identifier cannot be empty' });
    await assert.rejects(app.code.search({ query: 'x'.repeat(10_001) }), /Query too long \(10001 chars\)/);
    await assert.rejects(app.code.search({ query: 'x', search_mode: 'fuzzy' }), /Invalid search_mode 'fuzzy'/);
    await assert.rejects(app.code.findSimilar({ snippet: 'x'.repeat(5001) }), {
      message: 'Snippet too long (5001 chars). Maximum allowed is 5000 characters.',
    });
    await assert.rejects(app.code.findSimilar({ snippet: 'x', limit: 0 }), { message: 'Limit 0 out of range. Must be between 1 and 50.' });
    assert.deepEqual(await app.code.search({ query: '  ' }), { results: [], count: 0 });
  });
});
