/** A real SDK client connected in-process to calm's server, and helpers to read tool results. */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { App } from '../../src/app.js';
import { createServer } from '../../src/mcp/server.js';
import { tempHome, type TempHome } from './home.js';

export async function connectInMemory(app: App, logs: string[] = []): Promise<{ client: Client; close(): Promise<void> }> {
  const server = createServer(app, (m) => logs.push(m));
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  const client = new Client({ name: 'calm-test', version: '0.0.0' });
  await Promise.all([server.connect(serverTransport), client.connect(clientTransport)]);
  return {
    client,
    async close() {
      await client.close();
      await server.close();
    },
  };
}

export function textOf(result: unknown): string {
  const r = result as CallToolResult;
  const block = r.content[0];
  if (!block || block.type !== 'text') throw new Error(`expected a text block, got ${JSON.stringify(r)}`);
  return block.text;
}

/** Parses a successful result's JSON; fails the test with the text if the call was an error. */
export function ok<T = Record<string, unknown>>(result: unknown): T {
  const r = result as CallToolResult;
  if (r.isError) throw new Error(`tool returned an error: ${textOf(r)}`);
  return JSON.parse(textOf(r)) as T;
}

export function errorOf(result: unknown): { type: string; message: string } {
  const r = result as CallToolResult;
  if (!r.isError) throw new Error(`expected an error, got ${textOf(r)}`);
  return (JSON.parse(textOf(r)) as { error: { type: string; message: string } }).error;
}

export async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

/** A temporary home, its App and a connected client: what most MCP tool tests start from. */
export interface McpSession {
  readonly t: TempHome;
  readonly app: App;
  readonly client: Client;
  close(): Promise<void>;
}

export async function openMcpSession(): Promise<McpSession> {
  const t = tempHome();
  const app = t.app();
  const connection = await connectInMemory(app);
  return {
    t,
    app,
    client: connection.client,
    async close() {
      await connection.close();
      await app.close();
      t.cleanup();
    },
  };
}
