import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { VERSION } from '../../version.js';
import { runTool, type Logger } from '../result.js';

export const healthBody = (): { status: 'healthy'; server: 'calm'; version: string } => ({ status: 'healthy', server: 'calm', version: VERSION });

export function registerHealthTools(server: McpServer, log: Logger): void {
  server.registerTool(
    'ping',
    {
      title: 'Ping',
      description: 'Health check endpoint.',
      inputSchema: {},
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    () => runTool(async () => healthBody(), log),
  );
}
