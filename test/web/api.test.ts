/**
 * The dashboard's JSON API against a real daemon (`calm server start`, a bearer token configured) with
 * data seeded through the real CLI and MCP: every route's shape, search in each mode, filters, paging,
 * edit and delete, learning (clusters and their 2-D projection), code and git, the task board, backups
 * (create, verify, restore with its safety backup), and the guards: Host, Origin, token, 404/405/400/415.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type DashboardDaemon, SEEDED_MEMORIES, SEEDED_VALUE, type Seeded, seedDashboard, startDashboardDaemon } from '../helpers/dashboard.js';
import { call, ok } from '../helpers/mcp.js';

const TOKEN = 'dashboard-test-token-0123456789';
const FILLER = 25;

interface Summary { id: string; category: string; importance: number; tags: string[]; created_at: string; content?: string; truncated?: boolean }
interface Page { results: Summary[]; count: number; total?: number; next_cursor?: string }
interface Hits { results: (Summary & { content: string; score: number })[]; count: number }
interface Envelope { error: { type: string; message: string } }

/** calm's error envelope, exactly: a type and a message, no stack. */
function assertEnvelope(r: { status: number; text: string; body: unknown }, status: number, type: string, message?: RegExp): void {
  assert.equal(r.status, status, r.text);
  const body = r.body as Envelope;
  assert.deepEqual(Object.keys(body), ['error'], r.text);
  assert.deepEqual(Object.keys(body.error), ['type', 'message']);
  assert.equal(body.error.type, type);
  if (message) assert.match(body.error.message, message);
  assert.doesNotMatch(r.text, /\n\s+at |\.ts:\d+|\.js:\d+/, 'no stack trace');
}

describe('dashboard API on a real daemon', () => {
  let d: DashboardDaemon;
  let seeded: Seeded;

  before(async () => {
    d = await startDashboardDaemon({ token: TOKEN });
    seeded = await seedDashboard(d, { filler: FILLER });
  });
  after(async () => {
    await d?.stop();
  });

  test('status: version, this pid, the embedder, collection and table counts; doctor: its checks', async () => {
    const r = await d.request<Record<string, unknown>>('GET', '/api/status');
    assert.equal(r.status, 200, r.text);
    assert.match(String(r.headers['content-type']), /^application\/json/);
    assert.equal(r.headers['cache-control'], 'no-store');
    assert.match(String(r.body.version), /^\d+\.\d+\.\d+/);
    assert.equal(typeof r.body.pid, 'number');
    assert.equal((r.body.embedder as { id: string }).id, 'hash-v1');
    const collections = r.body.collections as { name: string; count: number }[];
    assert.equal(collections.find((c) => c.name === 'memories')?.count, 3 + FILLER);
    assert.equal((r.body.tables as Record<string, number>).tasks, 1);

    const doctor = await d.request<{ healthy: boolean; checks: { name: string; status: string; detail: string }[] }>('GET', '/api/doctor');
    assert.equal(doctor.status, 200, doctor.text);
    assert.equal(doctor.body.healthy, true, doctor.text);
    assert.ok(doctor.body.checks.some((c) => c.name === 'sqlite integrity' && c.status === 'ok'));
  });

  test('list: newest first with each content, paged with limit/offset; total only when asked', async () => {
    const first = await d.request<Page>('GET', '/api/memories?limit=10');
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body.count, 10);
    assert.equal('total' in first.body, false, 'no count of every match unless total=1');
    assert.equal(first.body.results[0]!.id, seeded.filler.at(-1), 'newest first');
    assert.deepEqual(Object.keys(first.body.results[0]!).sort(), ['category', 'content', 'created_at', 'id', 'importance', 'tags']);
    const shown = await d.request<Summary>('GET', `/api/memories/${first.body.results[0]!.id}`);
    assert.equal(first.body.results[0]!.content, shown.body.content, 'a short content comes whole, not truncated');

    const all: string[] = [];
    for (let offset = 0; ; offset += 10) {
      const page = await d.request<Page>('GET', `/api/memories?limit=10&offset=${offset}&total=1`);
      assert.equal(page.body.total, 3 + FILLER);
      all.push(...page.body.results.map((m) => m.id));
      if (page.body.count < 10) break;
    }
    assert.equal(all.length, 3 + FILLER);
    assert.equal(new Set(all).size, all.length, 'pages do not overlap');
    assert.deepEqual(all.slice(-3), [seeded.memories.wal, seeded.memories.tabs, seeded.memories.deploy]);

    assertEnvelope(await d.request('GET', '/api/memories?limit=0'), 400, 'validation_error');
    assertEnvelope(await d.request('GET', '/api/memories?limit=ten'), 400, 'validation_error', /^limit must be a number/);
    assertEnvelope(await d.request('GET', '/api/memories?total=maybe'), 400, 'validation_error', /^total must be true or false/);
  });

  test('list: a long content comes as its first 300 characters with truncated: true; list_memories stays metadata only', async () => {
    const client = await d.mcp();
    const long = `Release checklist: ${'run the migrations, tag the build, announce it; '.repeat(12)}done.`;
    assert.ok(long.length > 300);
    const { id } = ok<{ id: string }>(await call(client, 'store_memory', { content: long, category: 'workflow' }));
    try {
      const top = (await d.request<Page>('GET', '/api/memories?limit=1')).body.results[0]!;
      assert.equal(top.id, id);
      assert.equal(top.content, long.slice(0, 300));
      assert.equal(top.truncated, true);
      assert.equal((await d.request<Summary>('GET', `/api/memories/${id}`)).body.content, long, 'show gives it whole');
      const tool = ok<Page>(await call(client, 'list_memories', { limit: 2 }));
      assert.equal(tool.results[0]!.id, id);
      for (const m of tool.results) assert.deepEqual(Object.keys(m).filter((k) => k === 'content' || k === 'truncated'), [], 'metadata only, as CALM');
    } finally {
      assert.deepEqual((await d.request('DELETE', `/api/memories/${id}`)).body, { deleted: true });
    }
  });

  test('list by cursor: the same memories in the same order as by offset, filters kept; a bad or mixed cursor is refused', async () => {
    const walk = async (filter: string): Promise<string[]> => {
      const ids: string[] = [];
      let cursor: string | undefined;
      for (let pages = 0; pages < 20; pages++) {
        const r = await d.request<Page>('GET', `/api/memories?limit=7${filter}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        assert.equal(r.status, 200, r.text);
        ids.push(...r.body.results.map((m) => m.id));
        if (!r.body.next_cursor) return ids;
        assert.equal(r.body.count, 7, 'a page with a next_cursor is full');
        cursor = r.body.next_cursor;
      }
      throw new Error('the cursor never ended');
    };
    const byOffset = (await d.request<Page>('GET', '/api/memories?limit=200')).body.results.map((m) => m.id);
    assert.deepEqual(await walk(''), byOffset);
    const sqliteOrK8s = (await d.request<Page>('GET', '/api/memories?limit=200&tags=sqlite,k8s')).body.results.map((m) => m.id);
    assert.deepEqual(await walk('&tags=sqlite,k8s'), sqliteOrK8s);

    const cursor = (await d.request<Page>('GET', '/api/memories?limit=5')).body.next_cursor!;
    const second = await d.request<Page>('GET', `/api/memories?limit=5&cursor=${cursor}&total=1`);
    assert.equal(second.body.total, 3 + FILLER, 'a cursor page can carry the total too');
    assertEnvelope(await d.request('GET', `/api/memories?limit=5&cursor=${cursor}&offset=5`), 400, 'validation_error', /either an offset or a cursor/);
    assertEnvelope(await d.request('GET', `/api/memories?limit=5&cursor=${cursor}&category=fact`), 400, 'validation_error', /^Invalid cursor/);
    assertEnvelope(await d.request('GET', '/api/memories?cursor=not-a-cursor'), 400, 'validation_error', /^Invalid cursor/);
  });

  test('list filters: category, tags (any of), min_importance, since, until', async () => {
    const ids = async (q: string): Promise<string[]> => {
      const r = await d.request<Page>('GET', `/api/memories?limit=200&${q}`);
      assert.equal(r.status, 200, r.text);
      return r.body.results.map((m) => m.id);
    };
    assert.deepEqual(await ids('category=preference'), [seeded.memories.tabs]);
    assert.deepEqual(await ids('tags=sqlite,k8s'), [seeded.memories.wal, seeded.memories.deploy]);
    assert.deepEqual(await ids('min_importance=0.5'), [seeded.memories.wal, seeded.memories.deploy]);
    assert.deepEqual(await ids('tags=filler&min_importance=0.5'), []);
    const deploy = (await d.request<Summary>('GET', `/api/memories/${seeded.memories.deploy}`)).body;
    const wal = (await d.request<Summary>('GET', `/api/memories/${seeded.memories.wal}`)).body;
    assert.deepEqual(await ids(`since=${encodeURIComponent(wal.created_at)}&tags=sqlite,k8s,style`), [seeded.memories.wal]);
    assert.deepEqual(await ids(`until=${encodeURIComponent(deploy.created_at)}`), [seeded.memories.deploy]);
    assert.deepEqual(await ids('until=2000-01-01'), []);
    assertEnvelope(await d.request('GET', '/api/memories?category=nonsense'), 400, 'validation_error', /category/i);
    assertEnvelope(await d.request('GET', '/api/memories?since=yesterday'), 400, 'validation_error', /since/);
  });

  test('search in each mode finds the right memory first, with its content and a score', async () => {
    for (const mode of ['semantic', 'keyword', 'hybrid']) {
      for (const [key, query] of [['deploy', 'blue-green Kubernetes deploy pipeline'], ['wal', 'SQLite WAL readers writer']] as const) {
        const r = await d.request<Hits>('GET', `/api/memories/search?query=${encodeURIComponent(query)}&mode=${mode}&limit=5`);
        assert.equal(r.status, 200, r.text);
        const top = r.body.results[0]!;
        assert.equal(top.id, seeded.memories[key], `${mode}: ${query} → ${JSON.stringify(r.body.results.map((m) => m.content))}`);
        assert.equal(top.content, SEEDED_MEMORIES[key].content);
        assert.equal(typeof top.score, 'number');
        assert.ok(top.score > 0, `${mode} score ${top.score}`);
        const scores = r.body.results.map((m) => m.score);
        assert.deepEqual(scores, [...scores].sort((a, b) => b - a), 'best first');
        assert.equal(r.body.count, r.body.results.length);
      }
    }
    assertEnvelope(await d.request('GET', '/api/memories/search?query=x&mode=fuzzy'), 400, 'validation_error', /mode|search/i);
    assert.deepEqual((await d.request('GET', '/api/memories/search')).body, { results: [], count: 0 }, 'no query, nothing found (as retrieve_memories)');
  });

  test('search filters: category, tags, min_importance, since, until', async () => {
    const ids = async (q: string): Promise<string[]> => {
      const r = await d.request<Hits>('GET', `/api/memories/search?query=${encodeURIComponent('deploy pipeline SQLite WAL tabs')}&mode=hybrid&limit=50&${q}`);
      assert.equal(r.status, 200, r.text);
      return r.body.results.map((m) => m.id);
    };
    assert.deepEqual(await ids('category=fact'), [seeded.memories.wal]);
    assert.deepEqual(await ids('tags=style'), [seeded.memories.tabs]);
    assert.deepEqual((await ids('min_importance=0.5')).sort(), [seeded.memories.deploy, seeded.memories.wal].sort());
    assert.deepEqual(await ids('until=2000-01-01'), []);
    const all = await ids('tags=k8s,sqlite,style');
    assert.deepEqual(all.sort(), Object.values(seeded.memories).sort());
  });

  test('show, then PATCH importance and tags through update_memory: the earlier version is in the history', async () => {
    const id = seeded.memories.tabs;
    const patched = await d.request<Record<string, unknown>>('PATCH', `/api/memories/${id}`, { body: { importance: 0.7, tags: ['style', 'go'] } });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.body.status, 'updated');
    assert.deepEqual([...(patched.body.changed as string[])].sort(), ['importance', 'tags']);
    assert.equal(patched.body.importance, 0.7);

    const shown = await d.request<Summary & { history: { importance: number; tags: string[] }[]; updated_at: string }>('GET', `/api/memories/${id}`);
    assert.equal(shown.body.content, SEEDED_MEMORIES.tabs.content);
    assert.equal(shown.body.importance, 0.7);
    assert.deepEqual(shown.body.tags, ['style', 'go']);
    assert.equal(shown.body.history.length, 1);
    assert.equal(shown.body.history[0]!.importance, 0.3);
    assert.deepEqual(shown.body.history[0]!.tags, ['style']);

    const same = await d.request<Record<string, unknown>>('PATCH', `/api/memories/${id}`, { body: { importance: 0.7 } });
    assert.equal(same.body.status, 'unchanged');
    // the same rules as the MCP tool and the CLI
    assertEnvelope(await d.request('PATCH', `/api/memories/${id}`, { body: { importance: 2 } }), 400, 'validation_error', /Importance 2 out of range/);
    assertEnvelope(await d.request('PATCH', `/api/memories/${id}`, { body: {} }), 400, 'validation_error', /^Nothing to update/);
    assertEnvelope(await d.request('PATCH', `/api/memories/${id}`, { body: { pinned: true } }), 400, 'validation_error', /^Unknown field\(s\): pinned/);
    assertEnvelope(await d.request('PATCH', `/api/memories/${id}`, { body: [1] }), 400, 'validation_error', /JSON object/);
    assertEnvelope(await d.request('PATCH', '/api/memories/4b0a0f6e-0c5e-4c1f-9a57-000000000000', { body: { importance: 0.2 } }), 404, 'not_found');
    assertEnvelope(await d.request('GET', '/api/memories/not-a-uuid'), 400, 'validation_error', /memory_id/);
  });

  test('delete: gone from show and list; a second delete says deleted: false', async () => {
    const id = seeded.filler[0]!;
    const del = await d.request<{ deleted: boolean }>('DELETE', `/api/memories/${id}`);
    assert.deepEqual(del.body, { deleted: true });
    assertEnvelope(await d.request('GET', `/api/memories/${id}`), 404, 'not_found');
    const page = await d.request<Page>('GET', '/api/memories?limit=200&total=1');
    assert.equal(page.body.total, 2 + FILLER);
    assert.equal(page.body.results.some((m) => m.id === id), false);
    assert.deepEqual((await d.request('DELETE', `/api/memories/${id}`)).body, { deleted: false });
  });

  test('learning: no active GHAP, resolved entries with their history, clusters, values with evidence', async () => {
    assert.deepEqual((await d.request('GET', '/api/ghap/active')).body, { active: null });
    const list = await d.request<{ results: { id: string; outcome_status: string }[]; count: number }>('GET', '/api/ghap?limit=100');
    assert.equal(list.status, 200, list.text);
    assert.equal(list.body.count, seeded.ghapIds.length);
    assert.deepEqual(new Set(list.body.results.map((e) => e.id)), new Set(seeded.ghapIds));
    const entry = await d.request<Record<string, unknown>>('GET', `/api/ghap/${seeded.ghapIds[0]}`);
    assert.equal(entry.status, 200, entry.text);
    assert.equal(entry.body.id, seeded.ghapIds[0]);
    assert.ok(Array.isArray(entry.body.history));
    assert.equal(typeof entry.body.goal, 'string');

    const clusters = await d.request<{ clusters: { cluster_id: string; label: number; size: number }[]; count: number; noise_count: number }>('GET', '/api/clusters/full');
    assert.equal(clusters.status, 200, clusters.text);
    assert.equal(clusters.body.count, 3);
    assert.ok(clusters.body.clusters.some((c) => c.cluster_id === seeded.valueClusterId));
    const members = await d.request<{ members: { id: string }[]; count: number }>('GET', `/api/cluster-members/${seeded.valueClusterId}?limit=2`);
    assert.equal(members.body.count, 2);

    type ListedValue = { id: string; text: string; cluster_id: string; member_count: number; member_ids: string[]; evidence: { id: string; text: string }[] };
    const values = await d.request<{ results: ListedValue[]; count: number }>('GET', '/api/values');
    assert.equal(values.body.count, 1);
    const value = values.body.results[0]!;
    assert.equal(value.id, seeded.valueId);
    assert.equal(value.text, SEEDED_VALUE);
    assert.equal(value.cluster_id, seeded.valueClusterId);
    const evidence = await d.request<{ member_ids: string[]; cluster_size: number; similarity: number; metrics: { threshold: number; candidate_distance: number } }>(
      'GET', `/api/values/${seeded.valueId}`,
    );
    assert.equal(evidence.status, 200, evidence.text);
    assert.equal(evidence.body.member_ids.length, evidence.body.cluster_size);
    // the list carries the same evidence, with each experience's text: opening a value needs no request
    assert.deepEqual(value.member_ids, evidence.body.member_ids);
    assert.equal(value.member_count, evidence.body.cluster_size);
    assert.deepEqual(value.evidence.map((e) => e.id), evidence.body.member_ids.slice(0, 50));
    const clusterTexts = new Map((await d.request<{ members: { id: string; text: string }[] }>('GET', `/api/cluster-members/${seeded.valueClusterId}?limit=100`))
      .body.members.map((m) => [m.id, m.text]));
    for (const e of value.evidence) assert.equal(e.text, clusterTexts.get(e.id), 'the experience as clustered');
    const tool = ok<{ results: Record<string, unknown>[] }>(await call(await d.mcp(), 'list_values', {}));
    assert.equal('evidence' in tool.results[0]!, false, 'list_values keeps its keys');
    assert.equal('member_ids' in tool.results[0]!, false);
    assert.ok(evidence.body.member_ids.every((id) => seeded.ghapIds.includes(id)), 'the evidence is the seeded experiences');
    assert.ok(evidence.body.metrics.candidate_distance <= evidence.body.metrics.threshold);
    assert.ok(evidence.body.similarity > 0);
    assertEnvelope(await d.request('GET', '/api/values/4b0a0f6e-0c5e-4c1f-9a57-000000000000'), 404, 'not_found', /^Value not found/);
    assertEnvelope(await d.request('GET', '/api/clusters/sideways'), 400, 'validation_error', /axis/i);
    assertEnvelope(await d.request('GET', '/api/ghap/no-such-entry'), 404, 'not_found');
  });

  test('projection: every clustered experience as a 2-D point with its cluster, noise as -1; too few says so', async () => {
    type Projection = {
      axis: string; enough: true; experiences: number; noise_count: number; sampled: boolean;
      clusters: { cluster_id: string; label: number; size: number }[];
      points: { id: string; x: number; y: number; label: number; cluster_id: string | null; noise: boolean; text: string }[];
    };
    const r = await d.request<Projection>('GET', '/api/clusters/full/projection');
    assert.equal(r.status, 200, r.text);
    const p = r.body;
    assert.equal(p.enough, true);
    assert.equal(p.experiences, seeded.ghapIds.length);
    assert.equal(p.points.length, seeded.ghapIds.length, 'every experience is drawn (fewer than the sampling limit)');
    assert.equal(p.sampled, false);
    assert.deepEqual(new Set(p.points.map((pt) => pt.id)), new Set(seeded.ghapIds));
    const byLabel = new Map(p.clusters.map((c) => [c.label, c]));
    for (const pt of p.points) {
      assert.ok(Number.isFinite(pt.x) && Number.isFinite(pt.y));
      if (pt.label === -1) {
        assert.equal(pt.noise, true);
        assert.equal(pt.cluster_id, null);
      } else {
        assert.equal(pt.noise, false);
        assert.equal(pt.cluster_id, byLabel.get(pt.label)?.cluster_id);
      }
    }
    for (const c of p.clusters) assert.equal(p.points.filter((pt) => pt.cluster_id === c.cluster_id).length, c.size);
    assert.equal(p.points.filter((pt) => pt.noise).length, p.noise_count);
    assert.ok(p.noise_count > 0, 'the one-off tasks are noise');
    // the points spread out: not all on one spot
    assert.ok(new Set(p.points.map((pt) => pt.x.toFixed(6))).size > 3);

    const empty = await d.request<Record<string, unknown>>('GET', '/api/clusters/surprise/projection');
    assert.equal(empty.status, 200);
    assert.deepEqual(empty.body, { axis: 'surprise', enough: false, message: 'Not enough experiences for clustering. Found 0, need at least 20.', experiences: 0 });
  });

  test('code and git: units per project and language with the last index time; churn and authors per file', async () => {
    const r = await d.request<{ indexed: Record<string, unknown>[]; totals: Record<string, unknown>; repositories: Record<string, unknown>[] }>('GET', '/api/code');
    assert.equal(r.status, 200, r.text);
    const rows = r.body.indexed.filter((x) => x.project === 'dash-demo');
    assert.deepEqual(rows.map((x) => x.language).sort(), ['python', 'typescript']);
    for (const row of rows) {
      assert.ok(Number(row.units) >= 1, JSON.stringify(row));
      assert.ok(!Number.isNaN(Date.parse(String(row.last_indexed_at))), JSON.stringify(row));
    }
    assert.ok(r.body.repositories.length >= 1, JSON.stringify(r.body.repositories));

    type Hotspot = { path: string; commit_count: number; authors: string[]; author_commits: { author: string; commit_count: number }[] };
    const churn = await d.request<{ hotspots: Hotspot[] }>('GET', `/api/git/churn?repo_path=${encodeURIComponent(seeded.repo)}&min_changes=1`);
    assert.equal(churn.status, 200, churn.text);
    const deploy = churn.body.hotspots.find((h) => h.path === 'src/deploy.ts');
    assert.ok(deploy, churn.text);
    const authors = await d.request<{ authors: { author: string; commit_count: number }[] }>(
      'GET', `/api/git/authors?repo_path=${encodeURIComponent(seeded.repo)}&path=src/deploy.ts`,
    );
    assert.equal(authors.status, 200, authors.text);
    assert.deepEqual(authors.body.authors.map((a) => a.author).sort(), ['Calm Test', 'Second Author']);
    // every commit is in the period: the churn answer's per-author counts are get_code_authors' counts
    assert.deepEqual(deploy.author_commits, authors.body.authors.map((a) => ({ author: a.author, commit_count: a.commit_count })));
    assert.equal(deploy.author_commits.reduce((n, a) => n + a.commit_count, 0), deploy.commit_count);
    assert.deepEqual(deploy.author_commits.map((a) => a.author).sort(), deploy.authors);
    for (const h of churn.body.hotspots) assert.equal(h.author_commits.reduce((n, a) => n + a.commit_count, 0), h.commit_count, h.path);
    const tool = ok<{ hotspots: Record<string, unknown>[] }>(await call(await d.mcp(), 'get_churn_hotspots', { repo_path: seeded.repo, min_changes: 1 }));
    assert.equal('author_commits' in tool.hotspots[0]!, false, 'get_churn_hotspots keeps its keys');
    assertEnvelope(await d.request('GET', '/api/git/churn'), 503, 'not_available', /not inside a git repository/);
  });

  test('tasks: projects, then the board with phases, the next gate, reviews and workers', async () => {
    const projects = await d.request<{ projects: { project_path: string; tasks: number; active_tasks: number }[] }>('GET', '/api/tasks/projects');
    assert.equal(projects.status, 200, projects.text);
    assert.equal(projects.body.projects.length, 1);
    const project = projects.body.projects[0]!;
    assert.equal(project.tasks, 1);
    assert.equal(project.active_tasks, 1);
    const board = await d.request<{ project_path: string; phases: Record<string, string[]>; tasks: Record<string, unknown>[] }>(
      'GET', `/api/tasks?project=${encodeURIComponent(project.project_path)}`,
    );
    assert.equal(board.status, 200, board.text);
    assert.deepEqual(board.body.phases.feature, ['SPEC', 'DESIGN', 'IMPLEMENT', 'CODE_REVIEW', 'TEST', 'INTEGRATE', 'VERIFY', 'DONE']);
    const task = board.body.tasks[0]!;
    assert.equal(task.id, seeded.taskId);
    assert.equal(task.phase, 'SPEC');
    assert.equal((task.next_gate as { transition: string }).transition, 'SPEC-DESIGN');
    assert.ok(((task.next_gate as { checks: unknown[] }).checks).length > 0);
    assert.deepEqual(task.gate_passes, []);
    const reviews = task.reviews as { review_type: string; result: string }[];
    assert.equal(reviews.length, 1);
    assert.equal(reviews[0]!.result, 'approved');
    assert.deepEqual((task.workers as { id: string }[]).map((w) => w.id), [seeded.workerId]);
    assertEnvelope(await d.request('GET', '/api/tasks'), 400, 'validation_error', /project is required/);
  });

  test('backups: create, list with size and checksum state, verify, restore (needs confirm, takes a safety backup)', async () => {
    const created = await d.request<{ name: string; path: string }>('POST', '/api/backups', { body: { name: 'dash-1' } });
    assert.equal(created.status, 200, created.text);
    assert.equal(created.body.name, 'dash-1');
    assertEnvelope(await d.request('POST', '/api/backups', { body: { name: 'dash-1' } }), 400, 'validation_error', /already exists/);
    assertEnvelope(await d.request('POST', '/api/backups', { body: { name: 7 } }), 400, 'validation_error', /name must be a string/);

    type Entry = { name: string; size: number; records: number; partial: boolean; last_verified: { ok: boolean; problems: number; verified_at: string } | null };
    const listed = async (): Promise<Entry> => {
      const r = await d.request<{ backups: Entry[]; max_backups: number }>('GET', '/api/backups');
      assert.equal(typeof r.body.max_backups, 'number');
      return r.body.backups.find((b) => b.name === 'dash-1')!;
    };
    const before = await listed();
    assert.ok(before.size > 0);
    assert.ok(before.records >= 2 + FILLER + seeded.ghapIds.length, `memories and experiences are in it: ${before.records}`);
    assert.equal(before.partial, false);
    assert.equal(before.last_verified, null, 'never verified yet');

    const shown = await d.request<{ name: string; size: number; manifest: { files: unknown[] } }>('GET', '/api/backups/dash-1');
    assert.equal(shown.body.size, before.size);
    assert.ok(shown.body.manifest.files.length > 0);

    const verified = await d.request<{ ok: boolean; problems: unknown[]; files: number }>('POST', '/api/backups/dash-1/verify');
    assert.equal(verified.status, 200, verified.text);
    assert.equal(verified.body.ok, true, verified.text);
    assert.deepEqual(verified.body.problems, []);
    const after = await listed();
    assert.equal(after.last_verified?.ok, true);
    assert.equal(after.last_verified?.problems, 0);

    // a memory deleted after the backup comes back with the restore
    const gone = seeded.filler[1]!;
    assert.deepEqual((await d.request('DELETE', `/api/memories/${gone}`)).body, { deleted: true });
    assertEnvelope(await d.request('POST', '/api/backups/dash-1/restore', { body: {} }), 400, 'validation_error', /confirm/);
    assertEnvelope(await d.request('POST', '/api/backups/dash-1/restore', { body: { confirm: 'other' } }), 400, 'validation_error', /confirm/);
    assertEnvelope(await d.request('POST', '/api/backups/nope/restore', { body: { confirm: 'nope' } }), 404, 'not_found');
    const restored = await d.request<{ name: string; safety_backup: string; records: number }>('POST', '/api/backups/dash-1/restore', { body: { confirm: 'dash-1' } });
    assert.equal(restored.status, 200, restored.text);
    assert.equal(restored.body.name, 'dash-1');
    assert.match(restored.body.safety_backup, /\S/);
    const safety = await d.request<{ backups: { name: string; kind: string }[] }>('GET', '/api/backups');
    assert.equal(safety.body.backups.find((b) => b.name === restored.body.safety_backup)?.kind, 'safety');
    const back = await d.request<Summary>('GET', `/api/memories/${gone}`);
    assert.equal(back.status, 200, 'the daemon reads the restored database at once');
    assertEnvelope(await d.request('POST', '/api/backups/nope/verify'), 404, 'not_found');
  });

  test('guards: foreign Origin and wrong Host refused; /api needs the token, the page does not', async () => {
    assertEnvelope(await d.request('GET', '/api/status', { headers: { origin: 'https://evil.example' } }), 403, 'forbidden', /Invalid Origin/);
    assertEnvelope(await d.request('DELETE', `/api/memories/${seeded.memories.wal}`, { headers: { origin: 'http://evil.example:80' } }), 403, 'forbidden');
    assert.equal((await d.request('GET', `/api/memories/${seeded.memories.wal}`)).status, 200, 'the refused delete changed nothing');
    assertEnvelope(await d.request('GET', '/api/status', { headers: { host: `evil.example:${d.port}` } }), 403, 'forbidden', /Invalid Host/);
    assertEnvelope(await d.request('GET', '/', { headers: { host: `rebind.example:${d.port}` } }), 403, 'forbidden', /Invalid Host/);
    const local = await d.request('GET', '/api/status', { headers: { origin: `http://localhost:${d.port}` } });
    assert.equal(local.status, 200, 'the page itself (a loopback origin) gets in');

    const missing = await d.request('GET', '/api/status', { noToken: true });
    assertEnvelope(missing, 401, 'unauthorized', /Missing bearer token/);
    assert.equal(missing.headers['www-authenticate'], 'Bearer realm="calm"');
    assertEnvelope(await d.request('GET', '/api/memories', { noToken: true, headers: { authorization: 'Bearer wrong' } }), 401, 'unauthorized', /Invalid bearer token/);
    const page = await d.request('GET', '/', { noToken: true });
    assert.ok(page.status === 200 || page.status === 503, `the page needs no token (200 built, 503 not built): ${page.status}`);
    assert.match(String(page.headers['content-security-policy']), /default-src 'self'/);
  });

  test('unknown route 404, wrong method 405 with Allow, bad JSON 400, not JSON 415: calm envelope, no stack', async () => {
    assertEnvelope(await d.request('GET', '/api/nothing-here'), 404, 'not_found', /^Not found: GET \/api\/nothing-here$/);
    assertEnvelope(await d.request('GET', '/api'), 404, 'not_found');
    const wrong = await d.request('PUT', '/api/memories');
    assertEnvelope(wrong, 405, 'validation_error', /^Method PUT not allowed on \/api\/memories$/);
    assert.equal(wrong.headers.allow, 'GET');
    assert.equal((await d.request('POST', `/api/memories/${seeded.memories.wal}`, { body: {} })).headers.allow, 'GET, PATCH, DELETE');
    assertEnvelope(await d.request('POST', '/api/backups', { raw: '{"name": ' }), 400, 'validation_error', /^Parse error: invalid JSON$/);
    assertEnvelope(
      await d.request('POST', '/api/backups', { raw: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      415, 'validation_error', /application\/json/,
    );
    assertEnvelope(await d.request('GET', '/assets/none.js', { noToken: true }), 404, 'not_found');
    assertEnvelope(await d.request('GET', '/api/memories/%E0%A4%A', {}), 404, 'not_found');
  });
});

describe('dashboard restore in the running daemon', () => {
  let d: DashboardDaemon;
  before(async () => {
    d = await startDashboardDaemon();
  });
  after(async () => {
    await d?.stop();
  });

  test('a collection the restore removed is made again on the next write (the daemon forgets what it checked)', async () => {
    // the backup holds no memories collection; the daemon then creates it and writes to it
    assert.equal((await d.request('POST', '/api/backups', { body: { name: 'empty' } })).status, 200);
    const client = await d.mcp();
    const store = (content: string): Promise<unknown> =>
      client.callTool({ name: 'store_memory', arguments: { content, category: 'fact', global: true } });
    const first = (await store('written before the restore')) as { isError?: boolean };
    assert.notEqual(first.isError, true);
    assert.equal((await d.request<Page>('GET', '/api/memories?total=1')).body.total, 1);

    const restored = await d.request<{ safety_backup: string }>('POST', '/api/backups/empty/restore', { body: { confirm: 'empty' } });
    assert.equal(restored.status, 200, restored.text);
    assert.deepEqual((await d.request<Page>('GET', '/api/memories?total=1')).body, { results: [], count: 0, total: 0 });
    const after = (await store('written after the restore')) as { isError?: boolean; content: { text: string }[] };
    assert.notEqual(after.isError, true, after.content[0]?.text);
    const page = await d.request<Page>('GET', '/api/memories?total=1');
    assert.equal(page.body.total, 1);
    const safety = await d.request<{ backups: { name: string; records: number }[] }>('GET', '/api/backups');
    assert.equal(safety.body.backups.find((b) => b.name === restored.body.safety_backup)?.records, 1, 'the safety backup holds what the restore replaced');
  });
});
