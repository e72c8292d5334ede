/**
 * @module The repository an HTTP client works in, from its MCP roots. The daemon is shared by every
 * project and runs wherever it was started, so its own directory says nothing about the caller: when
 * the client declared the `roots` capability, it is asked (`roots/list`) and the first `file://` root
 * inside a git repository is used; otherwise the tool answers with a clear error naming `repo_path`.
 */
import { fileURLToPath } from 'node:url';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { ListRootsResultSchema, type ServerNotification, type ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { validationError } from '../errors.js';
import { type DefaultDir, isInsideGitRepo } from '../services/git/repository.js';

const ROOTS_TIMEOUT_MS = 10_000;

const noRepo = (why: string): Error =>
  validationError(`No repository given: pass repo_path (the path of your git repository). The calm daemon serves every project, so without repo_path it uses the client's MCP roots, and ${why}`);

export function repoFromRoots(server: McpServer, extra: RequestHandlerExtra<ServerRequest, ServerNotification>): DefaultDir {
  return async () => {
    if (!server.server.getClientCapabilities()?.roots) throw noRepo('this client declares no roots capability.');
    let roots: { uri: string }[];
    try {
      // sent on this request's own stream, so it works without a standalone server-to-client stream
      roots = (await extra.sendRequest({ method: 'roots/list' }, ListRootsResultSchema, { timeout: ROOTS_TIMEOUT_MS })).roots;
    } catch (e) {
      throw noRepo(`asking this client for its roots failed (${(e as Error).message}).`);
    }
    const files = roots.filter((r) => r.uri.startsWith('file://'));
    for (const root of files) {
      let dir: string;
      try {
        dir = fileURLToPath(root.uri);
      } catch {
        continue;
      }
      if (await isInsideGitRepo(dir)) return dir;
    }
    const listed = roots.length ? roots.map((r) => r.uri).join(', ') : 'none';
    throw noRepo(`none of its roots is inside a git repository (roots: ${listed}).`);
  };
}
