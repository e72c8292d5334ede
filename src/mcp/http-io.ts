/** @module Reading a bounded request body and answering JSON, shared by the daemon's routes (mcp/http.ts) and the dashboard's (web/server.ts). */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_MESSAGE_BYTES } from './limits.js';

export const MAX_BODY_BYTES = MAX_MESSAGE_BYTES;

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export type BodyResult = { ok: true; text: string } | { ok: false; status: 413 };

export function readBody(req: IncomingMessage): Promise<BodyResult> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
      req.resume(); // discard; the response closes the connection
      resolve({ ok: false, status: 413 });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        tooLarge = true;
        chunks.length = 0;
        resolve({ ok: false, status: 413 });
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!tooLarge) resolve({ ok: true, text: Buffer.concat(chunks).toString('utf8') });
    });
    req.on('error', reject);
  });
}

/** How long a refused upload is still read (and discarded) after the 413, so the client reads the answer instead of a reset. */
const LINGER_MS = 2_000;

/**
 * 413 and close, without reading the rest into memory. Closing at once while the client is still
 * sending makes the kernel answer its next bytes with a reset, which can destroy the 413 before the
 * client reads it; so, as nginx does, the connection lingers: its input is discarded for a moment.
 */
export function refuseTooLarge(req: IncomingMessage, res: ServerResponse, body: unknown, headers: Record<string, string> = {}): void {
  const socket = req.socket;
  socket.destroySoon = () => {
    socket.end();
    socket.resume();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
  req.resume();
  sendJson(res, 413, body, { ...headers, connection: 'close' });
}
