/**
 * Claude Code's hooks through the real `calm hook <event>` process, with the payloads Claude Code
 * sends (keys per the hooks reference), with the daemon down and up.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { logHookError } from '../../src/hooks/error-log.js';
import { countToolCall } from '../../src/services/hooks/tool-counter.js';
import { makeRepo } from '../helpers/git.js';
import { runCli, tempHome, type CliResult, type TempHome } from '../helpers/home.js';
import { freePort } from '../helpers/net.js';

const RELEVANT = 'Run database migrations with `npm run db:migrate` before starting the API locally';
const IRRELEVANT = 'The office coffee machine is descaled every Friday afternoon';
const PREDICTION = 'The login test passes 20 runs in a row';

interface HookJson {
  hookSpecificOutput: { hookEventName: string; additionalContext: string };
}

function context(r: CliResult, event: string): string {
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  const out = JSON.parse(r.stdout) as HookJson;
  assert.equal(out.hookSpecificOutput.hookEventName, event);
  return out.hookSpecificOutput.additionalContext;
}

function silent(r: CliResult): void {
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr, '');
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('calm hook <event>', () => {
  let t: TempHome;
  let env: NodeJS.ProcessEnv;
  let repo: string;
  const hook = (event: string, payload: unknown, extra: NodeJS.ProcessEnv = {}): Promise<CliResult> =>
    runCli(['hook', event], { ...env, ...extra }, { input: typeof payload === 'string' ? payload : JSON.stringify(payload) });
  const base = (event: string): Record<string, unknown> => ({
    session_id: 'sess-1', transcript_path: '/tmp/x.jsonl', cwd: repo, permission_mode: 'default', hook_event_name: event,
  });
  const stopDaemon = async (): Promise<void> => {
    // a daemon a hook spawned may not have written its PID file yet
    for (let i = 0; i < 100 && !existsSync(join(t.calmHome, 'server.pid')); i++) await sleep(100);
    await runCli(['server', 'stop'], env);
  };

  before(async () => {
    t = tempHome();
    env = t.env({ CALM_SERVER_PORT: String(await freePort()) });
    assert.equal((await runCli(['init'], env)).code, 0);
    repo = makeRepo(join(t.root, 'repo'), { 'README.md': '# repo\n' });
    mkdirSync(join(repo, 'src'));
    const app = t.app({ CALM_SERVER_PORT: env.CALM_SERVER_PORT! });
    try {
      await app.memory.store({ content: RELEVANT, category: 'workflow', importance: 0.8 });
      await app.memory.store({ content: IRRELEVANT, category: 'fact', importance: 0.9 });
      await app.memory.store({ content: 'Prefer small pull requests that change one concern each', category: 'preference' });
      const project = await app.orchestration.projects.detect(repo);
      app.orchestration.tasks.create(project, { id: 'SPEC-001', title: 'Add rate limiting to the API' });
      app.orchestration.tasks.create(project, { id: 'BUG-002', title: 'Login test is flaky', type: 'bug' });
      await app.ghap.start({
        domain: 'testing', strategy: 'check-assumptions', goal: 'Fix the flaky login test',
        hypothesis: 'Tests share one user account', action: 'Give each test its own user', prediction: PREDICTION,
      });
    } finally {
      await app.close();
    }
  });
  after(async () => {
    await runCli(['server', 'stop'], env);
    t.cleanup();
  });

  const prompt = (text: string): Record<string, unknown> => ({ ...base('UserPromptSubmit'), prompt: text });

  test('UserPromptSubmit with the daemon down: the relevant memory, not the irrelevant one, from the database', async () => {
    const ctx = context(await hook('user-prompt-submit', prompt('How do I run the database migrations before starting the API?')), 'UserPromptSubmit');
    assert.match(ctx, /db:migrate/);
    assert.doesNotMatch(ctx, /coffee/);
    assert.doesNotMatch(ctx, /pull requests/);
    silent(await hook('user-prompt-submit', prompt('Write a haiku about autumn leaves')));
    silent(await hook('user-prompt-submit', prompt('   ')));
  });

  test('UserPromptSubmit with the daemon up: the same answer, given by the daemon', async () => {
    const started = await runCli(['server', 'start'], { ...env, CALM_LOG_LEVEL: 'debug' });
    assert.equal(started.code, 0, started.stderr);
    try {
      const ctx = context(await hook('user-prompt-submit', prompt('How do I run the database migrations before starting the API?')), 'UserPromptSubmit');
      assert.match(ctx, /db:migrate/);
      assert.doesNotMatch(ctx, /coffee/);
      silent(await hook('user-prompt-submit', prompt('Write a haiku about autumn leaves')));
      assert.match(readFileSync(join(t.calmHome, 'server.log'), 'utf8'), /POST \/hooks\/query 200/);
    } finally {
      await runCli(['server', 'stop'], env);
    }
  });

  test('SessionStart: availability, the unresolved GHAP and this project\'s open tasks (from a subfolder); starts the daemon', async () => {
    const r = await hook('session-start', { ...base('SessionStart'), cwd: join(repo, 'src'), source: 'startup', model: 'claude-x' });
    try {
      const ctx = context(r, 'SessionStart');
      assert.match(ctx, /calm is available/);
      assert.match(ctx, /calm server: starting/);
      assert.match(ctx, /unresolved GHAP/);
      assert.match(ctx, /Tests share one user account/);
      assert.match(ctx, /SPEC-001 \[\w+\] Add rate limiting/);
      assert.match(ctx, /BUG-002/);
    } finally {
      await stopDaemon();
    }
    // another project has no tasks
    const other = context(await hook('session-start', { ...base('SessionStart'), cwd: t.root, source: 'resume' }), 'SessionStart');
    assert.match(other, /no open calm tasks/);
    await stopDaemon();
  });

  test('SessionStart on a home without a database says so, and starts nothing', async () => {
    const fresh = tempHome();
    try {
      const r = await runCli(['hook', 'session-start'], fresh.env(), { input: JSON.stringify({ ...base('SessionStart'), source: 'startup' }) });
      assert.match(context(r, 'SessionStart'), /calm init/);
      assert.ok(!existsSync(fresh.calmHome), 'the hook must not create the home');
    } finally {
      fresh.cleanup();
    }
  });

  test('PreToolUse: a check-in every 10th tool call of each session, counted per session', async () => {
    const call = (session: string): Promise<CliResult> =>
      hook('pre-tool-use', { ...base('PreToolUse'), session_id: session, tool_name: 'Bash', tool_input: { command: 'ls' }, tool_use_id: 'toolu_1' });
    for (let i = 1; i <= 5; i++) silent(await call('sess-a'));
    for (let i = 1; i <= 5; i++) silent(await call('sess-b'));
    for (let i = 6; i <= 9; i++) silent(await call('sess-a'));
    const tenth = context(await call('sess-a'), 'PreToolUse');
    assert.match(tenth, /GHAP check-in/);
    assert.match(tenth, /Tests share one user account/);
    silent(await call('sess-a')); // the count restarts
    silent(await call('sess-b')); // b is at 6
  });

  test('the tool counter restarts at every due call and keeps sessions apart', () => {
    const dir = join(t.root, 'counters');
    const seen = Array.from({ length: 7 }, () => countToolCall(dir, 'x', 3).due);
    assert.deepEqual(seen, [false, false, true, false, false, true, false]);
    assert.equal(countToolCall(dir, 'y/../../weird id', 3).count, 1);
  });

  const bash = (command: string, response: unknown, event = 'PostToolUse'): Record<string, unknown> => ({
    ...base(event), tool_name: 'Bash', tool_input: { command, description: 'Run tests' }, tool_use_id: 'toolu_2',
    ...(event === 'PostToolUse' ? { tool_response: response } : { error: response }),
  });

  test('PostToolUse: a pytest run compared with the active prediction', async () => {
    const out = { stdout: '....F\n=================== 1 failed, 4 passed in 0.31s ===================\n', stderr: '', interrupted: false, isImage: false };
    const ctx = context(await hook('post-tool-use', bash('python -m pytest -q', out)), 'PostToolUse');
    assert.match(ctx, /Tests \(pytest\): 4 passed, 1 failed\./);
    assert.match(ctx, new RegExp(PREDICTION));
    assert.match(ctx, /contradicts the prediction/);
    const green = { stdout: '.....\n5 passed in 0.2s\n', stderr: '' };
    assert.match(context(await hook('post-tool-use', bash('pytest', green)), 'PostToolUse'), /agrees with the prediction/);
  });

  test('PostToolUseFailure: a failing jest, vitest, cargo or go run (reported in `error`)', async () => {
    const cases: [string, string, RegExp][] = [
      ['npx jest', 'Tests:       2 failed, 7 passed, 9 total', /Tests \(jest\): 7 passed, 2 failed/],
      ['npx vitest run', ' Test Files  1 failed (1)\n      Tests  1 failed | 2 passed (3)', /Tests \(vitest\): 2 passed, 1 failed/],
      ['cargo test', 'test result: FAILED. 3 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out', /Tests \(cargo\): 3 passed, 1 failed/],
      ['go test ./...', 'ok  \tex.com/a\t0.01s\nFAIL\tex.com/b\t0.02s\nFAIL', /Test packages \(go\): 1 passed, 1 failed/],
    ];
    for (const [command, output, expected] of cases) {
      const ctx = context(await hook('post-tool-use', bash(command, `Exit code 1\n${output}`, 'PostToolUseFailure')), 'PostToolUseFailure');
      assert.match(ctx, expected, command);
    }
  });

  test('PostToolUse ignores commands that are not test runs, and output without a summary', async () => {
    silent(await hook('post-tool-use', bash('ls -la', { stdout: '5 passed in 0.1s', stderr: '' })));
    silent(await hook('post-tool-use', bash('npm test', { stdout: 'npm ERR! missing script: test', stderr: '' })));
  });

  test('garbage, empty, array and mistyped input: exit 0, print nothing', async () => {
    for (const event of ['session-start', 'user-prompt-submit', 'pre-tool-use', 'post-tool-use']) {
      for (const input of ['', 'not json {', '[1,2,3]', 'null', '42', '"text"']) silent(await hook(event, input));
    }
    silent(await hook('user-prompt-submit', { prompt: 42, session_id: ['x'] }));
    silent(await hook('post-tool-use', { tool_name: 'Bash', tool_input: 'pytest', tool_response: 7 }));
    silent(await hook('no-such-event', {}).then((r) => ({ ...r, stderr: '' })));
  });

  test('errors go to hook_errors.log, never to the agent', async () => {
    const configFile = join(t.calmHome, 'config.yaml');
    const original = readFileSync(configFile, 'utf8');
    writeFileSync(configFile, 'server: [unclosed\n');
    try {
      silent(await hook('user-prompt-submit', prompt('How do I run the database migrations?')));
    } finally {
      writeFileSync(configFile, original);
    }
    const log = readFileSync(join(t.calmHome, 'hook_errors.log'), 'utf8');
    assert.match(log, /hook=UserPromptSubmit CalmError: .*config\.yaml is not valid YAML/);
  });

  test('the error log rotates at its size limit', () => {
    const file = join(t.root, 'rot', 'hook_errors.log');
    mkdirSync(join(t.root, 'rot'));
    for (let i = 0; i < 5; i++) logHookError(file, 'PreToolUse', new Error(`failure ${i}`), 300);
    // each entry (with its stack) is over the limit, so every write starts a new log
    assert.match(readFileSync(file, 'utf8'), /failure 4/);
    assert.doesNotMatch(readFileSync(file, 'utf8'), /failure 3/);
    assert.match(readFileSync(`${file}.1`, 'utf8'), /failure 3/);
  });
});
