#!/usr/bin/env node
// Runs every test file under test/ through node:test with tsx. Node 20's --test does not expand
// globs, and given a pattern it silently runs zero files, so the list is built here explicitly.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function collect(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'fixtures' ? [] : collect(path);
    return name.endsWith('.test.ts') ? [relative(root, path)] : [];
  });
}

const filter = process.argv.slice(2);
const files = collect(join(root, 'test'))
  .filter((f) => filter.length === 0 || filter.some((part) => f.includes(part)))
  .sort();
if (files.length === 0) {
  console.error(`no test files found${filter.length ? ` matching ${filter.join(', ')}` : ''}`);
  process.exit(1);
}

// e2e tests run the built CLI (dist/), so build first: a stale build would test old code
const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
// the daemon serves the dashboard from dist/dashboard (type-checked, then bundled): the page's tests must see this checkout's page
const web = spawnSync('npm', ['run', '--silent', 'build:web'], { cwd: root, stdio: 'inherit' });
if (web.status !== 0) process.exit(web.status ?? 1);

// every process the tests start inherits this mark (test/helpers/home.ts passes it on, with the test file's name)
const runId = `${process.pid}-${Date.now()}`;
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: 'test', TEST_RUN_CALM_SWEEP: runId },
});
const leftovers = await survivors(runId);
if (leftovers.length > 0) {
  console.error(`\n${leftovers.length} process(es) started by the tests outlived them (killed now):`);
  for (const p of leftovers) {
    console.error(`  PID ${p.pid} from ${p.file ?? 'an unknown test file'}: ${p.cmdline.slice(0, 200)}`);
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  process.exit(1);
}
process.exit(result.status ?? 1);

/** Live processes carrying this run's mark, read from /proc (cheap: one small read per process); a few seconds' grace for ones already ending. */
async function survivors(id) {
  if (!existsSync('/proc/self/environ')) return [];
  const scan = () => readdirSync('/proc').filter((d) => /^\d+$/.test(d) && Number(d) !== process.pid).flatMap((d) => {
    try {
      const env = readFileSync(`/proc/${d}/environ`, 'utf8').split('\0');
      if (!env.includes(`TEST_RUN_CALM_SWEEP=${id}`)) return [];
      const state = readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]?.[0];
      if (state === 'Z') return [];
      const file = env.find((e) => e.startsWith('TEST_RUN_CALM_FILE='))?.slice('TEST_RUN_CALM_FILE='.length);
      return [{ pid: Number(d), file, cmdline: readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0').join(' ').trim() }];
    } catch {
      return []; // exited while we looked, or not ours to read
    }
  });
  for (let i = 0; i < 50; i++) {
    const found = scan();
    if (found.length === 0) return [];
    if (i === 49) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  return [];
}
