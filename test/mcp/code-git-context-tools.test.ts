/**
 * The code, git and context tools through a real MCP client: names, parameters, annotations, response
 * keys, and CALM's message for every invalid parameter (schema violations are rejected by the SDK).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { App } from '../../src/app.js';
import { commitAll, gitIn, writeFiles } from '../helpers/git.js';
import { tempHome, type TempHome } from '../helpers/home.js';
import { call, connectInMemory, errorOf, ok, textOf } from '../helpers/mcp.js';

describe('code, git and context tools over MCP', () => {
  let t: TempHome;
  let app: App;
  let client: Client;
  let close: () => Promise<void>;
  let tree: string;
  let repo: string;
  let head: string;
  before(async () => {
    t = tempHome();
    app = t.app();
    ({ client, close } = await connectInMemory(app));
    tree = join(t.root, 'tree');
    writeFiles(tree, {
      'billing.py': 'def compute_invoice_total(lines):\n    """Sum the invoice lines."""\n    return sum(l.amount for l in lines)\n',
      'web/routes.ts': 'export function invoiceRoute(id: string): string {\n  return `/invoices/${id}`;\n}\n',
    });
    repo = join(t.root, 'repo');
    mkdirSync(repo);
    const env = t.env({ GIT_AUTHOR_NAME: 'Eve', GIT_AUTHOR_EMAIL: 'eve@example.com', GIT_COMMITTER_NAME: 'Eve', GIT_COMMITTER_EMAIL: 'eve@example.com' });
    gitIn(repo, ['init', '-q', '-b', 'main'], env);
    for (let i = 0; i < 3; i++) {
      writeFiles(repo, { 'invoice.py': Array.from({ length: i + 1 }, (_, k) => `line_${k} = ${k}\n`).join('') }); // one line more each time
      head = commitAll(repo, `Invoice rounding fix ${i}`, env);
    }
  });
  after(async () => {
    await close();
    await app.close();
    t.cleanup();
  });

  test('tool surface: names, parameters, annotations; context_types accepts all five types', async () => {
    const { tools } = await client.listTools();
    const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
    const params = (name: string): string[] => Object.keys((byName[name]?.inputSchema.properties ?? {}) as object).sort();
    assert.deepEqual(params('index_codebase'), ['directory', 'project', 'recursive']);
    assert.deepEqual(byName.index_codebase?.inputSchema.required, ['directory', 'project']);
    assert.deepEqual(params('search_code'), ['language', 'limit', 'project', 'query', 'search_mode']);
    assert.deepEqual(params('find_similar_code'), ['limit', 'project', 'snippet']);
    assert.deepEqual(params('index_commits'), ['force', 'limit', 'repo_path', 'since']);
    assert.deepEqual(params('search_commits'), ['author', 'limit', 'query', 'repo_path', 'search_mode', 'since']);
    assert.deepEqual(params('get_file_history'), ['limit', 'path', 'repo_path']);
    assert.deepEqual(params('get_churn_hotspots'), ['days', 'limit', 'min_changes', 'repo_path']);
    assert.deepEqual(params('get_code_authors'), ['path', 'repo_path']);
    assert.deepEqual(params('assemble_context'), ['context_types', 'limit', 'max_tokens', 'query']);
    const items = (byName.assemble_context?.inputSchema.properties as Record<string, { items?: { enum?: string[] } }>).context_types?.items;
    assert.deepEqual(items?.enum, ['values', 'experiences', 'memories', 'code', 'commits']);
    for (const name of ['search_code', 'find_similar_code', 'search_commits', 'get_file_history', 'get_churn_hotspots', 'get_code_authors', 'assemble_context']) {
      assert.equal(byName[name]?.annotations?.readOnlyHint, true, name);
    }
    for (const name of ['index_codebase', 'index_commits']) {
      assert.deepEqual(
        [byName[name]?.annotations?.readOnlyHint, byName[name]?.annotations?.destructiveHint, byName[name]?.annotations?.idempotentHint],
        [false, false, true],
        name,
      );
    }
  });

  test('index_codebase → search_code → find_similar_code', async () => {
    const indexed = ok(await call(client, 'index_codebase', { directory: tree, project: 'shop' }));
    assert.deepEqual(
      Object.keys(indexed).sort(),
      ['directory', 'duration_ms', 'error_details', 'errors', 'files_indexed', 'files_removed', 'files_skipped', 'project', 'status', 'units_indexed', 'units_removed'],
    );
    assert.deepEqual([indexed.status, indexed.files_indexed, indexed.units_indexed, indexed.errors], ['success', 2, 2, 0]);
    const again = ok(await call(client, 'index_codebase', { directory: tree, project: 'shop' }));
    assert.equal(again.files_skipped, 2);

    const found = ok<{ results: Record<string, unknown>[]; count: number }>(await call(client, 'search_code', { query: 'invoice lines', search_mode: 'hybrid', limit: 1 }));
    assert.equal(found.count, 1);
    assert.equal(found.results[0]?.qualified_name, 'billing.compute_invoice_total');
    assert.equal(found.results[0]?.code, 'def compute_invoice_total(lines):\n    """Sum the invoice lines."""\n    return sum(l.amount for l in lines)');
    assert.equal(typeof found.results[0]?.score, 'number');
    const ts = ok<{ results: Record<string, unknown>[] }>(await call(client, 'search_code', { query: 'invoice', language: 'TypeScript', project: 'shop' }));
    assert.deepEqual(ts.results.map((r) => r.qualified_name), ['routes.invoiceRoute']);
    const similar = ok<{ results: Record<string, unknown>[] }>(await call(client, 'find_similar_code', { snippet: 'export function invoiceRoute(id: string): string {\n  return `/invoices/${id}`;\n}', limit: 1 }));
    assert.equal(similar.results[0]?.qualified_name, 'routes.invoiceRoute');
  });

  test('git tools with repo_path', async () => {
    const indexed = ok(await call(client, 'index_commits', { repo_path: repo }));
    assert.deepEqual([indexed.status, indexed.mode, indexed.commits_indexed, indexed.commits_skipped, indexed.repo_path], ['success', 'full', 3, 0, repo]);
    const found = ok<{ results: Record<string, unknown>[]; count: number }>(
      await call(client, 'search_commits', { query: 'rounding', search_mode: 'keyword', author: 'Eve', repo_path: repo, since: '2000-01-01' }),
    );
    assert.equal(found.count, 3);
    assert.deepEqual(Object.keys(found.results[0]!).sort(), [
      'author', 'author_email', 'deletions', 'file_count', 'files_changed', 'insertions', 'message', 'repo_path', 'score', 'sha', 'timestamp',
    ]);
    const history = ok<{ commits: Record<string, unknown>[]; count: number; path: string }>(
      await call(client, 'get_file_history', { path: 'invoice.py', repo_path: repo, limit: 2 }),
    );
    assert.deepEqual([history.count, history.path, history.commits[0]?.sha], [2, 'invoice.py', head]);
    assert.deepEqual([history.commits[0]?.insertions, history.commits[0]?.deletions], [1, 0]);
    const churn = ok<{ hotspots: Record<string, unknown>[]; count: number }>(await call(client, 'get_churn_hotspots', { repo_path: repo }));
    assert.deepEqual(churn.hotspots.map((h) => [h.path, h.commit_count, h.total_insertions, h.total_deletions, h.authors]), [['invoice.py', 3, 3, 0, ['Eve']]]);
    const authors = ok<{ authors: Record<string, unknown>[] }>(await call(client, 'get_code_authors', { path: 'invoice.py', repo_path: repo }));
    assert.deepEqual(authors.authors.map((a) => [a.author, a.email, a.commit_count, a.lines_added, a.lines_removed, a.percentage]), [['Eve', 'eve@example.com', 3, 3, 0, 100]]);
  });

  test('assemble_context with all five types', async () => {
    await call(client, 'store_memory', { content: 'Invoices are rounded to whole cents', category: 'fact' });
    const ctx = ok<{ markdown: string; token_count: number; item_count: number; truncated: boolean; sources_used: Record<string, number> }>(
      await call(client, 'assemble_context', { query: 'invoice rounding', context_types: ['memories', 'code', 'commits', 'values', 'experiences'], max_tokens: 600 }),
    );
    assert.ok(ctx.token_count <= 600);
    assert.deepEqual(Object.keys(ctx.sources_used).sort(), ['code', 'commits', 'memories']);
    assert.match(ctx.markdown, /## Code/);
    assert.match(ctx.markdown, /## Commits/);
  });

  test('every invalid parameter gets CALM\'s message; schema violations are rejected by the SDK', async () => {
    const cases: [string, Record<string, unknown>, string | RegExp][] = [
      ['index_codebase', { directory: join(tree, 'none'), project: 'p' }, `Directory not found: ${join(tree, 'none')}`],
      ['index_codebase', { directory: join(tree, 'billing.py'), project: 'p' }, `Not a directory: ${join(tree, 'billing.py')}`],
      ['index_codebase', { directory: tree, project: '' }, 'Project identifier cannot be empty'],
      ['index_codebase', { directory: tree, project: 'a b' }, /^Invalid project identifier: 'a b'\. Must contain only alphanumeric characters, dashes, and underscores, and start with an alphanumeric character$/],
      ['index_codebase', { directory: tree, project: 'x'.repeat(101) }, 'Project identifier too long (101 chars). Maximum: 100 characters'],
      ['search_code', { query: 'x', limit: 0 }, 'Limit 0 out of range. Must be between 1 and 50.'],
      ['search_code', { query: 'x', language: 'cobol' }, /^Unsupported language: 'cobol'\. Supported languages: python, typescript/],
      ['search_code', { query: 'x', project: '_x' }, /^Invalid project identifier: '_x'/],
      ['search_code', { query: 'q'.repeat(10_001) }, 'Query too long (10001 chars). Maximum allowed is 10000 characters.'],
      ['find_similar_code', { snippet: 's'.repeat(5001) }, 'Snippet too long (5001 chars). Maximum allowed is 5000 characters.'],
      ['find_similar_code', { snippet: 'x', limit: 51 }, 'Limit 51 out of range. Must be between 1 and 50.'],
      ['find_similar_code', { snippet: 'x', project: '' }, 'Project identifier cannot be empty'],
      ['index_commits', { repo_path: repo, since: '2024-02-30' }, "Invalid date format '2024-02-30'. Use ISO format: YYYY-MM-DD"],
      ['index_commits', { repo_path: repo, limit: 0 }, 'Limit must be positive, got 0'],
      ['index_commits', { repo_path: repo, limit: 100_001 }, 'Limit 100001 exceeds maximum of 100000'],
      ['index_commits', { repo_path: join(t.root, 'missing') }, `Repository path not found: ${join(t.root, 'missing')}`],
      ['search_commits', { query: 'x', limit: 51 }, 'Limit 51 out of range. Must be between 1 and 50.'],
      ['search_commits', { query: 'x', author: 'a'.repeat(201) }, 'Author name too long (201 chars). Maximum: 200 characters'],
      ['search_commits', { query: 'x', since: 'last week' }, "Invalid date format 'last week'. Use ISO format: YYYY-MM-DD"],
      ['search_commits', { query: 'q'.repeat(10_001) }, 'Query too long (10001 chars). Maximum allowed is 10000 characters.'],
      ['get_file_history', { path: 'invoice.py', repo_path: repo, limit: 501 }, 'Limit 501 out of range. Must be between 1 and 500.'],
      ['get_file_history', { path: 'nope.py', repo_path: repo }, 'File not found in repository: nope.py'],
      ['get_file_history', { path: '', repo_path: repo }, 'Path cannot be empty'],
      ['get_churn_hotspots', { repo_path: repo, days: 0 }, 'Days 0 out of range. Must be between 1 and 365.'],
      ['get_churn_hotspots', { repo_path: repo, limit: 51 }, 'Limit 51 out of range. Must be between 1 and 50.'],
      ['get_churn_hotspots', { repo_path: repo, min_changes: 0 }, 'Min_changes 0 out of range. Must be between 1 and 1000.'],
      ['get_code_authors', { path: 'nope.py', repo_path: repo }, 'File not found in repository: nope.py'],
      ['assemble_context', { query: 'x', limit: 51 }, 'Limit 51 out of range. Must be between 1 and 50.'],
      ['assemble_context', { query: 'x', max_tokens: 50 }, 'Max_tokens 50 out of range. Must be between 100 and 10000.'],
      ['assemble_context', { query: 'q'.repeat(10_001) }, 'Query too long (10001 chars). Maximum allowed is 10000 characters.'],
    ];
    for (const [tool, args, message] of cases) {
      const err = errorOf(await call(client, tool, args));
      const label = `${tool} ${JSON.stringify(args).slice(0, 80)}`;
      assert.equal(err.type, 'validation_error', label);
      if (typeof message === 'string') assert.equal(err.message, message, label);
      else assert.match(err.message, message, label);
    }
    const notRepo = errorOf(await call(client, 'get_churn_hotspots', { repo_path: tree }));
    assert.deepEqual(notRepo, { type: 'not_available', message: `Git churn analysis not available: ${tree} is not inside a git repository (pass repo_path)` });

    const schema: [string, Record<string, unknown>][] = [
      ['index_codebase', { project: 'p' }],
      ['search_code', { query: 'x', search_mode: 'fuzzy' }],
      ['search_code', { query: 'x', limit: 'ten' }],
      ['search_commits', { query: 'x', search_mode: 'exact' }],
      ['index_commits', { force: 'yes' }],
      ['get_file_history', {}],
      ['assemble_context', { query: 'x', context_types: ['docs'] }],
      ['assemble_context', { query: 'x', limit: 2.5 }],
    ];
    for (const [tool, args] of schema) {
      const result = await call(client, tool, args);
      assert.equal(result.isError, true, tool);
      assert.match(textOf(result), /Input validation error/, `${tool} ${JSON.stringify(args)}`);
    }
  });
});
