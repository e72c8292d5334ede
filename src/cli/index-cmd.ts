/** `calm index code|commits|status`: build and refresh the code and commit indexes, with progress bars. */
import type { Command } from 'commander';
import { withApp } from './app-context.js';
import { wholeNumberOption } from './options.js';
import { print, progress, table } from './output.js';

export function registerIndex(program: Command): void {
  const index = program.command('index').description('Index source code and git history for search and context');

  index
    .command('code')
    .description('Index the source files under DIR (incremental: unchanged files are skipped)')
    .argument('<dir>', 'directory to index')
    .requiredOption('-p, --project <name>', 'project identifier (letters, digits, dashes, underscores)')
    .option('--no-recursive', 'only the files directly in DIR')
    .option('--json', 'print the result as JSON')
    .action(async (dir: string, opts: { project: string; recursive: boolean; json?: boolean }) => {
      await withApp(async (app) => {
        const bar = await progress('Indexing files', 1);
        let result;
        try {
          result = await app.code.index({ directory: dir, project: opts.project, recursive: opts.recursive }, (p) => bar.update(p.done, Math.max(1, p.total)));
        } finally {
          bar.stop();
        }
        print(result, opts, (r) => {
          const lines = [
            `Indexed ${r.files_indexed} files (${r.units_indexed} units) of project ${r.project} in ${r.duration_ms} ms`,
            `Skipped ${r.files_skipped} unchanged files; removed ${r.files_removed} deleted files (${r.units_removed} units)`,
          ];
          if (r.errors > 0) {
            lines.push(`${r.errors} files could not be indexed:`);
            for (const e of r.error_details) lines.push(`  ${e.file_path}: ${e.error_type} (${e.message})`);
          }
          return lines.join('\n');
        });
      });
    });

  index
    .command('commits')
    .description('Index the git history of a repository (incremental: only new commits)')
    .option('-r, --repo <path>', 'repository (default: the current directory)')
    .option('--since <date>', 'full index: only commits after this date (YYYY-MM-DD)')
    .option('-l, --limit <n>', 'full index: at most this many commits (1-100000)', wholeNumberOption)
    .option('-f, --force', 'index everything again')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { repo?: string; since?: string; limit?: number; force?: boolean; json?: boolean }) => {
      await withApp(async (app) => {
        const bar = await progress('Indexing commits', 1);
        let result;
        try {
          result = await app.git.indexCommits(
            { repo_path: opts.repo, since: opts.since, limit: opts.limit, force: opts.force },
            (p) => bar.update(p.done, Math.max(1, p.total)),
          );
        } finally {
          bar.stop();
        }
        print(result, opts, (r) =>
          [
            r.mode === 'up_to_date'
              ? `${r.repo_path}: already up to date`
              : `${r.repo_path}: indexed ${r.commits_indexed} commits (${r.mode}) in ${r.duration_ms} ms`,
            ...r.errors.map((e) => `  ${e.sha.slice(0, 7)}: ${e.error_type} (${e.message})`),
          ].join('\n'),
        );
      });
    });

  index
    .command('status')
    .description('What the code index holds: files, units and languages per project')
    .option('-p, --project <name>', 'only this project')
    .option('--json', 'print as JSON')
    .action(async (opts: { project?: string; json?: boolean }) => {
      await withApp(async (app) => {
        print(app.code.stats(opts.project), opts, (s) =>
          s.total_files === 0
            ? 'No code indexed yet. Run `calm index code DIR --project NAME`.'
            : [
                `Projects: ${s.projects.join(', ')}`,
                `Files: ${s.total_files}, units: ${s.total_units}`,
                table(Object.entries(s.languages).map(([language, files]) => ({ language, files })), ['language', 'files'], ['Language', 'Files']),
              ].join('\n'),
        );
      });
    });
}
