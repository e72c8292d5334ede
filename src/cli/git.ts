/** `calm git history|churn|authors`: file history, churn hotspots and authors, read from git. */
import { isAbsolute, resolve } from 'node:path';
import type { Command } from 'commander';
import { withApp } from './app-context.js';
import { wholeNumberOption } from './options.js';
import { print, table } from './output.js';

/** With --repo, a relative path is inside that repository; without it, relative to where the user stands. */
const fileArg = (path: string, repo: string | undefined): string => (repo && !isAbsolute(path) ? path : resolve(path));

const oneLine = (text: string, max = 60): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
};

export function registerGit(program: Command): void {
  const git = program.command('git').description('File history, churn hotspots and authors of a git repository');

  git
    .command('history')
    .description('Commits that changed a file, newest first')
    .argument('<path>', 'the file: relative to the current directory (to the repository with --repo), or absolute')
    .option('-r, --repo <path>', 'repository (default: the current directory)')
    .option('-l, --limit <n>', 'maximum commits (1-500)', wholeNumberOption, 100)
    .option('--json', 'print as JSON')
    .action(async (path: string, opts: { repo?: string; limit: number; json?: boolean }) => {
      await withApp(async (app) => {
        const h = await app.git.fileHistory({ path: fileArg(path, opts.repo), repo_path: opts.repo, limit: opts.limit });
        print(h, opts, (r) =>
          r.count === 0
            ? `No commits changed ${r.path}.`
            : table(
                r.commits.map((c) => ({ ...c, sha: c.sha.slice(0, 7), date: c.timestamp.slice(0, 10), lines: `+${c.insertions} -${c.deletions}`, message: oneLine(c.message) })),
                ['sha', 'date', 'author', 'lines', 'message'],
                ['Commit', 'Date', 'Author', 'Lines', 'Message'],
              ),
        );
      });
    });

  git
    .command('churn')
    .description('Files changed most often in the last DAYS days')
    .option('-r, --repo <path>', 'repository (default: the current directory)')
    .option('-d, --days <n>', 'days of history (1-365)', wholeNumberOption, 90)
    .option('-l, --limit <n>', 'maximum files (1-50)', wholeNumberOption, 10)
    .option('--min-changes <n>', 'fewest commits that make a hotspot (1-1000)', wholeNumberOption, 3)
    .option('--json', 'print as JSON')
    .action(async (opts: { repo?: string; days: number; limit: number; minChanges: number; json?: boolean }) => {
      await withApp(async (app) => {
        const c = await app.git.churnHotspots({ repo_path: opts.repo, days: opts.days, limit: opts.limit, min_changes: opts.minChanges });
        print(c, opts, (r) =>
          r.count === 0
            ? `No file changed ${opts.minChanges} or more times in the last ${r.days} days.`
            : table(
                r.hotspots.map((h) => ({ ...h, lines: `+${h.total_insertions} -${h.total_deletions}` })),
                ['path', 'commit_count', 'lines', 'authors'],
                ['File', 'Commits', 'Lines', 'Authors'],
              ),
        );
      });
    });

  git
    .command('authors')
    .description('Who changed a file: commits and lines per author')
    .argument('<path>', 'the file: relative to the current directory (to the repository with --repo), or absolute')
    .option('-r, --repo <path>', 'repository (default: the current directory)')
    .option('--json', 'print as JSON')
    .action(async (path: string, opts: { repo?: string; json?: boolean }) => {
      await withApp(async (app) => {
        const a = await app.git.codeAuthors({ path: fileArg(path, opts.repo), repo_path: opts.repo });
        print(a, opts, (r) =>
          r.count === 0
            ? `No commits changed ${r.path}.`
            : table(
                r.authors.map((x) => ({ ...x, share: `${x.percentage}%`, lines: `+${x.lines_added} -${x.lines_removed}`, last: x.last_commit.slice(0, 10) })),
                ['author', 'email', 'commit_count', 'share', 'lines', 'last'],
                ['Author', 'Email', 'Commits', 'Share', 'Lines', 'Last commit'],
              ),
        );
      });
    });
}
