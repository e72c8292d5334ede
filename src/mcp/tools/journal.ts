/** MCP adapters for the session journal tools: CALM's names, parameters and descriptions; behaviour lives in JournalService. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { App } from '../../app.js';
import { runTool, type Logger } from '../result.js';

// Types only: lengths, counts and UUID shapes are checked by the service, with CALM's messages.
export function registerJournalTools(server: McpServer, app: App, log: Logger): void {
  const journal = (): App['orchestration']['journal'] => app.orchestration.journal;

  server.registerTool(
    'store_journal_entry',
    {
      title: 'Store journal entry',
      description: 'Store a new session journal entry with optional log capture.',
      inputSchema: {
        summary: z.string().describe('Session summary (max 10,000 characters)'),
        working_directory: z.string().describe('Working directory of the session'),
        friction_points: z.array(z.string()).optional().describe('What got in the way (max 50)'),
        next_steps: z.array(z.string()).optional().describe('What to do next (max 50)'),
        session_log_content: z.string().optional().describe('Session log (JSONL) to keep until reflection'),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    (args) => runTool(async () => journal().store(args), log),
  );

  server.registerTool(
    'list_journal_entries',
    {
      title: 'List journal entries',
      description: 'List session journal entries with optional filters.',
      inputSchema: {
        unreflected_only: z.boolean().optional().describe('Only entries not yet reflected on (default false)'),
        project_name: z.string().optional().describe('Only this project name'),
        working_directory: z.string().optional().describe('Only this working directory'),
        limit: z.number().int().optional().describe('Maximum entries (1-200, default 50)'),
      },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    (args) => runTool(async () => journal().list(args), log),
  );

  server.registerTool(
    'get_journal_entry',
    {
      title: 'Get journal entry',
      description: 'Get full details of a journal entry.',
      inputSchema: {
        entry_id: z.string().describe('Journal entry ID (UUID)'),
        include_log: z.boolean().optional().describe('Include the session log (default false)'),
      },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    (args) => runTool(async () => journal().get(args), log),
  );

  server.registerTool(
    'mark_entries_reflected',
    {
      title: 'Mark entries reflected',
      description: 'Mark entries as reflected and optionally delete their logs.',
      inputSchema: {
        entry_ids: z.array(z.string()).describe('Journal entry IDs (UUIDs)'),
        memories_created: z.number().int().optional().describe('Memories created from these entries (>= 0)'),
        delete_logs: z.boolean().optional().describe('Delete the session log files (default true)'),
      },
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    },
    (args) => runTool(async () => journal().markReflected(args), log),
  );
}
