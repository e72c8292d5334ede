/** @module `calm export` and `calm import`: portable JSONL of records with their vectors. */
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import type { Command } from 'commander';
import { withApp } from './app-context.js';
import { listOption } from './options.js';
import { print, progress, table, type Progress } from './output.js';

function writer(stream: NodeJS.WritableStream): (line: string) => void | Promise<void> {
  return (line) => (stream.write(line) ? undefined : new Promise<void>((resolve) => stream.once('drain', () => resolve())));
}

export function registerExportImport(program: Command): void {
  program
    .command('export')
    .description('Export records with their vectors as JSONL (to stdout, or --output FILE)')
    .option('--collections <names>', 'only these collections (comma-separated, repeatable)', listOption)
    .option('-o, --output <file>', 'write to this file instead of stdout (written whole or not at all)')
    .action(async (opts: { collections?: string[]; output?: string }) => {
      const { exportRecords } = await import('../services/backup/export-import.js');
      await withApp(async (app) => {
        const tmp = opts.output ? `${opts.output}.${process.pid}.tmp` : undefined;
        const out = tmp ? createWriteStream(tmp, { mode: 0o600 }) : process.stdout;
        const bars = new Map<string, Progress>();
        try {
          const counts = await exportRecords(app.records, writer(out), {
            collections: opts.collections,
            onProgress: async ({ collection, done, total }) => {
              if (!tmp) return; // stdout carries the data; keep the terminal quiet
              if (!bars.has(collection)) bars.set(collection, await progress(`Exporting ${collection}`, total));
              bars.get(collection)?.update(done, total);
            },
          });
          if (tmp) {
            await new Promise<void>((resolve, reject) => (out as ReturnType<typeof createWriteStream>).end((e?: Error | null) => (e ? reject(e) : resolve())));
            renameSync(tmp, opts.output!);
          }
          const total = counts.reduce((s, c) => s + c.count, 0);
          process.stderr.write(`Exported ${total} records (${counts.map((c) => `${c.collection} ${c.count}`).join(', ') || 'no collections'})\n`);
        } catch (e) {
          if (tmp) rmSync(tmp, { force: true });
          throw e;
        } finally {
          for (const b of bars.values()) b.stop();
        }
      });
    });

  program
    .command('import')
    .description('Import records from a JSONL export; re-embeds records made by another embedder')
    .argument('<file>', 'a file written by `calm export`')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      const { importRecords } = await import('../services/backup/export-import.js');
      await withApp(async (app) => {
        let bar: Progress | undefined;
        try {
          const result = await importRecords(app, file, async (done, total) => {
            bar ??= await progress('Importing', total);
            bar.update(done, total);
          });
          bar?.stop();
          print(result, opts, (r) =>
            r.collections.length === 0
              ? 'Nothing to import.'
              : [table(r.collections, ['collection', 'imported', 'reembedded'], ['Collection', 'Imported', 'Re-embedded']), '', `${r.total} records imported.`].join('\n'),
          );
        } finally {
          bar?.stop();
        }
      });
    });
}
