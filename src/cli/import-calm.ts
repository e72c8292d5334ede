/** @module `calm import-calm`: bring an existing CALM installation (its Qdrant collections and SQLite tables) into calm. */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { withApp } from './app-context.js';
import { print, progress, type Progress, table } from './output.js';

export function registerImportCalm(program: Command): void {
  program
    .command('import-calm')
    .description("Import an existing CALM installation: memories, GHAP experiences and values from its Qdrant, tasks, reviews, workers, sessions, journal and counters from its database")
    .option('--qdrant-url <url>', "CALM's Qdrant server (default: CALM_QDRANT_URL / storage.qdrant_url, else http://localhost:6333)")
    .option('--db <path>', "CALM's database (default: ~/.calm/metadata.db)")
    .option('--dry-run', 'show what would come in; write nothing')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { qdrantUrl?: string; db?: string; dryRun?: boolean; json?: boolean }) => {
      const { importCalm } = await import('../services/import-calm.js');
      const db = opts.db ?? join(process.env.HOME?.trim() || homedir(), '.calm', 'metadata.db');
      const bars = new Map<string, Progress>();
      try {
        const result = await withApp((app) => {
          const qdrantUrl = opts.qdrantUrl ?? app.settings.qdrantUrl;
          return importCalm(app, {
            qdrantUrl,
            // the key calm is configured with, when CALM's Qdrant is the one calm is pointed at
            qdrantApiKey: qdrantUrl === app.settings.qdrantUrl && app.settings.qdrantApiKey ? app.settings.qdrantApiKey : undefined,
            db,
            dbExplicit: opts.db !== undefined,
            dryRun: opts.dryRun ?? false,
            onProgress: async ({ collection, done, total }) => {
              if (!bars.has(collection)) bars.set(collection, await progress(`Reading ${collection}`, total));
              bars.get(collection)?.update(done, total);
            },
          });
        });
        for (const b of bars.values()) b.stop();
        print(result, opts, (r) =>
          [
            r.dry_run ? `Dry run: nothing was written. From CALM (Qdrant ${r.qdrant_url}, database ${r.db}) this would come in:` : `Imported from CALM (Qdrant ${r.qdrant_url}, database ${r.db}):`,
            r.collections.length === 0 ? 'No CALM collections found.' : table(r.collections, ['collection', 'found', 'new', 'imported', 'reembedded'], ['Collection', 'Found', 'New to calm', 'Imported', 'Re-embedded']),
            `Vectors: ${r.vectors === 'kept' ? `kept (calm uses ${r.embedder}, the model CALM used)` : `re-embedded with ${r.embedder}`}${r.ghap_entries ? `; GHAP entries added: ${r.ghap_entries}` : ''}`,
            ...(r.tables.length ? ['', table(r.tables, ['table', 'found', 'added'], ['Table', 'Rows in CALM', r.dry_run ? 'Would be added' : 'Added'])] : []),
            ...r.skipped.map((s) => `Not imported: ${s.what} (${s.reason})`),
          ].join('\n'),
        );
      } finally {
        for (const b of bars.values()) b.stop();
      }
    });
}
