/** MCP adapters for the code tools: CALM's names, parameters and descriptions; behaviour lives in CodeService. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { App } from '../../app.js';
import { SEARCH_MODES } from '../../services/validation.js';
import { runTool, type Logger } from '../result.js';

export function registerCodeTools(server: McpServer, app: App, log: Logger): void {
  server.registerTool(
    'index_codebase',
    {
      title: 'Index codebase',
      description: 'Index a directory of source code for semantic search.',
      inputSchema: {
        directory: z.string().describe('Absolute path to the directory to index (~ is expanded)'),
        project: z.string().describe('Project identifier (letters, digits, dashes, underscores; max 100)'),
        recursive: z.boolean().optional().describe('Index subdirectories too (default true)'),
      },
      // re-running changes nothing when the files did not change
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    (args) => runTool(() => app.code.index(args), log),
  );

  server.registerTool(
    'search_code',
    {
      title: 'Search code',
      description: 'Search indexed code semantically.',
      inputSchema: {
        query: z.string().describe('Search query'),
        project: z.string().optional().describe('Optional project filter'),
        language: z.string().optional().describe('Optional language filter (python, typescript, javascript, rust, go, java, c, cpp, ...)'),
        limit: z.number().int().optional().describe('Maximum results (1-50, default 10)'),
        search_mode: z.enum(SEARCH_MODES).optional().describe("Search mode: 'semantic' (default), 'keyword' or 'hybrid'"),
      },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    (args) => runTool(() => app.code.search(args), log),
  );

  server.registerTool(
    'find_similar_code',
    {
      title: 'Find similar code',
      description: 'Find code similar to a given snippet.',
      inputSchema: {
        snippet: z.string().describe('Code snippet to find similar code for (max 5,000 characters)'),
        project: z.string().optional().describe('Optional project filter'),
        limit: z.number().int().optional().describe('Maximum results (1-50, default 10)'),
      },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    (args) => runTool(() => app.code.findSimilar(args), log),
  );
}
