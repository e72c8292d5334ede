/**
 * The dashboard end to end: the real page (built by `npm test` into dist/dashboard) in headless Debian
 * Chromium through playwright-core, against one real daemon seeded through the CLI and an MCP client.
 * Screenshots of each view go to test-results/dashboard/; the Memories view's is copied to
 * docs/dashboard.png for the README when CALM_UPDATE_SCREENSHOT=1.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { type DashboardDaemon, SEEDED_MEMORIES, SEEDED_VALUE, type Seeded, seedDashboard, startDashboardDaemon } from '../helpers/dashboard.js';
import { json, REPO_ROOT, runCli, tempHome, type TempHome } from '../helpers/home.js';
import { call, ok } from '../helpers/mcp.js';
import { freePort } from '../helpers/net.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = join(REPO_ROOT, 'test-results', 'dashboard');
/** A host name that is not loopback to the daemon's guard; Chromium alone resolves it to 127.0.0.1. */
const FOREIGN_HOST = 'evil.example';
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium) to run the dashboard tests`;

const TITLES = { memories: 'Memories', learning: 'Learning', code: 'Code and git', tasks: 'Tasks', backups: 'Backups and health' } as const;
const { deploy: DEPLOY, tabs: TABS, wal: WAL } = SEEDED_MEMORIES;
/** Newest first, as the list shows them (seeded in this order: deploy, tabs, wal). */
const NEWEST_FIRST = [WAL.content, TABS.content, DEPLOY.content];
const ACTIVE_GOAL = 'Make the dashboard screenshot test reliable';

describe('dashboard in headless Chromium', { skip }, () => {
  let d: DashboardDaemon;
  let seeded: Seeded;
  let backupName: string;
  let browser: Browser;
  let page: Page;
  let foreign: Server | undefined;
  let foreignPort = 0;
  /** Every URL the dashboard's tab asked for, across all the tests. */
  const requested: string[] = [];

  const open = async (view: keyof typeof TITLES): Promise<void> => {
    // a fresh load each time: a hash-only change would keep the previous test's state
    await page.goto('about:blank');
    await page.goto(`${d.base}/#/${view}`);
    await page.getByRole('heading', { level: 1, name: TITLES[view] }).waitFor();
  };
  const shot = async (name: string): Promise<string> => {
    const path = join(SHOTS, `${name}.png`);
    await page.screenshot({ path, fullPage: true });
    return path;
  };
  const row = (text: string) => page.locator('article.memory', { hasText: text });
  const memoryShow = async (id: string) => json<{ importance: number; tags: string[] }>(await d.cli(['memory', 'show', id, '--json']));
  const api = async <T>(path: string): Promise<T> => (await d.request<T>('GET', path)).body;
  /** The API paths the tab asked for since `from` (an index into `requested`). */
  const pathsSince = (from: number): string[] => requested.slice(from).filter((u) => u.startsWith(`${d.base}/api/`)).map((u) => new URL(u).pathname);

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    d = await startDashboardDaemon();
    seeded = await seedDashboard(d);
    // what the shared seed leaves out: an active GHAP with an earlier iteration and a note, and a backup
    const client = await d.mcp();
    ok(await call(client, 'start_ghap', {
      domain: 'testing', strategy: 'check-assumptions', goal: ACTIVE_GOAL, hypothesis: 'Fonts load late', action: 'Use system fonts only', prediction: 'Same picture every run',
    }));
    ok(await call(client, 'update_ghap', { hypothesis: 'Fonts load late, and charts animate', note: 'animations are off already' }));
    const backup = await d.cli(['backup', 'create', '--json']);
    assert.equal(backup.code, 0, backup.stderr);
    backupName = json<{ name: string }>(backup).name;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: [`--host-resolver-rules=MAP ${FOREIGN_HOST} 127.0.0.1`] });
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.setDefaultTimeout(20_000);
    page.on('request', (r) => requested.push(r.url()));
  });

  after(async () => {
    await browser?.close();
    await new Promise((r) => (foreign ? foreign.close(r) : r(undefined)));
    await d?.stop();
  });

  test('Memories lists every seeded memory, newest first, with category, importance and tags', async () => {
    const from = requested.length;
    await open('memories');
    for (const content of NEWEST_FIRST) await row(content).waitFor();
    assert.deepEqual(await page.locator('article.memory .content').allTextContents(), NEWEST_FIRST);
    assert.match(await row(DEPLOY.content).textContent() ?? '', /workflow.*importance 0\.90.*#deploy.*#k8s/);
    const memoryPaths = pathsSince(from).filter((p) => p.startsWith('/api/memories'));
    assert.deepEqual(memoryPaths, ['/api/memories'], 'one list request carries the rows and their content, no request per row');
    const memoriesShot = await shot('memories');
    // the README's picture is refreshed on request only, so a test run leaves the checkout clean
    if (process.env.CALM_UPDATE_SCREENSHOT === '1') {
      mkdirSync(join(REPO_ROOT, 'docs'), { recursive: true });
      copyFileSync(memoriesShot, join(REPO_ROOT, 'docs', 'dashboard.png'));
    }
  });

  test('search in each mode returns the right memory first, with its score', async () => {
    await open('memories');
    for (const mode of ['semantic', 'keyword', 'hybrid']) {
      await page.getByLabel(/^Search text/).fill('blue-green releases Kubernetes');
      await page.getByRole('radio', { name: mode }).check();
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('heading', { name: `Results for “blue-green releases Kubernetes” (${mode})` }).waitFor();
      const first = page.locator('article.memory').first();
      await first.locator('.content', { hasText: DEPLOY.content }).waitFor();
      assert.match(await first.textContent() ?? '', /score \d\.\d{3}/, mode);
    }
    await shot('memories-search');
  });

  test('filters by category and by tag', async () => {
    await open('memories');
    await page.getByLabel('Category').selectOption('fact');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('1 memory', { exact: true }).waitFor();
    assert.deepEqual(await page.locator('article.memory .content').allTextContents(), [WAL.content]);

    await page.getByRole('button', { name: 'Reset' }).click();
    await page.getByLabel(/^Tags/).fill('style');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('1 memory', { exact: true }).waitFor();
    assert.deepEqual(await page.locator('article.memory .content').allTextContents(), [TABS.content]);

    await page.getByRole('button', { name: 'Reset' }).click();
    await page.getByLabel('Importance at least').fill('0.5');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('2 memories', { exact: true }).waitFor();
    assert.deepEqual(await page.locator('article.memory .content').allTextContents(), [WAL.content, DEPLOY.content]);

    // nothing was created after tomorrow
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('Created from').fill(tomorrow);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No memories match these filters.').waitFor();
  });

  test('an edit of importance and tags persists (after a reload, and through the CLI)', async () => {
    await open('memories');
    await page.getByRole('button', { name: `Edit: ${TABS.content.slice(0, 60)}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit memory' });
    await dialog.getByLabel(/^Importance/).fill('0.35');
    await dialog.getByLabel(/^Tags/).fill('style, go');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Memory saved.').waitFor();
    await page.reload();
    await row(TABS.content).waitFor();
    assert.match(await row(TABS.content).textContent() ?? '', /importance 0\.35.*#style.*#go/);
    const shown = await memoryShow(seeded.memories.tabs);
    assert.equal(shown.importance, 0.35);
    assert.deepEqual(shown.tags, ['style', 'go']);
  });

  test('a delete asks first, then the memory is gone (after a reload, and through the CLI)', async () => {
    await open('memories');
    await row(WAL.content).waitFor();
    await page.getByRole('button', { name: `Delete: ${WAL.content.slice(0, 60)}` }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete this memory?' });
    await dialog.getByText(WAL.content).waitFor();
    // by keyboard: focus starts on Cancel, Escape closes the dialog and focus returns to the row's button
    assert.equal(await page.evaluate('document.activeElement?.textContent'), 'Cancel');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await page.evaluate('document.activeElement?.getAttribute("aria-label")'), `Delete: ${WAL.content.slice(0, 60)}`);
    await page.getByRole('button', { name: `Delete: ${WAL.content.slice(0, 60)}` }).click();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await row(WAL.content).count(), 1, 'Cancel keeps it');

    await page.getByRole('button', { name: `Delete: ${WAL.content.slice(0, 60)}` }).click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('Memory deleted.').waitFor();
    assert.equal(await row(WAL.content).count(), 0);
    await page.reload();
    await row(DEPLOY.content).waitFor();
    assert.equal(await row(WAL.content).count(), 0, 'gone after a reload');
    const listed = json<{ results: { id: string }[] }>(await d.cli(['memory', 'list', '--json']));
    assert.equal(listed.results.some((m) => m.id === seeded.memories.wal), false, 'gone through the CLI');
    assert.equal(listed.results.length, NEWEST_FIRST.length - 1);
  });

  test('Learning shows the active GHAP, resolved entries with history, the cluster projection and values with evidence', async () => {
    await open('learning');
    await page.getByText(ACTIVE_GOAL).waitFor();
    await page.getByText('animations are off already').waitFor();
    await page.getByText(SEEDED_VALUE).waitFor();
    const projection = await api<{ experiences: number; clusters: unknown[]; noise_count: number }>('/api/clusters/full/projection');
    assert.ok(projection.clusters.length >= 3, 'the seed clusters');
    await page.getByRole('heading', { name: `Resolved entries (${seeded.ghapIds.length})` }).waitFor();
    await page.getByText(`${projection.experiences} experiences on the full axis: ${projection.clusters.length} cluster(s), ${projection.noise_count} noise`).waitFor();
    const canvas = page.locator('section[aria-labelledby="clusters-h"] canvas');
    assert.match(await canvas.getAttribute('aria-label') ?? '', new RegExp(`${projection.experiences} experiences on the full axis in ${projection.clusters.length} clusters`));
    const from = requested.length;
    const members = (await api<{ member_ids: string[] }>(`/api/values/${seeded.valueId}`)).member_ids.length;
    await page.getByText(`Evidence: ${members} experiences in ${seeded.valueClusterId}`).click();
    await page.locator('section[aria-labelledby="values-h"] li li').first().waitFor();
    assert.equal(await page.locator('section[aria-labelledby="values-h"] li li').count(), Math.min(members, 50));
    assert.ok((await page.locator('section[aria-labelledby="values-h"] li li').allTextContents()).every((t) => /flaky|intermittent/i.test(t)));
    assert.deepEqual(pathsSince(from), [], 'the evidence came with the values list: opening it asked for nothing');
    assert.equal(requested.some((u) => u.includes('/api/cluster-members/')), false);
    const resolved = page.locator('section[aria-labelledby="ghap-resolved-h"] details').first();
    await resolved.locator('summary').click();
    await resolved.getByText('Result').waitFor();
    await shot('learning');
  });

  test('Code and git shows indexed units per project and language, and churn with authors per file', async () => {
    const from = requested.length;
    await open('code');
    const indexed = page.locator('section[aria-labelledby="code-indexed-h"] tbody tr');
    await indexed.first().waitFor();
    const code = await api<{ indexed: { project: string; language: string; files: number; units: number }[] }>('/api/code');
    assert.deepEqual(code.indexed.map((r) => r.language).sort(), ['python', 'typescript']);
    assert.deepEqual((await indexed.allTextContents()).map((t) => t.replace(/\d{4}-\d\d-\d\d \d\d:\d\d$/, '')),
      code.indexed.map((r) => `dash-demo${r.language}${r.files}${r.units}`));
    const authors = (await api<{ authors: { author: string; commit_count: number; percentage: number }[] }>(
      `/api/git/authors?repo_path=${encodeURIComponent(seeded.repo)}&path=src/deploy.ts`)).authors;
    assert.deepEqual(authors.map((a) => a.author).sort(), ['Calm Test', 'Second Author']);
    const churn = page.locator('section[aria-labelledby="git-churn-h"] tbody tr', { hasText: 'src/deploy.ts' });
    await churn.getByText(/Second Author \(/).waitFor();
    const churnText = await churn.textContent() ?? '';
    assert.match(churnText, new RegExp(`^src/deploy\\.ts${authors.reduce((n, a) => n + a.commit_count, 0)}\\+`));
    for (const a of authors) assert.ok(churnText.includes(`${a.author} (${a.percentage}%)`), churnText);
    assert.equal(await page.locator('section[aria-labelledby="git-churn-h"] canvas').count(), 1, 'the churn chart');
    assert.equal(pathsSince(from).filter((p) => p === '/api/git/authors').length, 0, 'per-author counts come with the churn answer');
    await shot('code');
  });

  test('Tasks shows the board by phase with the gate, reviews and workers', async () => {
    await open('tasks');
    const spec = page.getByRole('region', { name: 'SPEC: 1 task(s)' });
    await spec.getByText(seeded.taskId).waitFor();
    const card = spec.locator('article.card');
    const text = await card.textContent() ?? '';
    assert.match(text, /Dashboard for calm/);
    assert.match(text, /Next gate SPEC-DESIGN.*2 spec reviews approved/);
    assert.match(text, /Reviews.*spec: approved/);
    assert.match(text, new RegExp(`Workers.*${seeded.workerId} \\(backend\\) active`));
    assert.equal(await page.getByRole('region', { name: 'DESIGN: 0 task(s)' }).count(), 1);
    await shot('tasks');
  });

  test('Backups and health: a Verify checks the checksums; status shows the embedder and counts; doctor is healthy', async () => {
    await open('backups');
    const backup = page.locator(`tr[data-backup="${backupName}"]`);
    await backup.waitFor();
    await backup.getByRole('button', { name: `Verify ${backupName}` }).click();
    await backup.getByText(/^checksums match \(\d+ files\)$/).waitFor();
    await page.getByText(`Backup ${backupName}: verified`).waitFor();
    const status = await api<{ embedder: { id: string; setting: string; source: string } }>('/api/status');
    await page.getByText(`${status.embedder.id} (${status.embedder.setting}, from ${status.embedder.source})`).waitFor();
    assert.match(await page.locator('section[aria-labelledby="status-h"] tr', { hasText: 'ghap_full' }).textContent() ?? '', new RegExp(`^ghap_full${seeded.ghapIds.length}`));
    await page.getByText('Healthy: every check passed.').waitFor();
    await page.getByText(/^\d+ checks passed$/).click();
    await page.getByText('sqlite integrity').waitFor();
    await shot('backups');
  });

  test('create a backup, then restore one after typing its name: the safety backup is named, the deleted memory is back', async () => {
    await open('backups');
    await page.getByLabel('New backup name (optional)').fill('from-the-dashboard');
    await page.getByRole('button', { name: 'Create backup' }).click();
    await page.getByText('Created backup from-the-dashboard.').waitFor();
    await page.locator('tr[data-backup="from-the-dashboard"]').waitFor();

    await page.getByRole('button', { name: `Restore ${backupName}` }).click();
    const dialog = page.getByRole('dialog', { name: `Restore backup ${backupName}?` });
    const restore = dialog.getByRole('button', { name: 'Restore' });
    assert.equal(await restore.isDisabled(), true, 'nothing to confirm yet');
    await dialog.getByLabel(/Type the backup's name/).fill(backupName);
    await restore.click();
    const notice = page.getByText(`Restored ${backupName}`);
    await notice.waitFor();
    const safety = /kept as backup (\S+)\./.exec(await notice.textContent() ?? '')?.[1];
    assert.ok(safety, await notice.textContent() ?? '');
    const names = json<{ backups?: { name: string }[] } | { name: string }[]>(await d.cli(['backup', 'list', '--json']));
    const list = Array.isArray(names) ? names : names.backups ?? [];
    assert.ok(list.some((b) => b.name === safety), `the safety backup ${safety} is listed`);
    assert.equal((await d.cli(['memory', 'show', seeded.memories.wal, '--json'])).code, 0, 'the memory deleted above is back');
  });

  /** What a page at `origin` can do to the daemon: each attempt either reads an answer or is refused. */
  const attemptFrom = async (origin: string): Promise<Record<string, string>> => {
    if (!foreign) {
      foreignPort = await freePort();
      foreign = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<!doctype html><title>elsewhere</title><p>another site</p>');
      });
      await new Promise<void>((r) => foreign!.listen(foreignPort, '127.0.0.1', r));
    }
    const other = await browser.newPage();
    try {
      await other.goto(`${origin.replace('PORT', String(foreignPort))}/`);
      // as source text: the test's own transpiler would add helpers the page does not have
      return await other.evaluate(`(async () => {
        const attempt = async (url, init) => {
          try {
            const r = await fetch(url, init);
            return 'read ' + r.status + ': ' + (await r.text()).slice(0, 80);
          } catch {
            return 'refused';
          }
        };
        return {
          list: await attempt('${d.base}/api/memories'),
          remove: await attempt('${d.base}/api/memories/${seeded.memories.deploy}', { method: 'DELETE' }),
          // "simple" requests need no preflight: the daemon itself must turn them away
          create: await attempt('${d.base}/api/backups', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"name":"evil"}' }),
          createEmpty: await attempt('${d.base}/api/backups', { method: 'POST' }),
        };
      })()`);
    } finally {
      await other.close();
    }
  };
  const counts = async () => ({
    memories: json<{ results: unknown[] }>(await d.cli(['memory', 'list', '--json'])).results.length,
    backups: ((await (await fetch(`${d.base}/api/backups`)).json()) as { backups: unknown[] }).backups.length,
  });
  const REFUSED = { list: 'refused', remove: 'refused', create: 'refused', createEmpty: 'refused' };

  test('a page from a foreign host cannot use the API, and changes nothing', async () => {
    const before = await counts();
    assert.deepEqual(await attemptFrom(`http://${FOREIGN_HOST}:PORT`), REFUSED);
    assert.deepEqual(await counts(), before, 'nothing deleted or created');
    // the daemon's own answer to a foreign Origin, as a non-browser client sees it
    const res = await fetch(`${d.base}/api/memories`, { headers: { origin: `http://${FOREIGN_HOST}` } });
    assert.equal(res.status, 403);
  });

  // a bodyless POST needs no CORS preflight: the daemon itself must refuse any Origin but its own on /api
  test('a page on another loopback port cannot use the API, and changes nothing', async () => {
    const before = await counts();
    assert.deepEqual(await attemptFrom('http://127.0.0.1:PORT'), REFUSED);
    assert.deepEqual(await counts(), before, 'nothing deleted or created');
  });

  test('a long list is fetched a page at a time as it scrolls, and only the rows in view are drawn', async () => {
    const before = (await counts()).memories;
    const client = await d.mcp();
    const EXTRA = 250;
    for (let i = 0; i < EXTRA; i += 25) {
      await Promise.all(Array.from({ length: 25 }, (_, j) =>
        call(client, 'store_memory', { content: `Bulk memory number ${i + j} about paging`, category: 'context', allow_duplicate: true }).then(ok)));
    }
    const asked: string[] = [];
    const onRequest = (r: { url(): string }) => {
      const url = new URL(r.url());
      if (url.pathname === '/api/memories') asked.push(url.searchParams.has('cursor') ? 'cursor' : `offset ${url.searchParams.get('offset')}`);
    };
    page.on('request', onRequest);
    await open('memories');
    await page.getByText(`${before + EXTRA} memories`, { exact: true }).waitFor();
    const drawn = await page.locator('article.memory').count();
    assert.ok(drawn > 0 && drawn < 40, `${drawn} rows drawn of ${before + EXTRA}`);
    assert.deepEqual(asked, ['offset 0']);
    // scrolling on into the second page continues after the first page's last row (keyset, no offset)
    const second = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/memories');
    await page.locator('.vlist').evaluate((el: { scrollTop: number; scrollHeight: number }) => {
      el.scrollTop = el.scrollHeight * 0.45;
    });
    await second;
    await page.waitForFunction("![...document.querySelectorAll('.memory.muted')].some((e) => e.textContent === 'Loading…')");
    assert.deepEqual(asked, ['offset 0', 'cursor'], `pages asked: ${asked.join(', ')}`);
    await page.locator('.vlist').evaluate((el: { scrollTop: number; scrollHeight: number }) => {
      el.scrollTop = el.scrollHeight;
    });
    // the oldest memory is the last row, on the third page, reached from the second page's cursor
    await row(DEPLOY.content).waitFor();
    assert.deepEqual(asked, ['offset 0', 'cursor', 'cursor'], `pages asked: ${asked.join(', ')}`);
    assert.ok(await page.locator('article.memory').count() < 40);
    page.off('request', onRequest);
  });

  test('keyboard: Tab reaches the skip link, then the navigation, with a visible focus; Enter follows a link', async () => {
    await open('memories');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement?.textContent'), 'Skip to content');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement?.textContent'), 'Memories');
    assert.notEqual(await page.evaluate('getComputedStyle(document.activeElement).outlineStyle'), 'none', 'focus is visible');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate('document.activeElement?.textContent'), 'Learning');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Learning' }).waitFor();
    assert.equal(new URL(page.url()).hash, '#/learning');
  });

  test('a failing API call is shown as a readable message, not a blank page', async () => {
    await page.route('**/api/doctor', (route) => route.abort());
    await page.route('**/api/status', (route) =>
      route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ error: { type: 'internal_error', message: 'The disk is full' } }) }));
    await open('backups');
    await page.getByRole('alert').filter({ hasText: 'The disk is full' }).waitFor();
    await page.getByRole('alert').filter({ hasText: 'The calm server does not answer' }).waitFor();
    await page.locator(`tr[data-backup="${backupName}"]`).waitFor();
    await page.unrouteAll();
  });

  test('every view fits a 400 px wide window without sideways scrolling', async () => {
    await page.setViewportSize({ width: 400, height: 800 });
    for (const view of Object.keys(TITLES) as (keyof typeof TITLES)[]) {
      await open(view);
      await page.waitForLoadState('networkidle');
      const width = await page.evaluate<number>('document.documentElement.scrollWidth');
      assert.ok(width <= 400, `${view} is ${width} px wide`);
      if (view === 'memories') await shot('memories-narrow');
    }
    await page.setViewportSize({ width: 1200, height: 900 });
  });

  test('across every view and action, the page fetched nothing but from the daemon (it works offline)', () => {
    assert.ok(requested.length > 50, `${requested.length} requests`);
    const elsewhere = requested.filter((u) => u !== 'about:blank' && !u.startsWith(`${d.base}/`));
    assert.deepEqual(elsewhere, []);
  });
});

describe('dashboard behind a bearer token', { skip }, () => {
  let t: TempHome;
  let env: NodeJS.ProcessEnv;
  let browser: Browser;

  before(async () => {
    t = tempHome();
    env = t.env({ CALM_SERVER_PORT: String(await freePort()), CALM_AUTH_TOKEN: 'dashboard-test-token-0123456789' });
    const init = await runCli(['init'], env);
    assert.equal(init.code, 0, init.stderr);
    browser = await chromium.launch({ executablePath: CHROMIUM });
  });
  after(async () => {
    await browser?.close();
    await runCli(['server', 'stop'], env).catch(() => undefined);
    t.cleanup();
  });

  test('without the token the page says how to get in; the link `calm dashboard` prints works, and drops the token from the address', async () => {
    const opened = await runCli(['dashboard', '--json'], env);
    assert.equal(opened.code, 0, opened.stderr);
    const { url } = json<{ url: string }>(opened);
    assert.match(url, /#token=dashboard-test-token-0123456789$/);
    const base = url.replace(/\/#token=.*$/, '');
    const page = await browser.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(`${base}/#/memories`);
    await page.getByRole('alert').filter({ hasText: 'The calm server needs an access token. Open the dashboard with `calm dashboard`' }).first().waitFor();

    await page.goto('about:blank');
    await page.goto(url);
    await page.getByText('No memories match these filters.').waitFor();
    assert.equal(new URL(page.url()).hash, '#/memories', 'the token left the address bar');
    await page.reload();
    await page.getByText('No memories match these filters.').waitFor();
    assert.equal(await page.getByRole('alert').count(), 0);
    await page.close();
  });
});
