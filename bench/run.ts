/**
 * `npm run bench`: runs every benchmark, each in its own process so one's memory does not skew the
 * next. Each prints its figures as ratios against a baseline measured in the same run.
 *
 *   npm run bench                 all benchmarks, full sizes
 *   npm run bench -- --quick      smaller sizes
 *   npm run bench -- store mcp    only these
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ALL = ['store', 'mcp', 'clustering', 'backup', 'code', 'hooks', 'retrieval', 'dashboard'];
const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith('--'));
const wanted = args.filter((a) => !a.startsWith('--'));
const names = wanted.length > 0 ? wanted : ALL;
let failed = 0;
for (const name of names) {
  const file = fileURLToPath(new URL(`./${name}.ts`, import.meta.url));
  if (!existsSync(file)) {
    console.log(`\n== ${name}: not present, skipped`);
    continue;
  }
  console.log(`\n== ${name} ${'='.repeat(60)}`);
  const r = spawnSync(process.execPath, ['--import', 'tsx', file, ...flags], { stdio: 'inherit' });
  if (r.status !== 0) failed += 1;
}
process.exit(failed > 0 ? 1 : 0);
