/**
 * `npm run bench`: runs benchmarks, each in its own process so one's memory does not skew the next,
 * and writes one report where every figure stands beside its floor measured in the same run.
 *
 *   npm run bench                      speed, backup, hooks and retrieval quality at bounded sizes;
 *                                      writes bench/results/latest.md and latest.json
 *   npm run bench -- --scale 100k      the same with 100,000 memories and code units (longer)
 *   npm run bench -- store mcp         only these (bench/<name>.ts), with their full sizes; the
 *                                      report goes to bench/results/partial.{md,json}
 *   npm run bench -- --quick ...       smaller sizes where a benchmark has them
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { type Figure, fmt } from './report.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const scale = args.includes('--scale') ? args[args.indexOf('--scale') + 1] : process.env.CALM_BENCH_SCALE;
const flags = args.filter((a, i) => a.startsWith('--') || args[i - 1] === '--scale');
const wanted = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--scale');
/** The default run: what the issue's targets are about, each against its floor, bounded in time. */
const DEFAULT: readonly { name: string; args: string[] }[] = [
  { name: 'speed', args: [] },
  { name: 'backup', args: scale === '100k' ? [] : ['--quick'] },
  { name: 'hooks', args: ['--quick'] },
  // hit@1/hit@3/MRR per set, mode and embedder (issue 16): quality, not speed, so no floor
  { name: 'retrieval', args: [] },
];
const plan = wanted.length > 0 ? wanted.map((name) => ({ name, args: flags })) : DEFAULT.map((b) => ({ name: b.name, args: [...b.args, ...flags] }));

const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
if (build.status !== 0) process.exit(1);
const scratch = mkdtempSync(join(tmpdir(), 'calm-bench-report-'));
const reportFile = join(scratch, 'figures.jsonl');
const started = performance.now();
let failed = 0;
const durations: Record<string, number> = {};
for (const { name, args: benchArgs } of plan) {
  const file = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  if (!existsSync(file)) {
    console.log(`\n== ${name}: not present, skipped`);
    continue;
  }
  console.log(`\n== ${name} ${'='.repeat(60)}`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', file, ...benchArgs], { stdio: 'inherit', env: { ...process.env, CALM_BENCH_REPORT: reportFile } });
  durations[name] = (performance.now() - t0) / 1000;
  if (r.status !== 0) failed += 1;
}
const figures: Figure[] = existsSync(reportFile)
  ? readFileSync(reportFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Figure)
  : [];
rmSync(scratch, { recursive: true, force: true });

const totalSeconds = (performance.now() - started) / 1000;
const withTarget = figures.filter((f) => f.target !== undefined);
const summary = {
  date: new Date().toISOString(),
  command: `npm run bench${args.length > 0 ? ` -- ${args.join(' ')}` : ''}`,
  scale: scale ?? '10k',
  node: process.version,
  platform: `${process.platform}/${process.arch}`,
  seconds: Math.round(totalSeconds),
  benchmarks: durations,
  targets: { total: withTarget.length, passed: withTarget.filter((f) => f.pass).length },
  figures,
};
const row = (f: Figure): string =>
  `| ${f.group} | ${f.name} | ${f.n?.toLocaleString('en-US') ?? ''} | ${fmt(f.value, f.unit)} | ${fmt(f.floor, f.unit)} | ${f.floorName} | ${f.ratio.toFixed(2)}× | ` +
  `${f.target === undefined ? '' : `≤ ${f.target}× ${f.pass ? 'pass' : '**fail**'}`} |${f.note ? ` ${f.note}` : ''}`;
const markdown = [
  `# calm benchmarks`,
  '',
  `\`${summary.command}\` on ${summary.date.slice(0, 16).replace('T', ' ')} UTC, node ${summary.node}, ${summary.platform}, ` +
    `${summary.seconds} s (${Object.entries(durations).map(([n, s]) => `${n} ${s.toFixed(0)} s`).join(', ')}). ` +
    `Targets met: ${summary.targets.passed} of ${summary.targets.total}.`,
  '',
  'Every figure is a median, beside its floor measured in the same run; ratio = figure ÷ floor (lower is better).',
  '',
  '| area | case | N | calm | floor | floor is | ratio | target |',
  '|---|---|---|---|---|---|---|---|',
  ...figures.map(row),
  '',
].join('\n');
const out = join(ROOT, 'bench', 'results');
mkdirSync(out, { recursive: true });
const base = wanted.length > 0 ? 'partial' : scale === '100k' ? 'latest-100k' : 'latest';
writeFileSync(join(out, `${base}.md`), markdown);
writeFileSync(join(out, `${base}.json`), `${JSON.stringify(summary, null, 2)}\n`);
console.log(`\n${markdown}\nwritten: bench/results/${base}.md and ${base}.json`);
process.exit(failed > 0 ? 1 : 0);
