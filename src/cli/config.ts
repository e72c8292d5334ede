import type { Command } from 'commander';
import { cliConfig } from './app-context.js';
import { print, table } from './output.js';

export function registerConfig(program: Command): void {
  const config = program.command('config').description('Show calm configuration');
  config
    .command('show')
    .description('Print every effective setting and where it came from (default, config file, environment)')
    .option('--json', 'print as JSON')
    .action(async (opts: { json?: boolean }) => {
      const { describeConfig } = await import('../config.js');
      const cfg = await cliConfig();
      const rows = describeConfig(cfg);
      print({ configFile: cfg.paths.configFile, paths: cfg.paths, settings: rows }, opts, (d) =>
        [`Config file: ${d.configFile}`, '', table(d.settings, ['key', 'value', 'source', 'env'], ['Key', 'Value', 'Source', 'Variable'])].join('\n'),
      );
    });
  config
    .command('path')
    .description('Print the path of the config file')
    .action(async () => {
      process.stdout.write(`${(await cliConfig()).paths.configFile}\n`);
    });
}
