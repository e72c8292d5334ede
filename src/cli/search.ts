/** `calm search code|similar|commits`: the code and commit search tools from the command line. */
import type { Command } from 'commander';
import { withApp } from './app-context.js';
import { wholeNumberOption } from './options.js';
import { print, table } from './output.js';
import { readStdin } from './stdin.js';

const oneLine = (text: string, max = 60): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
};

type CodeResults = Awaited<ReturnType<import('../services/code/index.js').CodeService['search']>>;

const codeTable = (f: CodeResults): string =>
  f.count === 0
    ? 'No code found.'
    : table(
        f.results.map((r) => ({ ...r, score: r.score.toFixed(3), where: `${r.file_path}:${r.start_line}` })),
        ['score', 'unit_type', 'qualified_name', 'where'],
        ['Score', 'Type', 'Name', 'Location'],
      );

export function registerSearch(program: Command): void {
  const search = program.command('search').description('Search indexed code and commits');

  search
    .command('code')
    .description('Search indexed code (semantic, keyword or hybrid)')
    .argument('<query>', 'what to look for')
    .option('-p, --project <name>', 'only this project')
    .option('--language <name>', 'only this language')
    .option('-m, --mode <mode>', 'semantic, keyword or hybrid', 'semantic')
    .option('-l, --limit <n>', 'maximum results (1-50)', wholeNumberOption, 10)
    .option('--json', 'print the results as JSON')
    .action(async (query: string, opts: { project?: string; language?: string; mode: string; limit: number; json?: boolean }) => {
      await withApp(async (app) => {
        const found = await app.code.search({ query, project: opts.project, language: opts.language, search_mode: opts.mode, limit: opts.limit });
        print(found, opts, codeTable);
      });
    });

  search
    .command('similar')
    .description('Find code similar to a snippet (SNIPPET "-" reads it from stdin)')
    .argument('<snippet>', 'the code, or - for stdin')
    .option('-p, --project <name>', 'only this project')
    .option('-l, --limit <n>', 'maximum results (1-50)', wholeNumberOption, 10)
    .option('--json', 'print the results as JSON')
    .action(async (snippet: string, opts: { project?: string; limit: number; json?: boolean }) => {
      const text = snippet === '-' ? await readStdin() : snippet;
      await withApp(async (app) => print(await app.code.findSimilar({ snippet: text, project: opts.project, limit: opts.limit }), opts, codeTable));
    });

  search
    .command('commits')
    .description('Search indexed commits (semantic, keyword or hybrid)')
    .argument('<query>', 'what to look for')
    .option('-a, --author <name>', 'only commits by this author (exact name)')
    .option('--since <date>', 'only commits after this date (YYYY-MM-DD)')
    .option('-r, --repo <path>', 'only commits of this repository')
    .option('-m, --mode <mode>', 'semantic, keyword or hybrid', 'semantic')
    .option('-l, --limit <n>', 'maximum results (1-50)', wholeNumberOption, 10)
    .option('--json', 'print the results as JSON')
    .action(async (query: string, opts: { author?: string; since?: string; repo?: string; mode: string; limit: number; json?: boolean }) => {
      await withApp(async (app) => {
        const found = await app.git.searchCommits({
          query, author: opts.author, since: opts.since, repo_path: opts.repo, search_mode: opts.mode, limit: opts.limit,
        });
        print(found, opts, (f) =>
          f.count === 0
            ? 'No commits found.'
            : table(
                f.results.map((r) => ({ ...r, score: r.score.toFixed(3), sha: r.sha.slice(0, 7), date: r.timestamp.slice(0, 10), message: oneLine(r.message) })),
                ['score', 'sha', 'date', 'author', 'message'],
                ['Score', 'Commit', 'Date', 'Author', 'Message'],
              ),
        );
      });
    });
}
