/**
 * @module Code and commit indexing benchmark.
 *
 *   node --import tsx bench/code.ts            2,000 files, 5,000 commits
 *   node --import tsx bench/code.ts --quick    400 files, 1,000 commits
 *
 * Code: a generated tree of Python, TypeScript, Go, Rust and Java files (six units each) in a temp
 * calm home with the built-in hash embedder. Reported: a full index (files/s, units/s), a re-index of
 * the unchanged tree and of a tree whose every file was touched but not changed, each as a ratio of the
 * full index (target for the unchanged tree: ≤ 0.1), against the floor of reading and hashing every file.
 *
 * Commits: a generated repository (git fast-import; each commit changes one of 50 files). Reported: a
 * full index_commits (commits/s), the incremental run after one new commit, against the floor of the
 * `git log --numstat` read alone.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { findSourceFiles } from '../src/services/code/walk.js';

const quick = process.argv.includes('--quick');
const FILES = quick ? 400 : 2000;
const COMMITS = quick ? 1000 : 5000;

const TEMPLATES: Record<string, (i: number) => string> = {
  py: (i) => `"""Module ${i}."""\nLIMIT_${i} = ${i}\n\n\nclass Service${i}:\n    """Service ${i}."""\n\n    def start(self, port):\n        if port > 0 and port < 65536:\n            return port\n        return None\n\n    def stop(self):\n        return True\n\n\ndef helper_${i}(items):\n    return [x for x in items if x]\n`,
  ts: (i) => `/** Max ${i}. */\nexport const MAX_${i} = ${i};\n\n/** Store ${i}. */\nexport class Store${i} {\n  get(key: string): string | undefined {\n    return key.length > 0 ? key : undefined;\n  }\n\n  set(key: string, value: string): void {\n    if (!key || !value) throw new Error('empty');\n  }\n}\n\nexport function make${i}(): Store${i} {\n  return new Store${i}();\n}\n\nexport const run${i} = (n: number): number => n * 2;\n`,
  go: (i) => `// Package p${i} does work.\npackage p${i}\n\n// Limit${i} caps it.\nconst Limit${i} = ${i}\n\n// Worker${i} works.\ntype Worker${i} struct{ n int }\n\n// Run runs.\nfunc (w *Worker${i}) Run(x int) int {\n\tif x > 0 && w != nil {\n\t\treturn x\n\t}\n\treturn 0\n}\n\n// New${i} makes one.\nfunc New${i}() *Worker${i} { return &Worker${i}{} }\n`,
  rs: (i) => `//! Crate ${i}.\n\n/// Max.\npub const MAX_${i}: u32 = ${i};\n\n/// A point.\npub struct Point${i} { x: f64 }\n\nimpl Point${i} {\n    /// New.\n    pub fn new(x: f64) -> Self { Point${i} { x } }\n    pub fn norm(&self) -> f64 { if self.x > 0.0 { self.x } else { -self.x } }\n}\n\nfn helper_${i}() {}\n`,
  java: (i) => `package p;\n\n/** Thing ${i}. */\npublic class Thing${i} {\n  public static final int MAX_${i} = ${i};\n\n  /** Runs. */\n  public int run(int x) {\n    if (x > 0 && x < 10) { return x; }\n    return 0;\n  }\n\n  public Thing${i}() {}\n\n  interface Listener { void on(); }\n}\n`,
};
const EXTS = Object.keys(TEMPLATES);

function generateTree(root: string): void {
  for (let i = 0; i < FILES; i++) {
    const ext = EXTS[i % EXTS.length]!;
    const dir = join(root, `pkg${Math.floor(i / 100)}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, ext === 'java' ? `Thing${i}.java` : `file${i}.${ext}`), TEMPLATES[ext]!(i));
  }
}

function generateRepo(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1' };
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: dir, env });
  const parts: string[] = [];
  const start = Math.floor(Date.now() / 1000) - COMMITS * 600;
  for (let i = 0; i < COMMITS; i++) {
    const who = ['Ada <ada@example.com>', 'Grace <grace@example.com>', 'Linus <linus@example.com>'][i % 3]!;
    const msg = `Change ${i}: ${['fix', 'refactor', 'speed up', 'document'][i % 4]} module ${i % 50}\n`;
    const content = `value = ${i}\n`.repeat(1 + (i % 5));
    parts.push(
      `commit refs/heads/main\nmark :${i + 1}\nauthor ${who} ${start + i * 600} +0000\ncommitter ${who} ${start + i * 600} +0000\n` +
      `data ${Buffer.byteLength(msg)}\n${msg}${i > 0 ? `from :${i}\n` : ''}M 100644 inline src/module${i % 50}.py\ndata ${Buffer.byteLength(content)}\n${content}\n`,
    );
  }
  execFileSync('git', ['fast-import', '--quiet'], { cwd: dir, env, input: parts.join('') });
}

const time = async <T>(fn: () => Promise<T> | T): Promise<[T, number]> => {
  const t0 = performance.now();
  const out = await fn();
  return [out, performance.now() - t0];
};
const ms = (n: number): string => `${n.toFixed(0)} ms`;

const root = mkdtempSync(join(tmpdir(), 'calm-bench-code-'));
try {
  const home = join(root, 'calm');
  const app = createApp(loadConfig({ CALM_HOME: home, HOME: root, CALM_EMBEDDER: 'hash' }));
  const tree = join(root, 'tree');
  generateTree(tree);
  await app.embedder();

  const [files, floor] = await time(async () => {
    const found = await findSourceFiles(tree, { recursive: true });
    for (const f of found) createHash('sha256').update(readFileSync(f)).digest('hex');
    return found;
  });
  const [full, fullMs] = await time(() => app.code.index({ directory: tree, project: 'bench' }));
  const [again, againMs] = await time(() => app.code.index({ directory: tree, project: 'bench' }));
  const later = Date.now() / 1000 + 10;
  for (const f of files) utimesSync(f, later, later);
  const [touched, touchedMs] = await time(() => app.code.index({ directory: tree, project: 'bench' }));

  console.log(`code: ${full.files_indexed} files, ${full.units_indexed} units (${files.length} found)`);
  console.log(`  floor (walk + read + sha256 every file): ${ms(floor)}`);
  console.log(`  full index:      ${ms(fullMs)}  = ${(full.files_indexed / (fullMs / 1000)).toFixed(0)} files/s, ${(full.units_indexed / (fullMs / 1000)).toFixed(0)} units/s  (${(fullMs / floor).toFixed(1)}× the floor)`);
  console.log(`  unchanged tree:  ${ms(againMs)}  = ${(againMs / fullMs).toFixed(3)} of the full index (target ≤ 0.1); skipped ${again.files_skipped}`);
  console.log(`  touched, same content: ${ms(touchedMs)}  = ${(touchedMs / fullMs).toFixed(3)} of the full index; skipped ${touched.files_skipped}`);

  const repo = join(root, 'repo');
  const [, genMs] = await time(() => generateRepo(repo));
  const [, logMs] = await time(() => execFileSync('git', ['log', '-z', '--numstat', '-M', '--format=%H%x00%B'], { cwd: repo, maxBuffer: 1 << 28 }));
  const [indexed, indexMs] = await time(() => app.git.indexCommits({ repo_path: repo }));
  execFileSync('git', ['-c', 'user.name=B', '-c', 'user.email=b@example.com', 'commit', '-q', '--allow-empty', '-m', 'one more'], { cwd: repo });
  const [inc, incMs] = await time(() => app.git.indexCommits({ repo_path: repo }));
  console.log(`commits: ${indexed.commits_indexed} indexed (repository generated in ${ms(genMs)})`);
  console.log(`  floor (git log --numstat alone): ${ms(logMs)}`);
  console.log(`  full index_commits: ${ms(indexMs)}  = ${(indexed.commits_indexed / (indexMs / 1000)).toFixed(0)} commits/s  (${(indexMs / logMs).toFixed(1)}× the floor)`);
  console.log(`  incremental after 1 new commit: ${ms(incMs)} (${inc.mode}, ${inc.commits_indexed} indexed) = ${(incMs / indexMs).toFixed(3)} of the full index`);
  await app.close();
} finally {
  rmSync(root, { recursive: true, force: true });
}
