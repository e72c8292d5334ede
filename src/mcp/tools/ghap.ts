/** MCP adapters for the GHAP tools: CALM's names, parameters and descriptions; behaviour lives in GhapService. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { App } from '../../app.js';
import { DOMAINS, OUTCOME_STATUS_VALUES, ROOT_CAUSE_CATEGORIES, STRATEGIES } from '../../services/ghap/model.js';
import { runTool, type Logger } from '../result.js';

const READ = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;
const WRITE = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false } as const;

// Zod shapes carry types and enums only, as CALM's schemas did: lengths, limits and the rules that
// depend on the status are checked by the service, so the CLI and MCP give the same messages.
export function registerGhapTools(server: McpServer, app: App, log: Logger): void {
  server.registerTool(
    'start_ghap',
    {
      title: 'Start GHAP entry',
      description: 'Begin tracking a new GHAP (Goal-Hypothesis-Action-Prediction) entry.',
      inputSchema: {
        domain: z.enum(DOMAINS).describe('Task domain'),
        strategy: z.enum(STRATEGIES).describe('Problem-solving strategy'),
        goal: z.string().describe('What meaningful change are you trying to make? (max 1000 characters)'),
        hypothesis: z.string().describe('What do you believe about the situation? (max 1000 characters)'),
        action: z.string().describe("What are you doing based on this belief? (max 1000 characters)"),
        prediction: z.string().describe('If your hypothesis is correct, what will you observe? (max 1000 characters)'),
      },
      annotations: WRITE,
    },
    (args) => runTool(() => app.ghap.start(args), log),
  );

  server.registerTool(
    'update_ghap',
    {
      title: 'Update GHAP entry',
      description: 'Update the current GHAP entry.',
      inputSchema: {
        hypothesis: z.string().optional().describe('Updated hypothesis (max 1000 characters)'),
        action: z.string().optional().describe('Updated action (max 1000 characters)'),
        prediction: z.string().optional().describe('Updated prediction (max 1000 characters)'),
        strategy: z.enum(STRATEGIES).optional().describe('Updated strategy'),
        note: z.string().optional().describe('Additional note for history (max 2000 characters)'),
      },
      annotations: WRITE,
    },
    (args) => runTool(() => app.ghap.update(args), log),
  );

  server.registerTool(
    'resolve_ghap',
    {
      title: 'Resolve GHAP entry',
      description: 'Mark the current GHAP entry as resolved.',
      inputSchema: {
        status: z.enum(OUTCOME_STATUS_VALUES).describe('Resolution status'),
        result: z.string().describe('What actually happened (max 2000 characters)'),
        surprise: z.string().optional().describe('What was unexpected (required if falsified, max 2000 characters)'),
        root_cause: z
          .object({
            category: z.enum(ROOT_CAUSE_CATEGORIES).describe('Root cause category'),
            description: z.string().describe('Root cause description (max 2000 characters)'),
          })
          .optional()
          .describe('Why the hypothesis was wrong (required if falsified)'),
        lesson: z
          .object({
            what_worked: z.string().describe('What worked (max 2000 characters)'),
            takeaway: z.string().optional().describe('Key takeaway (max 2000 characters)'),
          })
          .optional()
          .describe('What worked'),
      },
      annotations: WRITE,
    },
    (args) => runTool(() => app.ghap.resolve(args), log),
  );

  server.registerTool(
    'get_active_ghap',
    {
      title: 'Get active GHAP entry',
      description: 'Get the current active GHAP entry.',
      inputSchema: {},
      annotations: READ,
    },
    () => runTool(() => app.ghap.getActive(), log),
  );

  server.registerTool(
    'list_ghap_entries',
    {
      title: 'List GHAP entries',
      description: 'List recent GHAP entries with filters.',
      inputSchema: {
        limit: z.number().int().optional().describe('Maximum number of results (1-100, default 20)'),
        domain: z.enum(DOMAINS).optional().describe('Filter by domain'),
        outcome: z.enum(OUTCOME_STATUS_VALUES).optional().describe('Filter by outcome status'),
        since: z.string().optional().describe('Only entries resolved at or after this ISO 8601 date or time (UTC if no offset)'),
      },
      annotations: READ,
    },
    (args) => runTool(() => app.ghap.list(args), log),
  );
}
