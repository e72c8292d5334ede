import type { Command } from 'commander';
import { withApp } from './app-context.js';
import { listOption, intOption } from './options.js';
import { downloadProgress, print, progress, table, type Progress } from './output.js';

export function registerReembed(program: Command): void {
  program
    .command('reembed')
    .description('Re-embed collections with the configured embedder (or --model); resumable')
    .option('--model <embedder>', "target embedder: 'hash', 'minilm', 'nomic' or a model folder; recorded in config.yaml")
    .option('--collection <names>', 'only these collections (comma-separated, repeatable)', listOption)
    .option('--batch-size <n>', 'texts embedded per batch (1-10000)', intOption(1, 10_000), 64)
    .option('--json', 'print the result as JSON')
    .action(async (opts: { model?: string; collection?: string[]; batchSize: number; json?: boolean }) => {
      const { reembedCollections } = await import('../services/reembed.js');
      const { loadEmbedder, parseEmbedderChoice } = await import('../embedding/registry.js');
      const { setConfigValue } = await import('../config-file.js');
      await withApp(async (app) => {
        const choice = opts.model ? parseEmbedderChoice(opts.model) : app.embedderChoice;
        const download = downloadProgress();
        const embedder = await loadEmbedder(choice, {
          modelsDir: app.settings.paths.models,
          allowDownload: app.settings.modelDownload,
          onProgress: download.onProgress,
        }).finally(download.stop);
        const bars = new Map<string, Progress>();
        try {
          const results = await reembedCollections(app, embedder, {
            ...(opts.collection ? { collections: opts.collection } : {}),
            batchSize: opts.batchSize,
            onProgress: async ({ collection, done, total }) => {
              if (!bars.has(collection)) bars.set(collection, await progress(`Re-embedding ${collection}`, total));
              bars.get(collection)?.update(done, total);
            },
          });
          for (const b of bars.values()) b.stop();
          let configNote = '';
          if (opts.model && choice.id !== app.embedderChoice.id) {
            setConfigValue(app.settings, 'embedder', opts.model.trim());
            configNote = app.settings.sources.embedder === 'environment'
              ? `Recorded embedder '${opts.model}' in ${app.settings.paths.configFile}; CALM_EMBEDDER in your environment still overrides it: update it too.`
              : `Recorded embedder '${opts.model}' in ${app.settings.paths.configFile}.`;
          }
          print({ embedder: embedder.id, dim: embedder.dim, results, note: configNote || undefined }, opts, (r) =>
            [
              r.results.length === 0 ? 'No collections to re-embed.' : table(r.results, ['collection', 'from', 'to', 'records', 'status']),
              ...(r.note ? ['', r.note] : []),
            ].join('\n'),
          );
        } finally {
          for (const b of bars.values()) b.stop();
          await embedder.dispose?.();
        }
      });
    });
}
