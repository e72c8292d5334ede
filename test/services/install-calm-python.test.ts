/**
 * Recognising the Python CALM's registrations precisely: only what CALM's install writes counts, so a
 * foreign server or hook that merely mentions calm is never replaced without --force.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isCalmPythonHook, isCalmPythonMcpEntry, putBackCalmHooks, takeOutCalmHooks } from '../../src/services/install/calm-python.js';

describe("the Python CALM's entries", () => {
  test('MCP entry: loopback http …/mcp (or old …/sse), exactly type and url', () => {
    for (const url of ['http://127.0.0.1:6335/mcp', 'http://localhost:7000/mcp/', 'http://[::1]:6335/mcp']) assert.ok(isCalmPythonMcpEntry({ type: 'http', url }), url);
    assert.ok(isCalmPythonMcpEntry({ type: 'sse', url: 'http://127.0.0.1:6335/sse' }));
    const foreign: unknown[] = [
      { type: 'http', url: 'https://calm.example.com/mcp' },
      { type: 'http', url: 'http://10.0.0.5:6335/mcp' },
      { type: 'http', url: 'http://127.0.0.1:6335/api/mcp' },
      { type: 'http', url: 'http://127.0.0.1:6335/mcp', headers: { Authorization: 'x' } },
      { type: 'sse', url: 'http://127.0.0.1:6335/mcp' },
      { type: 'stdio', command: 'calm', args: ['mcp'] },
      { command: 'python', args: ['-m', 'calm.server.main'] },
      'http://127.0.0.1:6335/mcp',
      null,
    ];
    for (const e of foreign) assert.equal(isCalmPythonMcpEntry(e), false, JSON.stringify(e));
  });

  test('hook commands: python -m calm.hooks.<one of four>, any python binary; legacy clams scripts', () => {
    for (const c of ['python -m calm.hooks.session_start', 'python3 -m calm.hooks.pre_tool_use', '/home/u/.venv/bin/python -m  calm.hooks.post_tool_use', '/home/u/clams_scripts/hooks/session_start.sh']) {
      assert.ok(isCalmPythonHook(c), c);
    }
    for (const c of ['python -m calm.hooks.session_start && rm -rf /tmp/x', 'python -m calm.hooks.other', 'my-calm.hooks-wrapper', 'node /x/bin.js hook session-start', 'echo python -m calm.hooks.session_start']) {
      assert.equal(isCalmPythonHook(c), false, c);
    }
  });

  test('taking out and putting back restores the hooks exactly, positions included', () => {
    const original = {
      PreToolUse: [
        { matcher: '*', hooks: [{ type: 'command', command: 'python -m calm.hooks.pre_tool_use' }] },
        { matcher: 'Bash', hooks: [{ type: 'command', command: 'guard' }] },
        { matcher: 'Edit', hooks: [{ type: 'command', command: 'lint' }, { type: 'command', command: 'python -m calm.hooks.pre_tool_use' }, { type: 'command', command: 'fmt' }] },
        { matcher: 'x', hooks: [{ type: 'command', command: 'python3 -m calm.hooks.pre_tool_use' }] },
      ],
      Stop: [{ hooks: [{ type: 'command', command: 'notify' }] }],
    };
    const hooks = structuredClone(original) as Record<string, unknown>;
    const removed = takeOutCalmHooks(hooks);
    assert.equal(removed.length, 3);
    assert.deepEqual(hooks, {
      PreToolUse: [{ matcher: 'Bash', hooks: [{ type: 'command', command: 'guard' }] }, { matcher: 'Edit', hooks: [{ type: 'command', command: 'lint' }, { type: 'command', command: 'fmt' }] }],
      Stop: original.Stop,
    });
    putBackCalmHooks(hooks, JSON.parse(JSON.stringify(removed)));
    assert.deepEqual(hooks, original);
  });
});
