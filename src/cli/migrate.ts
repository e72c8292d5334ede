/** @module `calm migrate --to qdrant|embedded`: move every record to the other backend, check it, switch. */
import { type Command, Option } from 'commander';
import { cliSettings } from './app-context.js';
import { confirm } from './confirm.js';
import { print, progress, type Progress, table } from './output.js';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('Copy every record (with its vector) to the other backend, check the copy, then switch to it; resumable')
    .addOption(new Option('--to <backend>', 'the backend to move to').choices(['qdrant', 'embedded']).makeOptionMandatory())
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { to: 'qdrant' | 'embedded'; yes?: boolean; json?: boolean }) => {
      const { describeBackend, migrateBackend } = await import('../services/migrate.js');
      const config = await cliSettings();
      const question =
        `Copy every record from ${describeBackend(config, config.vectorBackend)} to ${describeBackend(config, opts.to)} and switch calm to it? ` +
        'Records the target holds that the source does not are removed from the target; the source is left as it is.';
      if (!(await confirm(question, opts.yes))) {
        process.stderr.write('Aborted.\n');
        return;
      }
      const bars = new Map<string, Progress>();
      try {
        const result = await migrateBackend(config, opts.to, {
          onProgress: async ({ collection, done, total }) => {
            if (!bars.has(collection)) bars.set(collection, await progress(`Copying ${collection}`, total));
            bars.get(collection)?.update(done, total);
          },
        });
        for (const b of bars.values()) b.stop();
        print(result, opts, (r) =>
          [
            `${r.resumed ? 'Resumed and finished' : 'Migrated'}: ${r.from} → ${r.to} (${r.target})`,
            r.collections.length === 0 ? 'No collections to copy.' : table(r.collections, ['collection', 'embedder', 'dim', 'records', 'removed', 'sampled', 'status']),
            `calm now uses the ${r.to} backend (config.yaml ${r.config_file}).`,
            ...r.notes,
          ].join('\n'),
        );
      } finally {
        for (const b of bars.values()) b.stop();
      }
    });
}
