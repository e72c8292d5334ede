/** MCP adapters for the learning tools (experiences, clusters, values); behaviour lives in the learning services. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { App } from '../../app.js';
import { DOMAINS, OUTCOME_STATUS_VALUES, VALID_AXES } from '../../services/ghap/model.js';
import { SCOPES } from '../../services/project-scope.js';
import { SEARCH_MODES } from '../../services/validation.js';
import { runTool, type Logger } from '../result.js';

const READ = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;

export function registerLearningTools(server: McpServer, app: App, log: Logger): void {
  server.registerTool(
    'search_experiences',
    {
      title: 'Search experiences',
      description: 'Search experiences semantically across axes.',
      inputSchema: {
        query: z.string().describe('Search query'),
        axis: z.enum(VALID_AXES).optional().describe("Axis to search (default 'full')"),
        domain: z.enum(DOMAINS).optional().describe('Filter by domain'),
        outcome: z.enum(OUTCOME_STATUS_VALUES).optional().describe('Filter by outcome status'),
        limit: z.number().int().optional().describe('Maximum number of results (1-50, default 10)'),
        search_mode: z.enum(SEARCH_MODES).optional().describe("Search mode: 'semantic' (default), 'keyword' or 'hybrid'"),
        scope: z.enum(SCOPES).optional().describe("'all' (default): this project's and global experiences first, then other projects'; 'project': only this project's and global ones"),
      },
      annotations: READ,
    },
    (args) => runTool(() => app.experiences.searchExperiences(args), log),
  );

  server.registerTool(
    'get_clusters',
    {
      title: 'Get clusters',
      description: 'Get cluster information for a given axis.',
      inputSchema: { axis: z.enum(VALID_AXES).describe('Axis to cluster') },
      annotations: READ,
    },
    (args) => runTool(() => app.clusters.getClusters(args), log),
  );

  server.registerTool(
    'get_cluster_members',
    {
      title: 'Get cluster members',
      description: 'Get experiences in a specific cluster.',
      inputSchema: {
        cluster_id: z.string().describe("Cluster ID, '<axis>_<label>' (e.g. 'full_0')"),
        limit: z.number().int().optional().describe('Maximum number of members (1-100, default 50)'),
      },
      annotations: READ,
    },
    (args) => runTool(() => app.clusters.getClusterMembers(args), log),
  );

  server.registerTool(
    'validate_value',
    {
      title: 'Validate value',
      description: 'Validate a proposed value statement against a cluster centroid.',
      inputSchema: {
        text: z.string().describe('Proposed value statement (max 500 characters)'),
        cluster_id: z.string().describe("Cluster ID, '<axis>_<label>' (e.g. 'full_0')"),
      },
      annotations: READ,
    },
    (args) => runTool(() => app.values.validate(args), log),
  );

  server.registerTool(
    'store_value',
    {
      title: 'Store value',
      description: 'Store a validated value statement.',
      inputSchema: {
        text: z.string().describe('Value statement (max 500 characters); it is validated against the cluster before it is stored'),
        cluster_id: z.string().describe("Cluster ID, '<axis>_<label>' (e.g. 'full_0')"),
        axis: z.enum(VALID_AXES).describe("The cluster's axis"),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    (args) => runTool(() => app.values.store(args), log),
  );

  server.registerTool(
    'list_values',
    {
      title: 'List values',
      description: 'List stored values with optional axis filter.',
      inputSchema: {
        axis: z.enum(VALID_AXES).optional().describe('Filter by axis'),
        limit: z.number().int().optional().describe('Maximum number of results (1-100, default 20)'),
        scope: z.enum(SCOPES).optional().describe("'all' (default): this project's and global values first, then other projects'; 'project': only this project's and global ones"),
      },
      annotations: READ,
    },
    (args) => runTool(() => app.values.list(args), log),
  );
}
