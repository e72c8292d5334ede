/**
 * @module SessionStart: starts the daemon when it is not running (without waiting for it), and tells
 * the model that calm is available, which GHAP an earlier session left unresolved, and which tasks of
 * this project (keyed by its main repository root, from the payload's `cwd`) are still open.
 *
 * Written as facts, not orders: CALM's "IMPORTANT: You MUST ask…" is the kind of text that trips
 * prompt-injection defences.
 */
import type { ActiveGhap, ProjectTasks, SessionContext } from '../services/hooks/hook-context.js';
import { spawnDaemon } from './daemon-client.js';
import { logHookError } from './error-log.js';
import { truncate } from './output.js';
import type { HookHandler } from './runtime.js';

const SESSION_MAX_CHARS = 2500;
const DAEMON_TIMEOUT_MS = 1500;
const FIELD_MAX = 200;

type ServerState = 'running' | 'starting' | 'not responding' | 'not running';

function ghapLines(ghap: ActiveGhap, freshSession: boolean): string[] {
  const field = (name: string, value: string | null): string[] => (value ? [`  ${name}: ${truncate(value, FIELD_MAX)}`] : []);
  const which = freshSession ? 'An unresolved GHAP from an earlier session is still active' : 'A GHAP is active';
  return [
    `${which} (${ghap.id}${ghap.domain ? `, ${ghap.domain}` : ''}${ghap.created_at ? `, started ${ghap.created_at}` : ''}):`,
    ...field('Goal', ghap.goal),
    ...field('Hypothesis', ghap.hypothesis),
    ...field('Prediction', ghap.prediction),
    'It stays active until resolve_ghap records its outcome; update_ghap revises it. A new GHAP cannot start while it is active.',
  ];
}

function taskLines(project: ProjectTasks): string[] {
  if (project.tasks.length === 0) return [`This project (${project.root}) has no open calm tasks.`];
  const list = project.tasks.map((t) => `  ${t.id} [${t.phase}] ${truncate(t.title, 80)}`);
  return [`This project (${project.root}) has ${project.tasks.length} open calm task(s):`, ...list, '/orchestrate resumes orchestration of these tasks.'];
}

/** `freshSession`: a new conversation (startup, clear), so an active GHAP was left by an earlier one; on resume or compact it may be this session's. */
export function formatSessionStart(server: ServerState, session: SessionContext, freshSession = true): string {
  const serverNote: Record<ServerState, string> = {
    running: 'calm server: running.',
    starting: 'calm server: starting in the background.',
    'not responding': 'calm server: running but not responding (`calm server restart` restarts it); hooks read the database directly meanwhile.',
    'not running': 'calm server: not running and could not be started (see hook_errors.log); hooks read the database directly.',
  };
  const lines = [
    'calm is available: memories, the GHAP learning loop (Goal, Hypothesis, Action, Prediction) and task orchestration, as MCP tools mcp__calm__* and the skills /orchestrate, /wrapup and /reflection.',
    serverNote[server],
  ];
  if (session.ghap) lines.push('', ...ghapLines(session.ghap, freshSession));
  if (session.project) lines.push('', ...taskLines(session.project));
  return truncate(lines.join('\n'), SESSION_MAX_CHARS);
}

export const sessionStart: HookHandler = {
  event: 'SessionStart',
  limitMs: 5000,
  async run(payload, ctx) {
    if (!ctx.initialized) {
      return { context: `calm is installed, but ${ctx.settings.home} holds no calm database yet: \`calm init\` creates it.` };
    }
    let server: ServerState = 'running';
    if (ctx.daemon() === 'stopped') {
      try {
        spawnDaemon(ctx.settings); // false: another hook started it moments ago; starting either way
        server = 'starting';
      } catch (e) {
        logHookError(ctx.settings.hookErrorLog, 'SessionStart', e);
        server = 'not running';
      }
    }
    const { answer } = await ctx.query<SessionContext>({ kind: 'session', cwd: payload.cwd }, DAEMON_TIMEOUT_MS);
    if (server === 'running' && ctx.daemonUnresponsive) server = 'not responding';
    return { context: formatSessionStart(server, answer, payload.source !== 'resume' && payload.source !== 'compact') };
  },
};
