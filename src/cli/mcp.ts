/** `calm mcp`: the MCP server over stdio, for clients that spawn servers. stdout carries only the protocol. */
import type { Command } from 'commander';
import { cliConfig } from './app-context.js';
import { stderrLogger } from './logger.js';

export function registerMcp(program: Command): void {
  program
    .command('mcp')
    .description('Run the MCP server over stdio (for clients that spawn servers); logs go to stderr')
    .action(async () => {
      const config = await cliConfig();
      const logger = stderrLogger(config.logLevel);
      const { createApp } = await import('../app.js');
      const { serveStdio } = await import('../mcp/stdio.js');
      const app = createApp(config, { requireInitialized: true });
      // a signal ends the session like the end of stdin does: answers in flight are sent, the App is closed
      const stop = (): void => {
        process.stdin.destroy();
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      logger.debug(`calm mcp (stdio) serving ${config.paths.home}, PID ${process.pid}`);
      try {
        await serveStdio(app, logger.error);
      } finally {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
      }
      logger.debug('calm mcp (stdio) stopped');
      setTimeout(() => process.exit(0), 2_000).unref();
    });
}
