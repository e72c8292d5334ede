/** MCP adapters for the git tools: CALM's names and parameters, plus `repo_path` on every tool; behaviour lives in GitService. */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { App } from '../../app.js';
import { SEARCH_MODES } from '../../services/validation.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import type { GitService } from '../../services/git/index.js';
import { runTool, type Logger } from '../result.js';
import { repoFromRoots } from '../roots.js';

const repoPath = z
  .string()
  .optional()
  .describe("Path of the git repository (or any folder inside it); default: the client's working directory (stdio) or its first MCP root inside a git repository (HTTP)");

export interface GitToolOptions {
  /** A call without repo_path uses the client's MCP roots (HTTP daemon) instead of the process's working directory (stdio). */
  readonly repoFromRoots?: boolean;
}

export function registerGitTools(server: McpServer, app: App, log: Logger, options: GitToolOptions = {}): void {
  const gitFor = (extra: RequestHandlerExtra<ServerRequest, ServerNotification>): GitService =>
    options.repoFromRoots ? app.git.withDefaultDir(repoFromRoots(server, extra)) : app.git;
  server.registerTool(
    'index_commits',
    {
      title: 'Index commits',
      description: 'Index git commits for semantic search.',
      inputSchema: {
        since: z.string().optional().describe('Only index commits after this date (ISO format: YYYY-MM-DD)'),
        limit: z.number().int().optional().describe('Maximum commits to index (1-100000; default all)'),
        force: z.boolean().optional().describe('Force full reindex (default false)'),
        repo_path: repoPath,
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    (args, extra) => runTool(() => gitFor(extra).indexCommits(args), log),
  );

  server.registerTool(
    'search_commits',
    {
      title: 'Search commits',
      description: 'Search git commits semantically.',
      inputSchema: {
        query: z.string().describe('Search query'),
        author: z.string().optional().describe('Optional author name filter (exact)'),
        since: z.string().optional().describe('Only commits after this date (ISO format: YYYY-MM-DD)'),
        limit: z.number().int().optional().describe('Maximum results (1-50, default 10)'),
        search_mode: z.enum(SEARCH_MODES).optional().describe("Search mode: 'semantic' (default), 'keyword' or 'hybrid'"),
        repo_path: repoPath.describe('Only commits of this repository (default: every indexed repository)'),
      },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    (args, extra) => runTool(() => gitFor(extra).searchCommits(args), log),
  );

  server.registerTool(
    'get_file_history',
    {
      title: 'File history',
      description: 'Get commit history for a specific file.',
      inputSchema: {
        path: z.string().describe('File path relative to the repository root (or absolute)'),
        limit: z.number().int().optional().describe('Maximum commits (1-500, default 100)'),
        repo_path: repoPath,
      },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    (args, extra) => runTool(() => gitFor(extra).fileHistory(args), log),
  );

  server.registerTool(
    'get_churn_hotspots',
    {
      title: 'Churn hotspots',
      description: 'Find files with highest change frequency.',
      inputSchema: {
        days: z.number().int().optional().describe('Days of history to analyze (1-365, default 90)'),
        limit: z.number().int().optional().describe('Maximum results (1-50, default 10)'),
        min_changes: z.number().int().optional().describe('Fewest commits that make a hotspot (1-1000, default 3)'),
        repo_path: repoPath,
      },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    (args, extra) => runTool(() => gitFor(extra).churnHotspots(args), log),
  );

  server.registerTool(
    'get_code_authors',
    {
      title: 'Code authors',
      description: 'Get author statistics for a file.',
      inputSchema: {
        path: z.string().describe('File path relative to the repository root (or absolute)'),
        repo_path: repoPath,
      },
      annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    },
    (args, extra) => runTool(() => gitFor(extra).codeAuthors(args), log),
  );
}
