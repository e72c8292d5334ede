/**
 * The hooks' questions: relevance of prompt context (semantic and keyword-only), the token budget, and
 * the daemon's `POST /hooks/query` endpoint behind the same Host guard as /mcp.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { App } from '../../../src/app.js';
import { hashEmbed } from '../../../src/embedding/hash.js';
import { startHttpServer } from '../../../src/mcp/http.js';
import { HookContextService } from '../../../src/services/hooks/hook-context.js';
import { tempHome, type TempHome } from '../../helpers/home.js';

function post(url: string, body: string, host?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', host: host ?? u.host } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('hook context', () => {
  let t: TempHome;
  let app: App;
  let hooks: HookContextService;

  before(async () => {
    t = tempHome();
    app = t.app({ CALM_EMBEDDER: 'hash' });
    await app.memory.store({ content: 'Run database migrations with `npm run db:migrate` before starting the API locally', category: 'workflow' });
    await app.memory.store({ content: 'The office coffee machine is descaled every Friday afternoon', category: 'fact', importance: 1 });
    await app.memory.store({ content: 'Release notes are drafted in docs/releases before every tag', category: 'workflow' });
    await app.ghap.start({
      domain: 'debugging', strategy: 'read-the-error', goal: 'Find why the database migration hangs in CI',
      hypothesis: 'A lock held by the seed script', action: 'Run the seed after the migration', prediction: 'The migration finishes',
    });
    await app.ghap.resolve({ status: 'confirmed', result: 'Migration no longer hangs', lesson: { what_worked: 'Seed after migrating' } });
    // a value, as store_value leaves it (its vector from the same embedder)
    const text = 'Run migrations before seeding the database';
    await app.records.ensureCollection('values', { embedder: (await app.embedder()).id, dim: 384 });
    await app.records.upsert('values', [{ id: 'v1', text, payload: { text, cluster_id: 'full_0', axis: 'full' }, vector: hashEmbed(text) }]);
    hooks = new HookContextService(app);
  });
  after(async () => {
    await app.close();
    t.cleanup();
  });

  for (const mode of ['semantic', 'keyword'] as const) {
    test(`${mode}: memories, experiences and values about the prompt, nothing else`, async () => {
      const ctx = await hooks.prompt('the database migration hangs again, how do I run migrations safely?', { mode });
      const texts = ctx.items.map((i) => `${i.kind}: ${i.text}`).join('\n');
      assert.match(texts, /memory: \[workflow\] Run database migrations/);
      assert.match(texts, /experience: \[debugging, confirmed\] Goal: Find why the database migration hangs/);
      assert.match(texts, /value: Run migrations before seeding/);
      assert.doesNotMatch(texts, /coffee|Release notes/);
      assert.equal((await hooks.prompt('write a haiku about autumn leaves', { mode })).items.length, 0);
    });
  }

  test('the token budget holds, and what it leaves out is counted', async () => {
    const full = await hooks.prompt('database migration hangs; run migrations', { mode: 'semantic' });
    const small = await hooks.prompt('database migration hangs; run migrations', { mode: 'semantic', maxTokens: 50 });
    assert.ok(full.items.length >= 3);
    assert.ok(small.token_count <= 50);
    assert.ok(small.items.length < full.items.length);
    assert.equal(small.omitted, full.items.length - small.items.length);
  });

  test('POST /hooks/query on the daemon: answers with its home; validates; keeps the Host guard', async () => {
    const server = await startHttpServer(app, { host: '127.0.0.1', port: 0, log: () => undefined });
    const url = server.url.replace(/\/mcp$/, '/hooks/query');
    try {
      const ok = await post(url, JSON.stringify({ kind: 'prompt', prompt: 'how do I run the database migrations?' }));
      assert.equal(ok.status, 200);
      const body = JSON.parse(ok.body) as { home: string; answer: { items: { text: string }[] } };
      assert.equal(body.home, t.calmHome);
      assert.ok(body.answer.items.some((i) => i.text.includes('db:migrate')));
      const ghap = JSON.parse((await post(url, '{"kind":"ghap"}')).body) as { answer: { ghap: unknown } };
      assert.equal(ghap.answer.ghap, null);
      assert.equal((await post(url, '{"kind":"drop tables"}')).status, 400);
      assert.equal((await post(url, 'not json')).status, 400);
      assert.equal((await post(url, '{"kind":"ghap"}', 'evil.example.com')).status, 403);
    } finally {
      await server.close();
    }
  });
});
