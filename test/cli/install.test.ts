/**
 * `calm install` / `calm uninstall` through the real binary, on a temporary HOME that already holds
 * someone else's Claude Code configuration: foreign entries survive, a second install changes nothing,
 * and uninstall gives back the original files byte for byte.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { CLI, runCli, tempHome, type CliResult, type TempHome } from '../helpers/home.js';

// written the way a person or another tool might: 4-space indent, no trailing newline, odd key order
const FOREIGN_CLAUDE_JSON = JSON.stringify(
  {
    numStartups: 12,
    mcpServers: { github: { type: 'http', url: 'https://api.example.com/mcp', headers: { Authorization: 'Bearer x' } } },
    projects: { '/home/u/p': { mcpServers: { local: { command: 'x' } }, allowedTools: [] } },
    theme: 'dark',
  },
  null,
  4,
);
const FOREIGN_SETTINGS = `{
  "model": "opus",
  "permissions": { "allow": ["Bash(npm test:*)"] },
  "hooks": {
    "PreToolUse": [ { "matcher": "Bash", "hooks": [ { "type": "command", "command": "/usr/local/bin/guard.sh", "timeout": 3 } ] } ],
    "Stop": [ { "hooks": [ { "type": "command", "command": "notify-send done" } ] } ]
  }
}
`;

// what the Python CALM's install writes (indent 2, trailing newline), beside a user's own entries
const CALM_PY_CLAUDE_JSON = `${JSON.stringify({ numStartups: 3, mcpServers: { github: { type: 'http', url: 'https://api.example.com/mcp' }, calm: { type: 'http', url: 'http://127.0.0.1:6335/mcp' } } }, null, 2)}\n`;
const CALM_PY_SETTINGS = `${JSON.stringify(
  {
    hooks: {
      SessionStart: [{ matcher: 'startup', hooks: [{ type: 'command', command: 'python -m calm.hooks.session_start' }] }],
      UserPromptSubmit: [{ hooks: [{ type: 'command', command: 'python -m calm.hooks.user_prompt_submit' }, { type: 'command', command: '/usr/local/bin/log-prompt.sh' }] }],
      PreToolUse: [
        { matcher: 'Bash', hooks: [{ type: 'command', command: '/usr/local/bin/guard.sh', timeout: 3 }] },
        { matcher: '*', hooks: [{ type: 'command', command: '/home/u/clams/.venv/bin/python -m calm.hooks.pre_tool_use' }] },
      ],
      PostToolUse: [{ matcher: 'Bash(pytest:*)|Bash(npm test:*)|Bash(cargo test:*)', hooks: [{ type: 'command', command: 'python -m calm.hooks.post_tool_use' }] }],
    },
    model: 'opus',
  },
  null,
  2,
)}\n`;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type Hooks = Record<string, { matcher?: string; hooks: { type: string; command: string; timeout?: number }[] }[]>;

describe('calm install / uninstall', () => {
  let t: TempHome;
  let env: NodeJS.ProcessEnv;
  let claudeJson: string;
  let settingsJson: string;
  const cli = (...args: string[]): Promise<CliResult> => runCli(args, env);
  const read = (f: string): string => readFileSync(f, 'utf8');
  const readJson = <T = Record<string, unknown>>(f: string): T => JSON.parse(read(f)) as T;

  beforeEach(async () => {
    t = tempHome();
    env = t.env();
    mkdirSync(t.home, { recursive: true });
    claudeJson = join(t.home, '.claude.json');
    settingsJson = join(t.home, '.claude', 'settings.json');
    assert.equal((await cli('init')).code, 0);
  });
  afterEach(() => t.cleanup());

  const seedForeign = (): void => {
    writeFileSync(claudeJson, FOREIGN_CLAUDE_JSON);
    mkdirSync(join(t.home, '.claude'));
    writeFileSync(settingsJson, FOREIGN_SETTINGS);
  };

  test('registers MCP, hooks and skills beside foreign entries; twice changes nothing; uninstall restores byte for byte', async () => {
    seedForeign();
    const r = await cli('install', '--yes', '--skip-server');
    assert.equal(r.code, 0, r.stderr);

    const config = readJson<{ mcpServers: Record<string, { type: string; command: string; args: string[]; env: Record<string, string> }>; numStartups: number; projects: unknown }>(claudeJson);
    assert.deepEqual(Object.keys(config.mcpServers).sort(), ['calm', 'github']);
    assert.equal(config.numStartups, 12);
    assert.deepEqual(config.projects, JSON.parse(FOREIGN_CLAUDE_JSON).projects);
    const calm = config.mcpServers.calm!;
    assert.equal(calm.type, 'stdio');
    assert.equal(calm.command, process.execPath);
    assert.deepEqual(calm.args, [CLI, 'mcp']);
    assert.equal(calm.env.CALM_HOME, t.calmHome);

    const settings = readJson<{ model: string; permissions: unknown; hooks: Hooks }>(settingsJson);
    assert.equal(settings.model, 'opus');
    const ours = (event: string): { matcher?: string; hooks: { command: string; timeout?: number }[] } | undefined =>
      settings.hooks[event]?.find((g) => g.hooks.some((h) => h.command.includes(' hook ')));
    assert.equal(ours('SessionStart')?.matcher, 'startup|resume|clear|compact');
    assert.equal(ours('UserPromptSubmit')?.matcher, undefined);
    assert.equal(ours('PreToolUse')?.matcher, '*');
    assert.equal(ours('PostToolUse')?.matcher, 'Bash');
    assert.equal(ours('PostToolUseFailure')?.matcher, 'Bash');
    for (const event of ['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'PostToolUseFailure']) {
      const h = ours(event)!.hooks[0]!;
      assert.ok(h.command.startsWith(`${process.execPath} ${CLI} hook `), h.command);
      assert.ok(typeof h.timeout === 'number' && h.timeout > 0 && h.timeout <= 10);
    }
    // the foreign hooks are still there, untouched
    assert.deepEqual(settings.hooks.PreToolUse![0], JSON.parse(FOREIGN_SETTINGS).hooks.PreToolUse[0]);
    assert.deepEqual(settings.hooks.Stop, JSON.parse(FOREIGN_SETTINGS).hooks.Stop);

    for (const name of ['orchestrate', 'reflection', 'wrapup']) {
      const link = join(t.home, '.claude', 'skills', name, 'SKILL.md');
      assert.ok(lstatSync(link).isSymbolicLink());
      assert.equal(readlinkSync(link), join(t.calmHome, 'skills', name, 'SKILL.md'));
      assert.match(read(link), new RegExp(`name: ${name}`));
    }
    const backups = readdirSync(join(t.calmHome, 'install', 'backups'));
    assert.equal(backups.length, 2);

    const afterFirst = [read(claudeJson), read(settingsJson)];
    const again = await cli('install', '--yes', '--skip-server');
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /\[unchanged\] mcp/);
    assert.match(again.stdout, /\[unchanged\] hooks/);
    assert.deepEqual([read(claudeJson), read(settingsJson)], afterFirst);
    assert.equal(readdirSync(join(t.calmHome, 'install', 'backups')).length, 2, 'no new backup when nothing changed');

    const un = await cli('uninstall', '--yes');
    assert.equal(un.code, 0, un.stderr);
    assert.equal(read(claudeJson), FOREIGN_CLAUDE_JSON);
    assert.equal(read(settingsJson), FOREIGN_SETTINGS);
    assert.ok(!existsSync(join(t.home, '.claude', 'skills')), 'the skills folder calm created is gone');
    assert.deepEqual(readdirSync(join(t.home, '.claude')), ['settings.json']);
    assert.ok(existsSync(t.calmHome), 'calm data stays without --remove-data');
  });

  test('on a HOME without Claude Code files, uninstall removes every file and folder install created', async () => {
    const r = await cli('install', '--yes', '--skip-server');
    assert.equal(r.code, 0, r.stderr);
    assert.ok(existsSync(claudeJson) && existsSync(settingsJson));
    assert.equal((await cli('uninstall', '--yes')).code, 0);
    assert.deepEqual(readdirSync(t.home), []);
  });

  test('a registered hook command runs as written (through a shell), and answers Claude Code', async () => {
    assert.equal((await cli('install', '--yes', '--skip-server', '--skip-mcp')).code, 0);
    const settings = readJson<{ hooks: Hooks }>(settingsJson);
    const command = settings.hooks.SessionStart![0]!.hooks[0]!.command;
    const payload = JSON.stringify({ session_id: 's', cwd: t.root, hook_event_name: 'SessionStart', source: 'startup' });
    const { CALM_HOME: _unset, ...withoutHome } = env;
    // the daemon this SessionStart starts finds its port taken and exits at once: nothing outlives the test
    const blocker = createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const port = String((blocker.address() as AddressInfo).port);
    // Claude Code does not pass CALM_HOME: the command carries it (--home)
    const r = spawnSync('/bin/sh', ['-c', command], { input: payload, env: { ...withoutHome, CALM_SERVER_PORT: port }, encoding: 'utf8' });
    await sleep(1500); // let the daemon fail before the port is released
    blocker.close();
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { hookSpecificOutput: { hookEventName: string; additionalContext: string } };
    assert.equal(out.hookSpecificOutput.hookEventName, 'SessionStart');
    assert.match(out.hookSpecificOutput.additionalContext, /calm is available/);
    assert.match(out.hookSpecificOutput.additionalContext, /starting/);
    await cli('server', 'stop');
  });

  test('invalid JSON is a clear error and no file is touched', async () => {
    writeFileSync(claudeJson, FOREIGN_CLAUDE_JSON);
    mkdirSync(join(t.home, '.claude'));
    writeFileSync(settingsJson, '{ "hooks": { ,, }');
    const r = await cli('install', '--yes', '--skip-server');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /settings\.json is not valid JSON/);
    assert.match(r.stderr, /Nothing was changed/);
    assert.equal(read(claudeJson), FOREIGN_CLAUDE_JSON);
    assert.equal(read(settingsJson), '{ "hooks": { ,, }');
    assert.ok(!existsSync(join(t.home, '.claude', 'skills')));
    assert.ok(!existsSync(join(t.calmHome, 'install', 'manifest.json')));
  });

  test('--dry-run lists the plan and changes nothing', async () => {
    seedForeign();
    const r = await cli('install', '--dry-run', '--skip-server');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /would register mcpServers\.calm/);
    assert.match(r.stdout, /No changes made/);
    assert.equal(read(claudeJson), FOREIGN_CLAUDE_JSON);
    assert.equal(read(settingsJson), FOREIGN_SETTINGS);
    assert.ok(!existsSync(join(t.home, '.claude', 'skills')));
  });

  test("the Python CALM's MCP entry and hooks are replaced without --force; uninstall puts them back byte for byte", async () => {
    writeFileSync(claudeJson, CALM_PY_CLAUDE_JSON);
    mkdirSync(join(t.home, '.claude'));
    writeFileSync(settingsJson, CALM_PY_SETTINGS);
    const plan = await cli('install', '--dry-run', '--skip-server');
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /would register mcpServers\.calm .*replacing the Python CALM's entry/);
    assert.match(plan.stdout, /would register hooks .*replacing the Python CALM's 4 hook\(s\)/);
    assert.deepEqual([read(claudeJson), read(settingsJson)], [CALM_PY_CLAUDE_JSON, CALM_PY_SETTINGS]);
    const r = await cli('install', '--yes', '--skip-server');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /replacing the Python CALM's entry/);
    assert.match(r.stdout, /replacing the Python CALM's 4 hook\(s\) \(SessionStart, UserPromptSubmit, PreToolUse, PostToolUse/);

    const config = readJson<{ mcpServers: Record<string, { type: string; command?: string; url?: string }>; numStartups: number }>(claudeJson);
    assert.equal(config.mcpServers.calm!.type, 'stdio');
    assert.equal(config.mcpServers.calm!.command, process.execPath);
    assert.deepEqual(config.mcpServers.github, { type: 'http', url: 'https://api.example.com/mcp' });
    const text = read(settingsJson);
    assert.doesNotMatch(text, /calm\.hooks/, 'no Python CALM hook is left to run beside calm');
    const settings = readJson<{ hooks: Hooks; model: string }>(settingsJson);
    assert.equal(settings.model, 'opus');
    assert.deepEqual(settings.hooks.UserPromptSubmit![0]!.hooks, [{ type: 'command', command: '/usr/local/bin/log-prompt.sh' }], "the user's handler in CALM's group stays");
    assert.equal(settings.hooks.PreToolUse![0]!.hooks[0]!.command, '/usr/local/bin/guard.sh');
    for (const event of ['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PostToolUse']) {
      assert.ok(settings.hooks[event]!.some((g) => g.hooks.some((h) => h.command.startsWith(`${process.execPath} ${CLI} hook `))), event);
    }
    // the originals are backed up before the first change
    const backups = readdirSync(join(t.calmHome, 'install', 'backups')).map((f) => read(join(t.calmHome, 'install', 'backups', f))).sort();
    assert.deepEqual(backups, [CALM_PY_CLAUDE_JSON, CALM_PY_SETTINGS].sort());

    const again = await cli('install', '--yes', '--skip-server');
    assert.match(again.stdout, /\[unchanged\] mcp/);
    assert.match(again.stdout, /\[unchanged\] hooks/);

    const un = await cli('uninstall', '--yes');
    assert.equal(un.code, 0, un.stderr);
    assert.match(un.stdout, /Python CALM's 4 hook\(s\) put back/);
    assert.equal(read(claudeJson), CALM_PY_CLAUDE_JSON);
    assert.equal(read(settingsJson), CALM_PY_SETTINGS);
  });

  test("someone else's 'calm' MCP server: refused without --force; replaced with it; put back by uninstall", async () => {
    // not the Python CALM's entry (remote host), so it is someone else's
    const theirs = `{"mcpServers":{"calm":{"type":"http","url":"https://calm.example.com/mcp"}}}\n`;
    writeFileSync(claudeJson, theirs);
    const refused = await cli('install', '--yes', '--skip-server', '--skip-hooks');
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /already registered.*--force/s);
    assert.equal(read(claudeJson), theirs);
    assert.equal((await cli('install', '--yes', '--skip-server', '--skip-hooks', '--force')).code, 0);
    assert.equal(readJson<{ mcpServers: { calm: { type: string } } }>(claudeJson).mcpServers.calm.type, 'stdio');
    assert.equal((await cli('uninstall', '--yes')).code, 0);
    assert.equal(read(claudeJson), theirs);
  });

  test('entries added by others after install survive uninstall', async () => {
    seedForeign();
    assert.equal((await cli('install', '--yes', '--skip-server')).code, 0);
    const config = readJson<{ mcpServers: Record<string, unknown> }>(claudeJson);
    config.mcpServers.later = { command: 'later-server' };
    writeFileSync(claudeJson, JSON.stringify(config));
    assert.equal((await cli('uninstall', '--yes')).code, 0);
    const expected = JSON.parse(FOREIGN_CLAUDE_JSON) as { mcpServers: Record<string, unknown> };
    expected.mcpServers.later = { command: 'later-server' };
    assert.deepEqual(readJson(claudeJson), expected);
    assert.equal(read(settingsJson), FOREIGN_SETTINGS);
  });

  test("CALM's install flags are accepted: --dev and --skip-qdrant answer with a note, -v shows the install record", async () => {
    const r = await cli('install', '--yes', '--skip-server', '--dev', '--skip-qdrant', '-v');
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /note: --dev \(CALM's development mode\) is not needed: .*bin\.js/);
    assert.match(r.stdout, /note: --skip-qdrant: nothing to skip, calm needs no Qdrant/);
    assert.ok(r.stdout.includes(`install record: ${join(t.calmHome, 'install', 'manifest.json')}`), r.stdout);
    assert.ok(existsSync(join(t.calmHome, 'install', 'manifest.json')));
    const quiet = await cli('install', '--yes', '--skip-server', '--json', '--skip-qdrant');
    const report = JSON.parse(quiet.stdout) as { notes: string[] };
    assert.equal(report.notes.length, 1);
    assert.match(report.notes[0]!, /calm needs no Qdrant/);
  });

  test('install without --yes and without a terminal refuses, changing nothing', async () => {
    const r = await cli('install', '--skip-server');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--yes/);
    assert.ok(!existsSync(claudeJson));
  });
});
