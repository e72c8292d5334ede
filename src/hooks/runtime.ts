/**
 * @module One hook run: the daemon first, the database as the fallback, and the process wrapper that
 * reads stdin, enforces the hard time limit, prints, logs errors and always exits 0.
 *
 * Asking the daemon keeps the hook light: no database, no model, no zod in the hook process. When the
 * daemon is not running or does not answer in time, the hook opens the database itself; with a neural
 * embedder it then searches by keyword only, since loading a model would take longer than a hook may.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from '../app.js';
import type { HookAnswer, HookContextService, HookQuery } from '../services/hooks/hook-context.js';
import { askDaemon, daemonState, type DaemonState } from './daemon-client.js';
import { logHookError } from './error-log.js';
import { type HookPayload, normalizePayload, parsePayload, readStdin } from './input.js';
import { contextOutput, type HookEventName } from './output.js';
import { CalmHomeNotAdopted, hookHome, hookSettings, type HookSettings } from './settings.js';

export interface HookResult {
  /** The text to inject into the model's context; undefined for nothing. */
  readonly context?: string | undefined;
}

export interface HookHandler {
  /** The Claude Code event this handler answers by default. */
  readonly event: HookEventName;
  /** The hook's hard limit: past it the hook exits 0 without output and logs the overrun. */
  readonly limitMs: number;
  run(payload: HookPayload, ctx: HookContext): Promise<HookResult>;
}

export type Via = 'daemon' | 'database';

/** What a handler may use: settings, the daemon-or-database query, the daemon's state. */
export class HookContext {
  private local: Promise<{ app: App; service: HookContextService }> | undefined;
  private state: DaemonState | undefined;
  /** Set when the daemon did not answer, so later queries in this run go straight to the database. */
  private daemonFailed = false;

  constructor(readonly settings: HookSettings) {}

  get initialized(): boolean {
    return existsSync(this.settings.database);
  }

  daemon(): DaemonState {
    this.state ??= daemonState(this.settings);
    return this.state;
  }

  async query<T extends HookAnswer>(q: HookQuery, daemonTimeoutMs: number): Promise<{ answer: T; via: Via }> {
    if (!this.daemonFailed && this.daemon() === 'running') {
      const reply = (await askDaemon(this.settings, '/hooks/query', q, daemonTimeoutMs)) as { home?: unknown; answer?: unknown } | undefined;
      // a daemon of another CALM_HOME on the same port would answer about other data
      if (reply && reply.home === this.settings.home && reply.answer !== undefined) return { answer: reply.answer as T, via: 'daemon' };
      this.daemonFailed = true;
    }
    const { service } = await this.openLocal();
    const local: HookQuery = q.kind === 'prompt' ? { ...q, mode: q.mode ?? this.localPromptMode() } : q;
    return { answer: (await service.answer(local)) as T, via: 'database' };
  }

  /** Whether the last daemon request failed (not answered in time, or not ours). */
  get daemonUnresponsive(): boolean {
    return this.daemonFailed;
  }

  /** Semantic with the built-in embedder (no weights, instant); keyword with a neural model. */
  localPromptMode(): 'semantic' | 'keyword' {
    return this.settings.embedder.trim().toLowerCase() === 'hash' ? 'semantic' : 'keyword';
  }

  private openLocal(): Promise<{ app: App; service: HookContextService }> {
    this.local ??= (async () => {
      const [{ createApp }, { HookContextService }] = await Promise.all([import('../app.js'), import('../services/hooks/hook-context.js')]);
      const app = createApp(this.settings.config, { requireInitialized: true });
      return { app, service: new HookContextService(app) };
    })();
    return this.local;
  }

  async close(): Promise<void> {
    if (!this.local) return;
    const local = await this.local.catch(() => undefined);
    await local?.app.close();
  }
}

/** The event name to answer with: the payload's when it is one this handler serves (PostToolUseFailure). */
function outputEvent(handler: HookHandler, payload: HookPayload): HookEventName {
  if (handler.event === 'PostToolUse' && payload.hook_event_name === 'PostToolUseFailure') return 'PostToolUseFailure';
  return handler.event;
}

/** Runs a handler on a payload in this process: the hook's whole logic without the process around it. */
export async function runHandler(handler: HookHandler, rawInput: string, settings: HookSettings): Promise<string | undefined> {
  const payload = normalizePayload(parsePayload(rawInput));
  if (!payload) return undefined; // not a Claude Code payload: silent
  const ctx = new HookContext(settings);
  try {
    const result = await handler.run(payload, ctx);
    return result.context ? contextOutput(outputEvent(handler, payload), result.context) : undefined;
  } finally {
    await ctx.close();
  }
}

export interface HookProcessOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly home?: string | undefined;
}

/** `calm hook <event>` as a process: never throws, never blocks, always exits 0. */
export async function runHookProcess(handler: HookHandler, options: HookProcessOptions): Promise<never> {
  let errorLog: string | undefined;
  const exit = (): never => process.exit(0);
  const limit = setTimeout(() => {
    if (errorLog) logHookError(errorLog, handler.event, new Error(`timed out after ${handler.limitMs} ms; no context was given`));
    exit();
  }, handler.limitMs);
  try {
    const input = await readStdin();
    const settings = await hookSettings(options.env, options.home);
    errorLog = settings.hookErrorLog;
    const out = await runHandler(handler, input, settings);
    clearTimeout(limit);
    if (out) await new Promise<void>((resolve) => process.stdout.write(out, () => resolve()));
  } catch (e) {
    clearTimeout(limit);
    if (e instanceof CalmHomeNotAdopted) {
      process.stderr.write(`calm hook: ${e.message}\n`);
      return exit();
    }
    logHookError(errorLog ?? join(hookHome(options.env, options.home), 'hook_errors.log'), handler.event, e);
  }
  return exit();
}
