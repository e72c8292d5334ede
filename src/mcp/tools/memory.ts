/** MCP adapters for the memory tools: CALM's names, parameters and descriptions; behaviour lives in MemoryService. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { App } from '../../app.js';
import { SCOPES } from '../../services/project-scope.js';
import { MEMORY_CATEGORIES, SEARCH_MODES } from '../../services/validation.js';
import { runTool, type Logger } from '../result.js';

// Zod shapes carry types and enums only, as CALM's schemas did: ranges and lengths are checked by the
// service, so the CLI and MCP reject the same input with the same message.
export function registerMemoryTools(server: McpServer, app: App, log: Logger): void {
  server.registerTool(
    'store_memory',
    {
      title: 'Store memory',
      description: 'Store a new memory with semantic embedding.',
      inputSchema: {
        content: z.string().describe('Memory content (max 10,000 characters)'),
        category: z.enum(MEMORY_CATEGORIES).describe('Memory category'),
        importance: z.number().optional().describe('Importance score 0.0-1.0 (default 0.5)'),
        tags: z.array(z.string()).optional().describe('Optional tags for categorization (max 20, each max 50 characters)'),
        allow_duplicate: z.boolean().optional().describe(
          'Store even if a near-identical memory exists in this project (default false: the existing one is returned with "status": "duplicate")',
        ),
        global: z.boolean().optional().describe('Keep the memory out of any project, so every project sees it (default false: stored for the current project)'),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    (args) => runTool(() => app.memory.store(args), log),
  );

  server.registerTool(
    'retrieve_memories',
    {
      title: 'Retrieve memories',
      description: 'Search memories semantically.',
      inputSchema: {
        query: z.string().describe('Search query'),
        limit: z.number().int().optional().describe('Maximum results (1-100, default 10)'),
        category: z.enum(MEMORY_CATEGORIES).optional().describe('Optional category filter'),
        min_importance: z.number().optional().describe('Minimum importance filter 0.0-1.0 (default 0.0)'),
        search_mode: z.enum(SEARCH_MODES).optional().describe("Search mode: 'semantic' (default), 'keyword' or 'hybrid'"),
        since: z.string().optional().describe('Only memories created at or after this ISO-8601 date or date-time (UTC when no zone)'),
        until: z.string().optional().describe('Only memories created at or before this ISO-8601 date (the whole day) or date-time'),
        scope: z.enum(SCOPES).optional().describe("'all' (default): this project's and global memories first, then other projects'; 'project': only this project's and global ones"),
      },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    (args) => runTool(() => app.memory.retrieve(args), log),
  );

  server.registerTool(
    'list_memories',
    {
      title: 'List memories',
      description: 'List memories with filters (non-semantic).',
      inputSchema: {
        category: z.enum(MEMORY_CATEGORIES).optional().describe('Optional category filter'),
        tags: z.array(z.string()).optional().describe('Optional tags filter (matches any)'),
        limit: z.number().int().optional().describe('Maximum results (1-200, default 50)'),
        offset: z.number().int().optional().describe('Pagination offset (default 0)'),
        cursor: z.string().optional().describe("The previous page's next_cursor: continues after it, even while memories are added (instead of offset)"),
        since: z.string().optional().describe('Only memories created at or after this ISO-8601 date or date-time (UTC when no zone)'),
        until: z.string().optional().describe('Only memories created at or before this ISO-8601 date (the whole day) or date-time'),
      },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    (args) => runTool(() => app.memory.list(args), log),
  );

  server.registerTool(
    'update_memory',
    {
      title: 'Update memory',
      description:
        'Correct a memory in place: change its content, category, importance or tags. The earlier version is kept in its history; changed content is re-embedded.',
      inputSchema: {
        memory_id: z.string().describe('Memory ID (UUID) to update'),
        content: z.string().optional().describe('New content (max 10,000 characters)'),
        category: z.enum(MEMORY_CATEGORIES).optional().describe('New category'),
        importance: z.number().optional().describe('New importance 0.0-1.0'),
        tags: z.array(z.string()).optional().describe('New tags, replacing the old ones (max 20, each max 50 characters)'),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    ({ memory_id, ...patch }) => runTool(() => app.memory.update(memory_id, patch), log),
  );

  server.registerTool(
    'delete_memory',
    {
      title: 'Delete memory',
      description: 'Delete a memory by ID.',
      inputSchema: { memory_id: z.string().describe('Memory ID (UUID) to delete') },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    (args) => runTool(() => app.memory.delete(args.memory_id), log),
  );
}
