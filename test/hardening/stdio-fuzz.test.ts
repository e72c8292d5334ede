/**
 * Hostile input over the stdio transport: `calm mcp` as a client spawns it. First the real SDK client
 * calls every tool with hostile arguments (10 MB strings included: the SDK's own stdio transport
 * closed the whole session on a line over its 10 MB buffer, which is what made the first version of
 * this test fail); then raw lines go straight to a second process's stdin: not JSON, JSON that is not
 * JSON-RPC, binary, truncated and oversized lines. The server answers with JSON-RPC errors or stays
 * silent (stray responses and notifications), never dies, and still answers a ping at the end.
 * CALM_FUZZ_RUNS (default 1) sets the calls per tool.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import Database from 'better-sqlite3';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { makeRepo } from '../helpers/git.js';
import { CLI, runCli, tempHome, type TempHome } from '../helpers/home.js';
import { argumentsFor, describeArgs, fuzzRuns, fuzzSeed, HOSTILE_STRINGS, judgeToolResult, STACK_TRACE, type JsonSchema } from '../helpers/hostile.js';
import { changedTables, tableDigests } from '../helpers/store-digest.js';

const RUNS = fuzzRuns(1);
const TOO_LARGE = /^MCP error -32600: Message too large/;

function digest(file: string): Record<string, string> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return tableDigests(db);
  } finally {
    db.close();
  }
}

/** A `calm mcp` child spoken to in raw lines; answers are collected by id. */
class RawSession {
  readonly answers: unknown[] = [];
  stderr = '';
  exited: number | null | undefined;
  private buffer = '';
  private waiters: (() => void)[] = [];

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (d: Buffer) => {
      this.buffer += d.toString('utf8');
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) !== -1) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        try {
          this.answers.push(JSON.parse(line));
        } catch {
          this.answers.push({ unparsable: line });
        }
        this.waiters.splice(0).forEach((w) => w());
      }
    });
    child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    child.on('exit', (code) => {
      this.exited = code;
      this.waiters.splice(0).forEach((w) => w());
    });
  }

  write(text: string | Buffer): Promise<void> {
    return new Promise((resolve, reject) => this.child.stdin.write(text, (e) => (e ? reject(e) : resolve())));
  }

  /** Waits for the answer with this id (or the process's end). */
  async answerTo(id: number | string, timeoutMs = 30_000): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.answers.find((a) => (a as { id?: unknown }).id === id);
      if (found || this.exited !== undefined || Date.now() > deadline) return found;
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }
}

describe('hardening: hostile input over stdio (calm mcp)', () => {
  let t: TempHome;
  let repo: string;
  let client: Client;
  let stderr = '';
  const tally = { tried: 0, ok: 0, rejected: 0, tooLarge: 0, rawLines: 0, rawAnswered: 0 };

  before(async () => {
    t = tempHome();
    repo = makeRepo(join(t.root, 'repo'), { 'src/a.ts': 'export function a(): number {\n  return 1;\n}\n' });
    assert.equal((await runCli(['init'], t.env())).code, 0);
    const transport = new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp'], env: t.env() as Record<string, string>, cwd: repo, stderr: 'pipe' });
    transport.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    client = new Client({ name: 'calm-stdio-fuzz', version: '0.0.0' });
    await client.connect(transport);
  });

  after(async () => {
    await client?.close();
    t?.cleanup();
    console.log(`# stdio fuzz (${RUNS} runs per tool, seed ${fuzzSeed()}): ${tally.tried} SDK calls (${tally.ok} ok, ${tally.rejected} rejected, ` +
      `${tally.tooLarge} refused as too large), ${tally.rawLines} raw lines (${tally.rawAnswered} answered with JSON-RPC errors), crashes 0`);
  });

  test('every tool over the real stdio client: structured errors, the session survives 10 MB, store unchanged on rejection', async () => {
    const tools = (await client.listTools()).tools;
    const db = join(t.calmHome, 'metadata.db');
    const plausible = { directory: [join(repo, 'src')], project: ['fuzz'], repo_path: [repo], path: ['src/a.ts'], working_directory: [repo], query: ['backups'] };
    const problems: string[] = [];
    for (const tool of tools) {
      await fc.assert(
        fc.asyncProperty(argumentsFor(tool.inputSchema as JsonSchema, plausible), async (args) => {
          const before = digest(db);
          tally.tried++;
          let rejectedBy: string;
          try {
            const result = (await client.callTool({ name: tool.name, arguments: args }, undefined, { timeout: 120_000 })) as CallToolResult;
            const verdict = judgeToolResult(result);
            if (verdict.problem) throw new Error(`${tool.name}(${describeArgs(args)}): ${verdict.problem}`);
            tally[verdict.outcome]++;
            if (verdict.outcome === 'ok') return;
            rejectedBy = (result.content[0] as { text: string }).text;
          } catch (e) {
            const message = (e as Error).message;
            if (!TOO_LARGE.test(message)) throw new Error(`${tool.name}(${describeArgs(args)}) failed at the protocol level: ${message}`);
            tally.tooLarge++;
            rejectedBy = message;
          }
          const changed = changedTables(before, digest(db));
          if (changed.length > 0) throw new Error(`${tool.name}(${describeArgs(args)}) was rejected (${rejectedBy.slice(0, 120)}) but changed ${changed.join(', ')}`);
        }),
        { numRuns: RUNS, seed: fuzzSeed(), endOnFailure: true },
      ).catch((e: unknown) => problems.push((e as Error).message.split('\n').slice(0, 4).join('\n')));
    }
    assert.deepEqual(problems, []);
    // an oversized call is refused with its id, and the same session goes on
    await assert.rejects(client.callTool({ name: 'store_memory', arguments: { content: 'x'.repeat(11 * 1024 * 1024), category: 'fact' } }), (e: Error) => TOO_LARGE.test(e.message));
    assert.deepEqual(await client.ping(), {});
    assert.doesNotMatch(stderr, STACK_TRACE);
  });

  test('raw malformed lines on stdin: JSON-RPC errors or silence, never a dead server', async () => {
    const child = spawn(process.execPath, [CLI, 'mcp'], { env: t.env(), cwd: repo, stdio: ['pipe', 'pipe', 'pipe'] });
    const raw = new RawSession(child);
    try {
      await raw.write(`${JSON.stringify({ jsonrpc: '2.0', id: 'init', method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } })}\n`);
      assert.ok(await raw.answerTo('init'), 'initialize answered');
      await raw.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');
      const fixed = [
        'not json', '{', '{"jsonrpc":"2.0"', '[]', '[1,2,3]', 'null', '42', '"str"', '{"jsonrpc":"1.0","id":1,"method":"ping"}',
        '{"jsonrpc":"2.0","id":{"nested":1},"method":"ping"}', '{"jsonrpc":"2.0","id":99,"method":123}', '{"jsonrpc":"2.0","id":98,"result":{}}',
        '{"jsonrpc":"2.0","id":97,"method":"tools/call","params":"nope"}', '{"jsonrpc":"2.0","id":96,"method":"no/such/method"}',
        '{"jsonrpc":"2.0","id":95,"method":"tools/call","params":{"name":"no_such_tool"}}', '{"__proto__":{"polluted":true},"jsonrpc":"2.0","id":94,"method":"ping"}',
        '\uFEFF{"jsonrpc":"2.0","id":93,"method":"ping"}', '\r', '   ', ...HOSTILE_STRINGS.filter((s) => !s.includes('\n')).map((s) => s.slice(0, 200_000)),
      ];
      const random = fc.sample(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.json({ maxDepth: 3 })), { numRuns: 60, seed: fuzzSeed() });
      const lines = [...fixed, ...random].map((l) => l.replace(/\n/g, ' '));
      for (const line of lines) await raw.write(`${line}\n`);
      // bytes that are not UTF-8, a line over the 4 MB limit (id readable at its end), then a ping
      await raw.write(Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x0a]));
      await raw.write(`{"jsonrpc":"2.0","method":"tools/call","params":{"name":"store_memory","arguments":{"content":"${'y'.repeat(6 * 1024 * 1024)}","category":"fact"}},"id":"big"}\n`);
      tally.rawLines += lines.length + 2;
      await raw.write('{"jsonrpc":"2.0","id":"last","method":"ping"}\n');
      const last = await raw.answerTo('last', 60_000);
      assert.deepEqual(last, { jsonrpc: '2.0', id: 'last', result: {} }, `the server stopped answering: exit ${String(raw.exited)}\n${raw.stderr.slice(0, 500)}`);
      assert.equal(raw.exited, undefined, 'the server exited');
      const big = (await raw.answerTo('big')) as { error?: { code: number; message: string } };
      assert.equal(big?.error?.code, -32600);
      assert.match(big.error.message, /Message too large/);
      for (const a of raw.answers) {
        const m = a as { jsonrpc?: string; error?: { code?: unknown; message?: unknown }; result?: unknown };
        assert.equal(m.jsonrpc, '2.0', `not JSON-RPC: ${JSON.stringify(a).slice(0, 200)}`);
        if (m.error) {
          assert.equal(typeof m.error.code, 'number');
          assert.equal(typeof m.error.message, 'string');
          assert.doesNotMatch(String(m.error.message), STACK_TRACE);
        }
      }
      tally.rawAnswered = raw.answers.filter((a) => (a as { error?: unknown }).error).length;
      assert.ok(tally.rawAnswered >= 20, `only ${tally.rawAnswered} errors answered`);
      assert.doesNotMatch(raw.stderr, STACK_TRACE);
    } finally {
      child.stdin.end();
      await new Promise<void>((resolve) => (raw.exited !== undefined ? resolve() : child.once('exit', () => resolve())));
    }
    assert.equal(raw.exited, 0, 'calm mcp ends cleanly when stdin ends');
  });
});
