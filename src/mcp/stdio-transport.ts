/**
 * @module MCP's stdio transport (one JSON-RPC message per line), kept alive by bad input. The SDK's
 * StdioServerTransport closes the whole session when one line exceeds its 10 MB buffer, and says
 * nothing to a client whose line is not JSON. Here a line over the limit is discarded as it streams in
 * (memory stays bounded) and answered with an error carrying the request's id when it can be read from
 * the line's ends, and a line that is not JSON-RPC gets the JSON-RPC error the spec names. The session
 * goes on either way.
 */
import type { Readable, Writable } from 'node:stream';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { JSONRPCMessageSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { MAX_MESSAGE_BYTES } from './limits.js';

/** How much of an oversized line's start and end is kept, to find its id. */
const EDGE_BYTES = 1024;

type RpcId = string | number | null;

/** A top-level `"id"` written last (`…,"id":7}`, as the SDK's clients serialise) or right after `jsonrpc`/`method` at the start. */
const ID_AT_END = /"id"\s*:\s*(-?\d+|"(?:[^"\\]|\\.)*")\s*\}\s*$/;
const ID_AT_START = /^\s*\{(?:\s*"(?:jsonrpc|method)"\s*:\s*"(?:[^"\\]|\\.)*"\s*,)*\s*"id"\s*:\s*(-?\d+|"(?:[^"\\]|\\.)*")/;

function idOf(head: string, tail: string): RpcId {
  const raw = ID_AT_END.exec(tail)?.[1] ?? ID_AT_START.exec(head)?.[1];
  if (raw === undefined) return null;
  try {
    return JSON.parse(raw) as string | number;
  } catch {
    return null;
  }
}

/** The id of something that looked like a request but failed the schema, so its sender is not left waiting. */
function idOfParsed(value: unknown): RpcId {
  const id = (value as { id?: unknown } | null)?.id;
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? id : null;
}

const rpcError = (id: RpcId, code: number, message: string): JSONRPCMessage =>
  ({ jsonrpc: '2.0', id, error: { code, message } }) as unknown as JSONRPCMessage;

export class LineStdioTransport implements Transport {
  onmessage?: Transport['onmessage'];
  onerror?: Transport['onerror'];
  onclose?: Transport['onclose'];

  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Set while the current line is over the limit: only its first bytes are kept, and its size is counted. */
  private oversized: { head: Buffer; tail: Buffer; bytes: number } | undefined;
  private started = false;
  private closed = false;

  constructor(
    private readonly input: Readable = process.stdin,
    private readonly output: Writable = process.stdout,
    private readonly maxMessageBytes = MAX_MESSAGE_BYTES,
  ) {}

  private readonly onData = (chunk: Buffer): void => {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      this.take(chunk.subarray(start, nl));
      this.endLine();
      start = nl + 1;
    }
    if (start < chunk.length) this.take(chunk.subarray(start));
  };

  private readonly onInputError = (e: Error): void => this.onerror?.(e);

  async start(): Promise<void> {
    if (this.started) throw new Error('LineStdioTransport already started');
    this.started = true;
    this.input.on('data', this.onData);
    this.input.on('error', this.onInputError);
    // a client that went away (EPIPE) ends the session instead of crashing the process
    this.output.on('error', this.onOutputError);
  }

  private readonly onOutputError = (e: Error): void => {
    this.onerror?.(e);
    void this.close();
  };

  /** Part of the current line. */
  private take(part: Buffer): void {
    if (part.length === 0) return;
    if (this.oversized) {
      this.oversized.bytes += part.length;
      this.oversized.tail = Buffer.concat([this.oversized.tail, part]).subarray(-EDGE_BYTES);
      return;
    }
    if (this.pendingBytes + part.length <= this.maxMessageBytes) {
      this.pending.push(part);
      this.pendingBytes += part.length;
      return;
    }
    const all = Buffer.concat([...this.pending, part]);
    this.oversized = { head: all.subarray(0, EDGE_BYTES), tail: all.subarray(-EDGE_BYTES), bytes: all.length };
    this.pending = [];
    this.pendingBytes = 0;
  }

  private endLine(): void {
    if (this.oversized) {
      const { head, tail, bytes } = this.oversized;
      this.oversized = undefined;
      const limit = `${Math.round(this.maxMessageBytes / 1024 / 1024)} MB`;
      this.reply(rpcError(idOf(head.toString('utf8'), tail.toString('utf8')), -32600, `Message too large (${bytes} bytes, limit ${limit})`));
      return;
    }
    const line = Buffer.concat(this.pending).toString('utf8').replace(/\r$/, '');
    this.pending = [];
    this.pendingBytes = 0;
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      this.reply(rpcError(null, -32700, 'Parse error: invalid JSON'));
      return;
    }
    const parsed = JSONRPCMessageSchema.safeParse(value);
    if (!parsed.success) {
      // a stray response or notification gets no answer (nobody waits for one); anything else is told why
      const id = idOfParsed(value);
      const method = (value as { method?: unknown } | null)?.method;
      if (id !== null || typeof method !== 'string') this.reply(rpcError(id, -32600, 'Invalid Request: not a JSON-RPC 2.0 message'));
      return;
    }
    try {
      this.onmessage?.(parsed.data);
    } catch (e) {
      this.onerror?.(e as Error);
    }
  }

  private reply(message: JSONRPCMessage): void {
    this.send(message).catch((e: unknown) => this.onerror?.(e as Error));
  }

  send(message: JSONRPCMessage): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const ok = this.output.write(`${JSON.stringify(message)}\n`, (e) => (e ? reject(e) : undefined));
      if (ok) resolve();
      else this.output.once('drain', resolve);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.input.off('data', this.onData);
    this.input.off('error', this.onInputError);
    this.output.off('error', this.onOutputError);
    if (this.input.listenerCount('data') === 0) this.input.pause();
    this.pending = [];
    this.oversized = undefined;
    this.onclose?.();
  }
}
