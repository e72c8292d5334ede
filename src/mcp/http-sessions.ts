/**
 * @module MCP sessions on the HTTP daemon. A client that initializes gets a session (`Mcp-Session-Id`)
 * with its own McpServer, so the server knows the client's capabilities and can ask it things during a
 * call (its roots: see roots.ts). Requests without a session id stay stateless, as before. Sessions end
 * on DELETE, when the daemon stops, or after a day without a request; the oldest go first past a cap.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

const IDLE_MS = 24 * 60 * 60 * 1000;
const MAX_SESSIONS = 500;

interface Session {
  readonly server: McpServer;
  readonly transport: StreamableHTTPServerTransport;
  lastSeen: number;
}

export class McpSessions {
  private readonly sessions = new Map<string, Session>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly newServer: () => McpServer,
    private readonly onError: (message: string) => void,
  ) {
    this.sweeper = setInterval(() => this.sweep(Date.now() - IDLE_MS), 60_000);
    this.sweeper.unref();
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Handles a request for an existing session; false when there is no such session. */
  async handle(id: string, req: IncomingMessage, res: ServerResponse, body?: unknown): Promise<boolean> {
    const s = this.sessions.get(id);
    if (!s) return false;
    s.lastSeen = Date.now();
    await s.transport.handleRequest(req, res, body);
    return true;
  }

  /** Starts a session with an `initialize` request. */
  async start(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const server = this.newServer();
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        this.sessions.set(id, { server, transport, lastSeen: Date.now() });
        if (this.sessions.size > MAX_SESSIONS) this.closeOldest();
      },
    });
    transport.onerror = (e) => this.onError(`mcp session transport: ${e.message}`);
    transport.onclose = () => {
      if (transport.sessionId) this.sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
    if (!transport.sessionId) await server.close().catch(() => undefined); // initialize was refused
  }

  private closeOldest(): void {
    const [id] = [...this.sessions.entries()].sort((a, b) => a[1].lastSeen - b[1].lastSeen)[0]!;
    this.close(id);
  }

  private sweep(before: number): void {
    for (const [id, s] of this.sessions) if (s.lastSeen < before) this.close(id);
  }

  private close(id: string): void {
    const s = this.sessions.get(id);
    this.sessions.delete(id);
    s?.server.close().catch(() => undefined);
  }

  /** Ends every session (their open streams too). */
  async closeAll(): Promise<void> {
    clearInterval(this.sweeper);
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((s) => s.server.close().catch(() => undefined)));
  }
}
