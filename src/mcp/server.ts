/**
 * @module The one tool registry. `createServer(app)` builds an McpServer with every tool; the stdio
 * transport uses one, the HTTP daemon builds one per request (stateless), both over the same App.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { App } from '../app.js';
import { VERSION } from '../version.js';
import type { Logger } from './result.js';
import { registerCodeTools } from './tools/code.js';
import { registerContextTools } from './tools/context.js';
import { registerGhapTools } from './tools/ghap.js';
import { registerGitTools } from './tools/git.js';
import { registerHealthTools } from './tools/health.js';
import { registerJournalTools } from './tools/journal.js';
import { registerLearningTools } from './tools/learning.js';
import { registerMemoryTools } from './tools/memory.js';

export const SERVER_INSTRUCTIONS =
  'calm is a local memory and learning system. Store durable facts, preferences and decisions with ' +
  'store_memory and look them up with retrieve_memories before you start work.';

export interface ServerOptions {
  /** Git tools without repo_path ask the client for its MCP roots (the HTTP daemon runs in nobody's project). */
  readonly repoFromRoots?: boolean;
}

export function createServer(app: App, log: Logger, options: ServerOptions = {}): McpServer {
  // logging: clients may set a level (logging/setLevel); the SDK answers it once the capability is declared
  const server = new McpServer({ name: 'calm', version: VERSION }, { instructions: SERVER_INSTRUCTIONS, capabilities: { logging: {} } });
  registerHealthTools(server, log);
  registerMemoryTools(server, app, log);
  registerJournalTools(server, app, log);
  registerGhapTools(server, app, log);
  registerLearningTools(server, app, log);
  registerCodeTools(server, app, log);
  registerGitTools(server, app, log, { repoFromRoots: options.repoFromRoots ?? false });
  registerContextTools(server, app, log);
  return server;
}
