/** The GHAP tools through a real MCP client: lifecycle, CALM's messages, response keys and sizes. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { App } from '../../src/app.js';
import { call, errorOf, ok, openMcpSession, textOf, type McpSession } from '../helpers/mcp.js';

const START = {
  domain: 'debugging', strategy: 'systematic-elimination', goal: 'Find why the export job times out',
  hypothesis: 'The job loads every row into memory', action: 'Stream rows in batches', prediction: 'The job finishes in under a minute',
};
const ACTIVE_KEYS = ['id', 'domain', 'strategy', 'goal', 'hypothesis', 'action', 'prediction', 'iteration_count', 'created_at', 'has_active'];

describe('GHAP tools over MCP', () => {
  let session: McpSession;
  let app: App;
  let client: Client;
  before(async () => {
    session = await openMcpSession();
    ({ app, client } = session);
  });
  after(() => session.close());

  test('the tool surface is pinned: names, parameters, required ones, enums in CALM order', async () => {
    const { tools } = await client.listTools();
    const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
    const params = (name: string): string[] => Object.keys((byName[name]?.inputSchema.properties ?? {}) as object).sort();
    assert.deepEqual(params('start_ghap'), ['action', 'domain', 'goal', 'hypothesis', 'prediction', 'strategy']);
    assert.deepEqual([...(byName.start_ghap?.inputSchema.required ?? [])].sort(), params('start_ghap'));
    assert.deepEqual(params('update_ghap'), ['action', 'hypothesis', 'note', 'prediction', 'strategy']);
    assert.deepEqual(byName.update_ghap?.inputSchema.required ?? [], []);
    assert.deepEqual(params('resolve_ghap'), ['lesson', 'result', 'root_cause', 'status', 'surprise']);
    assert.deepEqual([...(byName.resolve_ghap?.inputSchema.required ?? [])].sort(), ['result', 'status']);
    assert.deepEqual(params('get_active_ghap'), []);
    assert.deepEqual(params('list_ghap_entries'), ['domain', 'limit', 'outcome', 'since']);
    const props = byName.start_ghap?.inputSchema.properties as Record<string, { enum?: string[] }>;
    assert.deepEqual(props.domain?.enum, ['debugging', 'refactoring', 'feature', 'testing', 'configuration', 'documentation', 'performance', 'security', 'integration']);
    assert.deepEqual(props.strategy?.enum, ['systematic-elimination', 'trial-and-error', 'research-first', 'divide-and-conquer', 'root-cause-analysis',
      'copy-from-similar', 'check-assumptions', 'read-the-error', 'ask-user']);
    const rootCause = (byName.resolve_ghap?.inputSchema.properties as Record<string, { properties?: Record<string, { enum?: string[] }> }>).root_cause;
    assert.deepEqual(rootCause?.properties?.category?.enum, ['wrong-assumption', 'missing-knowledge', 'oversight', 'environment-issue',
      'misleading-symptom', 'incomplete-fix', 'wrong-scope', 'test-isolation', 'timing-issue']);
    assert.equal(byName.get_active_ghap?.annotations?.readOnlyHint, true);
    assert.equal(byName.resolve_ghap?.annotations?.readOnlyHint, false);
  });

  test('full lifecycle: start, second start, updates, refused resolves, resolve, get_active after, list', async () => {
    const none = await call(client, 'get_active_ghap');
    assert.deepEqual(ok(none), Object.fromEntries(ACTIVE_KEYS.map((k) => [k, k === 'has_active' ? false : null])));
    assert.ok(textOf(none).length < 500);

    const started = await call(client, 'start_ghap', START);
    const { id } = ok<{ ok: boolean; id: string }>(started);
    assert.deepEqual(ok(started), { ok: true, id });
    assert.ok(textOf(started).length < 500);

    // a second start names the active id and says how to get out
    const second = errorOf(await call(client, 'start_ghap', { ...START, goal: 'Something else' }));
    assert.equal(second.type, 'active_ghap_exists');
    assert.equal(second.message, `Active GHAP exists (id: ${id}). Resolve it first with resolve_ghap or abandon it.`);

    // an unchanged hypothesis is not a new iteration; a changed one is
    const same = await call(client, 'update_ghap', { hypothesis: START.hypothesis, note: 'double-checked' });
    assert.deepEqual(ok(same), { success: true, iteration_count: 1 });
    assert.ok(textOf(same).length < 500);
    assert.deepEqual(ok(await call(client, 'update_ghap', { strategy: 'divide-and-conquer' })), { success: true, iteration_count: 1 });
    assert.deepEqual(ok(await call(client, 'update_ghap', { hypothesis: 'The job sorts in memory' })), { success: true, iteration_count: 2 });
    assert.deepEqual(ok(await call(client, 'update_ghap', {})), { success: true, iteration_count: 2 });

    const active = await call(client, 'get_active_ghap');
    const view = ok<Record<string, unknown>>(active);
    assert.deepEqual(Object.keys(view), ACTIVE_KEYS);
    assert.equal(view.id, id);
    assert.equal(view.hypothesis, 'The job sorts in memory');
    assert.equal(view.strategy, 'divide-and-conquer');
    assert.equal(view.iteration_count, 2);
    assert.equal(view.has_active, true);
    assert.ok(textOf(active).length < 2000);

    // falsified without surprise or root cause is refused, and nothing changes
    const noSurprise = errorOf(await call(client, 'resolve_ghap', { status: 'falsified', result: 'Still slow' }));
    assert.deepEqual(noSurprise, { type: 'validation_error', message: "Field 'surprise' is required when status is 'falsified'" });
    const noRootCause = errorOf(await call(client, 'resolve_ghap', { status: 'falsified', result: 'Still slow', surprise: 'Memory was flat' }));
    assert.deepEqual(noRootCause, { type: 'validation_error', message: "Field 'root_cause' is required when status is 'falsified'" });
    assert.equal(ok<{ has_active: boolean }>(await call(client, 'get_active_ghap')).has_active, true);

    const resolved = await call(client, 'resolve_ghap', {
      status: 'falsified', result: 'Still slow', surprise: 'Memory was flat',
      root_cause: { category: 'wrong-assumption', description: 'The time goes into a slow API' },
      lesson: { what_worked: 'Profile before changing code', takeaway: 'Measure first' },
    });
    assert.deepEqual(ok(resolved), { ok: true, id });
    assert.ok(textOf(resolved).length < 500);

    const after = await call(client, 'get_active_ghap');
    assert.deepEqual(ok(after), Object.fromEntries(ACTIVE_KEYS.map((k) => [k, k === 'has_active' ? false : null])));

    assert.deepEqual(errorOf(await call(client, 'update_ghap', { note: 'late' })),
      { type: 'not_found', message: 'No active GHAP entry to update. Use start_ghap to begin tracking.' });
    assert.deepEqual(errorOf(await call(client, 'resolve_ghap', { status: 'confirmed', result: 'x' })),
      { type: 'not_found', message: 'No active GHAP entry to resolve' });

    // starting again works after a resolve; the list is newest first
    const { id: second2 } = ok<{ id: string }>(await call(client, 'start_ghap', { ...START, domain: 'performance' }));
    await new Promise((r) => setTimeout(r, 5));
    ok(await call(client, 'resolve_ghap', { status: 'confirmed', result: 'Batching fixed it', lesson: { what_worked: 'Batches of 1000' } }));
    const listed = await call(client, 'list_ghap_entries', {});
    const list = ok<{ results: Record<string, unknown>[]; count: number }>(listed);
    assert.deepEqual(list.results.map((r) => r.id), [second2, id]);
    assert.equal(list.count, 2);
    assert.deepEqual(Object.keys(list.results[0]!), ['id', 'domain', 'strategy', 'outcome_status', 'confidence_tier', 'iteration_count', 'created_at', 'captured_at']);
    assert.equal(list.results[1]!.outcome_status, 'falsified');
    assert.equal(list.results[1]!.confidence_tier, 'silver');
    assert.ok(textOf(listed).length < 500 * list.count);
    assert.deepEqual(ok<{ results: { id: string }[] }>(await call(client, 'list_ghap_entries', { outcome: 'falsified' })).results.map((r) => r.id), [id]);
    assert.deepEqual(ok<{ results: { id: string }[] }>(await call(client, 'list_ghap_entries', { domain: 'performance' })).results.map((r) => r.id), [second2]);

    // the experiences are searchable on every axis they were written to
    const found = ok<{ results: Record<string, unknown>[] }>(await call(client, 'search_experiences', { query: 'slow API time', axis: 'root_cause' }));
    assert.equal(found.results[0]?.id, id);
    assert.equal(found.results[0]?.axis, 'root_cause');
  });

  const text1001 = 'x'.repeat(1001);
  const text2001 = 'y'.repeat(2001);
  const rc = { category: 'oversight', description: 'd' };
  // CALM's own messages for every check the services own; type and enum violations are the SDK's
  const invalidCalls: [string, Record<string, unknown>, string | 'schema', string?][] = [
    ['start_ghap', { ...START, goal: '   ' }, "Field 'goal' cannot be empty"],
    ['start_ghap', { ...START, hypothesis: '' }, "Field 'hypothesis' cannot be empty"],
    ['start_ghap', { ...START, action: text1001 }, "Field 'action' exceeds 1000 character limit (1001 chars)"],
    ['start_ghap', { ...START, prediction: text1001 }, "Field 'prediction' exceeds 1000 character limit (1001 chars)"],
    ['start_ghap', { ...START, domain: 'cooking' }, 'schema'],
    ['start_ghap', { ...START, strategy: 'guessing' }, 'schema'],
    ['start_ghap', { domain: 'debugging', strategy: 'ask-user', goal: 'g' }, 'schema'],
    ['update_ghap', { hypothesis: text1001 }, "Field 'hypothesis' exceeds 1000 character limit (1001 chars)"],
    ['update_ghap', { note: text2001 }, "Field 'note' exceeds 2000 character limit (2001 chars)"],
    ['update_ghap', { strategy: 'guessing' }, 'schema'],
    ['resolve_ghap', { status: 'confirmed', result: text2001 }, "Field 'result' exceeds 2000 character limit (2001 chars)"],
    ['resolve_ghap', { status: 'confirmed', result: 'r', surprise: text2001 }, "Field 'surprise' exceeds 2000 character limit (2001 chars)"],
    ['resolve_ghap', { status: 'falsified', result: 'r', surprise: '  ', root_cause: rc }, "Field 'surprise' is required when status is 'falsified'"],
    ['resolve_ghap', { status: 'falsified', result: 'r', surprise: 's', root_cause: { category: 'oversight', description: ' ' } }, "Field 'root_cause.description' is required"],
    ['resolve_ghap', { status: 'falsified', result: 'r', surprise: 's', root_cause: { category: 'oversight', description: text2001 } }, "Field 'root_cause.description' exceeds 2000 character limit (2001 chars)"],
    ['resolve_ghap', { status: 'confirmed', result: 'r', root_cause: { category: 'oversight', description: '' } }, "Field 'root_cause.description' is required"],
    ['resolve_ghap', { status: 'confirmed', result: 'r', lesson: { what_worked: '' } }, "Field 'lesson.what_worked' is required when lesson is provided"],
    ['resolve_ghap', { status: 'confirmed', result: 'r', lesson: { what_worked: text2001 } }, "Field 'lesson.what_worked' exceeds 2000 character limit (2001 chars)"],
    ['resolve_ghap', { status: 'confirmed', result: 'r', lesson: { what_worked: 'w', takeaway: text2001 } }, "Field 'lesson.takeaway' exceeds 2000 character limit (2001 chars)"],
    ['resolve_ghap', { status: 'done', result: 'r' }, 'schema'],
    ['resolve_ghap', { status: 'confirmed' }, 'schema'],
    ['resolve_ghap', { status: 'falsified', result: 'r', surprise: 's', root_cause: { category: 'bad-luck', description: 'd' } }, 'schema'],
    ['resolve_ghap', { status: 'falsified', result: 'r', surprise: 's', root_cause: 'it broke' }, 'schema'],
    ['resolve_ghap', { status: 'confirmed', result: 'r', lesson: { takeaway: 't' } }, 'schema'],
    ['list_ghap_entries', { limit: 0 }, 'Limit must be between 1 and 100 (got 0)'],
    ['list_ghap_entries', { limit: 101 }, 'Limit must be between 1 and 100 (got 101)'],
    ['list_ghap_entries', { since: 'last tuesday' }, "Invalid date format for 'since': last tuesday. Expected ISO 8601 format (e.g., '2024-01-15T10:30:45+00:00')"],
    ['list_ghap_entries', { since: '2024-02-30' }, "Invalid date format for 'since': 2024-02-30. Expected ISO 8601 format (e.g., '2024-01-15T10:30:45+00:00')"],
    ['list_ghap_entries', { domain: 'cooking' }, 'schema'],
    ['list_ghap_entries', { outcome: 'won' }, 'schema'],
    ['list_ghap_entries', { limit: 2.5 }, 'schema'],
  ];

  test('every invalid parameter is refused with CALM message, and nothing changes', async () => {
    const { id } = ok<{ id: string }>(await call(client, 'start_ghap', START));
    for (const [tool, args, expected] of invalidCalls) {
      const result = await call(client, tool, args);
      const label = `${tool} ${JSON.stringify(args).slice(0, 90)}`;
      assert.equal(result.isError, true, label);
      if (expected === 'schema') {
        assert.match(textOf(result), /Input validation error/, label);
      } else {
        assert.deepEqual(errorOf(result), { type: 'validation_error', message: expected }, label);
        assert.ok(textOf(result).length < 500, `${label}: error under 500 bytes`);
      }
    }
    const still = ok<{ id: string; iteration_count: number; hypothesis: string }>(await call(client, 'get_active_ghap'));
    assert.equal(still.id, id);
    assert.equal(still.iteration_count, 1);
    assert.equal(still.hypothesis, START.hypothesis);
    ok(await call(client, 'resolve_ghap', { status: 'abandoned', result: '' }));
  });
});
