/** The session journal tools through a real MCP client: CALM's names, parameters, messages and response keys. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { App } from '../../src/app.js';
import { call, errorOf, ok, openMcpSession, type McpSession } from '../helpers/mcp.js';

describe('journal tools over MCP', () => {
  let session: McpSession;
  let app: App;
  let client: Client;
  before(async () => {
    session = await openMcpSession();
    ({ app, client } = session);
  });
  after(() => session.close());

  test('the tool surface is pinned: names, parameters, required, annotations', async () => {
    const { tools } = await client.listTools();
    const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
    const params = (name: string): string[] => Object.keys((byName[name]?.inputSchema.properties ?? {}) as object).sort();
    assert.deepEqual(params('store_journal_entry'), ['friction_points', 'next_steps', 'session_log_content', 'summary', 'working_directory']);
    assert.deepEqual(byName.store_journal_entry?.inputSchema.required, ['summary', 'working_directory']);
    assert.deepEqual(params('list_journal_entries'), ['limit', 'project_name', 'unreflected_only', 'working_directory']);
    assert.deepEqual(params('get_journal_entry'), ['entry_id', 'include_log']);
    assert.deepEqual(params('mark_entries_reflected'), ['delete_logs', 'entry_ids', 'memories_created']);
    assert.equal(byName.list_journal_entries?.annotations?.readOnlyHint, true);
    assert.equal(byName.mark_entries_reflected?.annotations?.destructiveHint, true);
  });

  test('store → list → get (with log) → mark reflected deletes the log', async () => {
    const stored = ok<{ id: string; session_log_path: string | null }>(
      await call(client, 'store_journal_entry', {
        summary: 'Implemented the gate checks',
        working_directory: '/work/projects/alpha/',
        friction_points: ['slow tests'],
        next_steps: ['merge SPEC-001'],
        session_log_content: '{"type":"user","text":"hi"}\n',
      }),
    );
    assert.deepEqual(Object.keys(stored).sort(), ['id', 'session_log_path']);
    assert.match(stored.id, /^[0-9a-f-]{36}$/);
    assert.ok(stored.session_log_path && existsSync(stored.session_log_path));
    assert.match(stored.session_log_path!, new RegExp(`/sessions/\\d{8}T\\d{6}_${stored.id}\\.jsonl$`));
    assert.equal(readFileSync(stored.session_log_path!, 'utf8'), '{"type":"user","text":"hi"}\n');
    const plain = ok<{ id: string; session_log_path: string | null }>(
      await call(client, 'store_journal_entry', { summary: 'Another session', working_directory: '/work/projects/beta' }),
    );
    assert.equal(plain.session_log_path, null);

    const listed = ok<{ entries: Record<string, unknown>[]; count: number }>(await call(client, 'list_journal_entries', {}));
    assert.equal(listed.count, 2);
    assert.deepEqual(Object.keys(listed.entries[0]!).sort(), ['created_at', 'id', 'project_name', 'reflected_at', 'summary', 'working_directory']);
    assert.equal(listed.entries[0]!.id, plain.id, 'newest first');
    const alpha = ok<{ entries: { id: string }[] }>(await call(client, 'list_journal_entries', { project_name: 'alpha' }));
    assert.deepEqual(alpha.entries.map((e) => e.id), [stored.id], 'project_name is the basename of the working directory');
    const byDir = ok<{ count: number }>(await call(client, 'list_journal_entries', { working_directory: '/work/projects/beta' }));
    assert.equal(byDir.count, 1);

    const full = ok<Record<string, unknown>>(await call(client, 'get_journal_entry', { entry_id: stored.id, include_log: true }));
    assert.deepEqual(full.friction_points, ['slow tests']);
    assert.deepEqual(full.next_steps, ['merge SPEC-001']);
    assert.equal(full.memories_created, 0);
    assert.equal(full.session_log, '{"type":"user","text":"hi"}\n');
    assert.match(String(full.created_at), /Z$/, 'UTC');
    const noLog = ok<Record<string, unknown>>(await call(client, 'get_journal_entry', { entry_id: stored.id }));
    assert.equal('session_log' in noLog, false);

    const marked = ok(await call(client, 'mark_entries_reflected', { entry_ids: [stored.id, '00000000-0000-4000-8000-000000000000'], memories_created: 3 }));
    assert.deepEqual(marked, { marked_count: 1, logs_deleted: 1 }, 'unknown ids are skipped');
    assert.equal(existsSync(stored.session_log_path!), false);
    const after = ok<Record<string, unknown>>(await call(client, 'get_journal_entry', { entry_id: stored.id, include_log: true }));
    assert.equal(after.memories_created, 3);
    assert.match(String(after.reflected_at), /Z$/);
    assert.equal('session_log' in after, false);
    const unreflected = ok<{ entries: { id: string }[] }>(await call(client, 'list_journal_entries', { unreflected_only: true }));
    assert.deepEqual(unreflected.entries.map((e) => e.id), [plain.id]);

    // the CLI reads the same service
    const app2 = session.t.app();
    try {
      assert.equal(app2.orchestration.journal.get({ entry_id: stored.id }).memories_created, 3);
    } finally {
      await app2.close();
    }
  });

  test("CALM's validation messages, nothing stored", async () => {
    const before = ok<{ count: number }>(await call(client, 'list_journal_entries', { limit: 200 })).count;
    const cases: [string, Record<string, unknown>, RegExp][] = [
      ['store_journal_entry', { summary: '  ', working_directory: '/x' }, /^Summary is required and cannot be empty$/],
      ['store_journal_entry', { summary: 'x'.repeat(10_001), working_directory: '/x' }, /^Summary too long \(10001 chars\)\. Maximum is 10000\.$/],
      ['store_journal_entry', { summary: 'ok', working_directory: ' ' }, /^Working directory is required$/],
      ['store_journal_entry', { summary: 'ok', working_directory: '/x', friction_points: Array(51).fill('f') }, /^Maximum 50 friction points allowed$/],
      ['store_journal_entry', { summary: 'ok', working_directory: '/x', next_steps: Array(51).fill('n') }, /^Maximum 50 next steps allowed$/],
      ['list_journal_entries', { limit: 0 }, /^Limit 0 out of range\. Must be between 1 and 200\.$/],
      ['list_journal_entries', { limit: 201 }, /^Limit 201 out of range/],
      ['get_journal_entry', { entry_id: '00000000-0000-4000-8000-000000000000' }, /^Entry 00000000-0000-4000-8000-000000000000 not found$/],
      ['get_journal_entry', { entry_id: 'not-a-uuid' }, /must be a UUID/],
      ['mark_entries_reflected', { entry_ids: [] }, /^At least one entry ID is required$/],
      ['mark_entries_reflected', { entry_ids: ['00000000-0000-4000-8000-000000000000'], memories_created: -1 }, /^memories_created must be >= 0$/],
    ];
    for (const [tool, args, message] of cases) {
      const err = errorOf(await call(client, tool, args));
      assert.equal(err.type, 'validation_error', tool);
      assert.match(err.message, message, tool);
    }
    assert.equal(ok<{ count: number }>(await call(client, 'list_journal_entries', { limit: 200 })).count, before);
    const schema = await call(client, 'store_journal_entry', { summary: 5, working_directory: '/x' });
    assert.equal(schema.isError, true, 'a wrong type is rejected by the schema');
  });
});
