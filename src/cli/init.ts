import type { Command } from 'commander';
import { cliConfig } from './app-context.js';
import { downloadProgress, print } from './output.js';

export function registerInit(program: Command): void {
  program
    .command('init')
    .description('Create the calm home: directories, database, config file, and choose the embedder')
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      '\nThe embedder comes from CALM_EMBEDDER or config.yaml when set (it must load, or init stops).\n' +
        'Otherwise calm uses minilm when its weights are here or can be downloaded, and the built-in hash embedder if not.',
    )
    .action(async (opts: { json?: boolean }) => {
      const { initCalm } = await import('../services/init.js');
      const download = downloadProgress();
      const result = await initCalm(await cliConfig(), download.onProgress).finally(download.stop);
      print(result, opts, (r) =>
        [
          `calm initialized at ${r.home}`,
          `  Database: ${r.database} (schema ${r.schemaVersion})`,
          `  Config:   ${r.configFile} (${r.configFileAction})`,
          `  Embedder: ${r.embedder.setting} — ${r.embedder.id}, ${r.embedder.dim}-d`,
          `            ${r.embedder.reason}`,
          `  Templates: ${r.templates.copied.length} copied, ${r.templates.kept} already present and kept (roles/, workflows/, skills/)`,
          ...(r.authTokenFile ? [`  Auth token: ${r.authTokenFile} (owner-only; the daemon requires it, calm's hooks send it)`] : []),
          '',
          'To switch embedder later: set CALM_EMBEDDER (hash, minilm, nomic or a model folder), then run `calm reembed`.',
          'Next: `calm status`',
        ].join('\n'),
      );
    });
}
