/** MCP adapter for assemble_context; behaviour lives in ContextService. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { App } from '../../app.js';
import { CONTEXT_TYPES } from '../../services/context/assembler.js';
import { runTool, type Logger } from '../result.js';

export function registerContextTools(server: McpServer, app: App, log: Logger): void {
  server.registerTool(
    'assemble_context',
    {
      title: 'Assemble context',
      description: 'Assemble relevant context for a user prompt.',
      inputSchema: {
        query: z.string().describe('User prompt or query'),
        // CALM's schema listed only values and experiences although all five worked in its code
        context_types: z.array(z.enum(CONTEXT_TYPES)).optional().describe('Sources to include (default: all five)'),
        limit: z.number().int().optional().describe('Maximum items per source (1-50, default 10)'),
        max_tokens: z.number().int().optional().describe('Token budget for the whole document (100-10000, default 1500)'),
      },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    (args) => runTool(() => app.context.assemble(args), log),
  );
}
