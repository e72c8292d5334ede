/**
 * @module The daemon's HTTP side on node:http: `GET /health`, and MCP Streamable HTTP at `/mcp`:
 * a client that initializes gets a session (http-sessions.ts), a request without a session id is
 * stateless (a fresh McpServer and transport per request), all over the one shared App. Only local
 * callers get in: the Host header must name this server on loopback and an Origin, when sent, must be
 * local, so a web page cannot reach the daemon through DNS rebinding. With a token configured, every
 * route but `/health` (which says only that calm is up, and its version) also needs
 * `Authorization: Bearer <token>`: other local users and processes cannot read or write memories.
 * The dashboard (`/`, `/assets/…`, `/api/…`, in web/server.ts) is routed after the same Host/Origin
 * checks; its page and assets need no token, its API does.
 */
import { createServer as createHttpServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { App } from '../app.js';
import { asCalmError, CalmError, describeCause } from '../errors.js';
import { bearerMatches } from '../services/auth-token.js';
import { HookContextService, parseHookQuery } from '../services/hooks/hook-context.js';
import { McpSessions } from './http-sessions.js';
import type { Logger } from './result.js';
import { createServer } from './server.js';
import { healthBody } from './tools/health.js';
import { MAX_BODY_BYTES, readBody, refuseTooLarge, sendJson } from './http-io.js';
import { handleWeb, isApiPath, isWebPath } from '../web/server.js';

export interface HttpServerOptions {
  readonly host: string;
  /** 0 picks a free port; the URL returned has the real one. */
  readonly port: number;
  /** Failures (with their cause); never sent to clients. */
  readonly log: Logger;
  /** One line per request, when wanted. */
  readonly debug?: Logger;
  /** When set, every route but /health requires `Authorization: Bearer <authToken>`. */
  readonly authToken?: string | undefined;
}

export interface RunningHttpServer {
  /** The MCP endpoint, `http://host:port/mcp`. */
  readonly url: string;
  close(): Promise<void>;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

function bracketed(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return bracketed(host);
}

const rpcError = (code: number, message: string): unknown => ({ jsonrpc: '2.0', error: { code, message }, id: null });
const envelope = (type: string, message: string): unknown => ({ error: { type, message } });

const portOf = (url: URL): number => (url.port === '' ? 80 : Number(url.port));

/**
 * Host must be one of our loopback names (or the bound host) with our port. An Origin, when sent, must be
 * loopback for MCP (inspectors on other local ports connect), and exactly this server for the dashboard
 * (`ownOriginOnly`): a page on another loopback port could send it a bodyless POST, which needs no CORS
 * preflight, and change data without reading the answer.
 */
function rejectForeign(req: IncomingMessage, allowedHosts: ReadonlySet<string>, port: number, ownOriginOnly: boolean): string | undefined {
  const host = req.headers.host;
  if (!host) return 'Missing Host header';
  let parsed: URL;
  try {
    parsed = new URL(`http://${host}`);
  } catch {
    return 'Invalid Host header';
  }
  if (!allowedHosts.has(parsed.hostname) || portOf(parsed) !== port) return `Invalid Host: ${host}`;
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  let o: URL | undefined;
  try {
    o = new URL(origin);
  } catch {
    o = undefined;
  }
  if (ownOriginOnly) {
    const own = o !== undefined && o.protocol === 'http:' && allowedHosts.has(o.hostname) && portOf(o) === port;
    return own ? undefined : `Invalid Origin for the dashboard: ${origin}`;
  }
  const loopback = o !== undefined && (o.protocol === 'http:' || o.protocol === 'https:') && LOOPBACK_NAMES.includes(o.hostname);
  return loopback ? undefined : `Invalid Origin: ${origin}`;
}

const sessionIdOf = (req: IncomingMessage): string | undefined => {
  const id = req.headers['mcp-session-id'];
  return typeof id === 'string' && id !== '' ? id : undefined;
};

/** The spec's answer to an unknown or ended session: 404, and the client starts a new one. */
const sessionGone = (res: ServerResponse): void => sendJson(res, 404, rpcError(-32001, 'Session not found'));

async function handleMcpPost(app: App, req: IncomingMessage, res: ServerResponse, options: HttpServerOptions, sessions: McpSessions): Promise<void> {
  const body = await readBody(req);
  if (!body.ok) {
    refuseTooLarge(req, res, rpcError(-32000, `Request body too large (limit ${MAX_BODY_BYTES / 1024 / 1024} MB)`));
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.text);
  } catch {
    sendJson(res, 400, rpcError(-32700, 'Parse error: invalid JSON'));
    return;
  }
  const sessionId = sessionIdOf(req);
  if (sessionId !== undefined) {
    if (!(await sessions.handle(sessionId, req, res, parsed))) sessionGone(res);
    return;
  }
  if (isInitializeRequest(parsed)) return sessions.start(req, res, parsed);
  // stateless: one server and one transport per request, over the shared App
  const server = createServer(app, options.log, { repoFromRoots: true });
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
  transport.onerror = (e) => options.debug?.(`mcp transport: ${e.message}`);
  res.on('close', () => {
    server.close().catch(() => undefined); // closes the transport too
  });
  await server.connect(transport);
  await transport.handleRequest(req, res, parsed);
}

/** Claude Code hooks' questions (services/hooks/hook-context.ts), answered with the warm model; `home` lets a hook tell our daemon from another's. */
async function handleHookQuery(app: App, req: IncomingMessage, res: ServerResponse, options: HttpServerOptions): Promise<void> {
  const body = await readBody(req);
  if (!body.ok) {
    refuseTooLarge(req, res, envelope('validation_error', 'Request body too large'));
    return;
  }
  try {
    const answer = await new HookContextService(app).answer(parseHookQuery(JSON.parse(body.text)));
    sendJson(res, 200, { home: app.settings.paths.home, answer });
  } catch (e) {
    const err = e instanceof SyntaxError ? new CalmError('validation_error', 'Parse error: invalid JSON') : asCalmError(e);
    if (err.type === 'internal_error') options.log(`hook query failed: ${describeCause(e)}`);
    sendJson(res, err.type === 'validation_error' ? 400 : 500, err.toEnvelope());
  }
}

async function route(app: App, req: IncomingMessage, res: ServerResponse, options: HttpServerOptions, allowedHosts: ReadonlySet<string>, port: number, sessions: McpSessions): Promise<void> {
  let path: string;
  try {
    path = new URL(req.url ?? '/', 'http://localhost').pathname;
  } catch {
    path = '';
  }
  const refusal = rejectForeign(req, allowedHosts, port, isWebPath(path));
  if (refusal) {
    req.resume();
    // MCP clients read JSON-RPC errors; the dashboard reads calm's envelope
    sendJson(res, 403, isWebPath(path) ? envelope('forbidden', refusal) : rpcError(-32000, refusal));
    return;
  }
  const method = req.method ?? 'GET';
  if (path === '/health') {
    req.resume();
    if (method === 'GET' || method === 'HEAD') sendJson(res, 200, healthBody());
    else sendJson(res, 405, envelope('validation_error', `Method ${method} not allowed on /health`), { allow: 'GET, HEAD' });
    return;
  }
  // the dashboard's page and assets hold no data, and a browser cannot send a header when it loads a page:
  // they are served without the token, which the page then sends on every /api call
  if (isWebPath(path) && !isApiPath(path) && (method === 'GET' || method === 'HEAD')) return handleWeb(app, req, res, options.log);
  // every route below, including ones added later, sits behind the token
  if (options.authToken !== undefined && !bearerMatches(req.headers.authorization, options.authToken)) {
    req.resume();
    const message = req.headers.authorization ? 'Invalid bearer token' : 'Missing bearer token: send Authorization: Bearer <token> (see $CALM_HOME/auth_token)';
    sendJson(res, 401, envelope('unauthorized', message), { 'www-authenticate': 'Bearer realm="calm"' });
    return;
  }
  if (path === '/hooks/query') {
    if (method === 'POST') return handleHookQuery(app, req, res, options);
    req.resume();
    sendJson(res, 405, envelope('validation_error', `Method ${method} not allowed on /hooks/query`), { allow: 'POST' });
    return;
  }
  if (path === '/mcp' || path === '/mcp/') {
    if (method === 'POST') return handleMcpPost(app, req, res, options, sessions);
    const sessionId = sessionIdOf(req);
    if ((method === 'GET' || method === 'DELETE') && sessionId !== undefined) {
      if (!(await sessions.handle(sessionId, req, res))) sessionGone(res);
      return;
    }
    req.resume();
    // without a session there is no server-to-client stream to open (GET) and nothing to end (DELETE)
    sendJson(res, 405, rpcError(-32000, 'Method not allowed.'), { allow: 'POST' });
    return;
  }
  // the dashboard: its page and its JSON API, behind the same guard as everything above
  if (isWebPath(path)) return handleWeb(app, req, res, options.log);
  req.resume();
  sendJson(res, 404, envelope('not_found', `Not found: ${method} ${path || req.url}`));
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error): void => {
      server.off('listening', onListening);
      reject(e);
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/** Whether a calm server answers `/health` at host:port (to name the program holding a port). */
function calmAnswersAt(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    // node:http with a ref'd timer: an unanswered probe must not leave the event loop empty while awaited
    const req = request({ host: urlHost(host).replace(/^\[|\]$/g, ''), port, path: '/health', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        clearTimeout(timer);
        try {
          resolve(res.statusCode === 200 && (JSON.parse(body) as { server?: unknown }).server === 'calm');
        } catch {
          resolve(false);
        }
      });
      res.on('error', () => resolve(false));
    });
    const timer = setTimeout(() => {
      req.destroy();
      resolve(false);
    }, 500);
    req.on('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
    req.end();
  });
}

async function listenError(e: unknown, host: string, port: number): Promise<CalmError> {
  const code = (e as NodeJS.ErrnoException).code;
  const where = `${host}:${port}`;
  if (code === 'EADDRINUSE') {
    const holder = (await calmAnswersAt(host, port)) ? 'another calm server (started from a different CALM_HOME, or its PID file was removed)' : 'another program';
    return new CalmError('not_available', `Port ${where} is already in use by ${holder}; stop it or set CALM_SERVER_PORT to a free port`, { cause: e });
  }
  if (code === 'EACCES') {
    return new CalmError('not_available', `Not allowed to listen on ${where}; set CALM_SERVER_PORT to a port above 1023`, { cause: e });
  }
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') {
    return new CalmError('config_error', `Cannot listen on ${where}: no such local address; check CALM_SERVER_HOST`, { cause: e });
  }
  return new CalmError('not_available', `Cannot listen on ${where}: ${(e as Error).message}`, { cause: e });
}

export async function startHttpServer(app: App, options: HttpServerOptions): Promise<RunningHttpServer> {
  let allowedHosts: ReadonlySet<string> = new Set(LOOPBACK_NAMES);
  let port = options.port;
  const sessions = new McpSessions(() => createServer(app, options.log, { repoFromRoots: true }), (m) => options.debug?.(m));
  const server = createHttpServer((req, res) => {
    const started = Date.now();
    res.on('finish', () => options.debug?.(`${req.method} ${req.url} ${res.statusCode} ${Date.now() - started} ms`));
    route(app, req, res, options, allowedHosts, port, sessions).catch((e: unknown) => {
      options.log(`request ${req.method} ${req.url} failed: ${describeCause(e)}`);
      sendJson(res, 500, rpcError(-32603, 'Internal server error'));
    });
  });
  server.on('clientError', (_e, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });
  try {
    await listen(server, options.host, options.port);
  } catch (e) {
    await sessions.closeAll();
    throw await listenError(e, options.host, options.port);
  }
  port = (server.address() as AddressInfo).port;
  allowedHosts = new Set([...LOOPBACK_NAMES, bracketed(options.host)]);

  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost(options.host)}:${port}/mcp`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        // in-flight requests may finish; whatever is still open after 3 s is cut
        const force = setTimeout(() => server.closeAllConnections(), 3_000);
        force.unref();
        // sessions first: their open event streams would otherwise hold the server open until the cut
        void sessions.closeAll().then(() => {
          server.close(() => {
            clearTimeout(force);
            resolve();
          });
          server.closeIdleConnections();
        });
      });
      return closing;
    },
  };
}
