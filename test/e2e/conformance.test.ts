/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance 0.1.13, the newest that runs
 * on Node 20) against calm's real HTTP server: a check written by others.
 *
 * Scenarios that exercise fixture tools, prompts or resources that only the suite's reference
 * "everything" server defines (test_simple_text, test_image_content, test_reconnection, …) do not
 * apply to calm and are listed below with the reason, so a new applicable scenario is not missed.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { App } from '../../src/app.js';
import { startHttpServer } from '../../src/mcp/http.js';
import { REPO_ROOT, tempHome, type TempHome } from '../helpers/home.js';
import { freePort } from '../helpers/net.js';

const APPLICABLE = ['server-initialize', 'ping', 'tools-list', 'logging-set-level', 'tools-call-error', 'dns-rebinding-protection'];

const NOT_APPLICABLE: Record<string, string> = {
  'completion-complete': 'calm offers no prompts or resource templates, so there is nothing to complete',
  'tools-call-simple-text': 'calls the fixture tool test_simple_text',
  'tools-call-image': 'calls the fixture tool test_image_content',
  'tools-call-audio': 'calls the fixture tool test_audio_content',
  'tools-call-embedded-resource': 'calls the fixture tool test_embedded_resource',
  'tools-call-mixed-content': 'calls the fixture tool test_multiple_content_types',
  'tools-call-with-logging': 'calls the fixture tool test_tool_with_logging',
  'tools-call-with-progress': 'calls the fixture tool test_tool_with_progress',
  'tools-call-sampling': 'calls the fixture tool test_sampling',
  'tools-call-elicitation': 'calls the fixture tool test_elicitation',
  'json-schema-2020-12': 'looks for the fixture tool json_schema_2020_12_tool',
  'elicitation-sep1034-defaults': 'calls a fixture elicitation tool',
  'elicitation-sep1330-enums': 'calls a fixture elicitation tool',
  'server-sse-polling': 'calls the fixture tool test_reconnection',
  'server-sse-multiple-streams': 'needs a stateful session; calm serves stateless HTTP',
  'resources-list': 'calm exposes no resources',
  'resources-read-text': 'reads fixture resources',
  'resources-read-binary': 'reads fixture resources',
  'resources-templates-read': 'reads fixture resource templates',
  'resources-subscribe': 'subscribes to fixture resources',
  'resources-unsubscribe': 'subscribes to fixture resources',
  'prompts-list': 'calm exposes no prompts',
  'prompts-get-simple': 'gets fixture prompts',
  'prompts-get-with-args': 'gets fixture prompts',
  'prompts-get-embedded-resource': 'gets fixture prompts',
  'prompts-get-with-image': 'gets fixture prompts',
};

const CONFORMANCE = join(REPO_ROOT, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');

function conformance(args: string[], t: TempHome): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CONFORMANCE, ...args], { cwd: t.root, env: { ...t.env(), NO_COLOR: '1', FORCE_COLOR: '0' } });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('MCP conformance suite (server scenarios)', () => {
  let t: TempHome;
  let app: App;
  let server: { url: string; close(): Promise<void> };
  before(async () => {
    t = tempHome();
    app = t.app();
    server = await startHttpServer(app, { host: '127.0.0.1', port: await freePort(), log: () => {} });
  });
  after(async () => {
    await server.close();
    await app.close();
    t.cleanup();
  });

  test('every server scenario of this version is either run here or listed with its reason', async () => {
    const listed = await conformance(['list'], t);
    const server = listed.output.split('Client scenarios')[0] ?? '';
    const scenarios = [...server.matchAll(/^\s+- (\S+)$/gm)].map((m) => m[1]!);
    assert.ok(scenarios.length > 10, listed.output);
    const unaccounted = scenarios.filter((s) => !APPLICABLE.includes(s) && !(s in NOT_APPLICABLE));
    assert.deepEqual(unaccounted, []);
  });

  for (const scenario of APPLICABLE) {
    test(scenario, async () => {
      const r = await conformance(['server', '--url', server.url, '--scenario', scenario], t);
      const summary = /Passed: (\d+)\/(\d+), (\d+) failed/.exec(r.output);
      assert.ok(summary, r.output);
      assert.equal(summary[3], '0', r.output);
      assert.equal(summary[1], summary[2], r.output);
      assert.ok(Number(summary[2]) > 0, r.output);
    });
  }
});
