/**
 * @module `$CALM_HOME/hook_errors.log`: a hook never shows an error to the agent, so it writes it here.
 * At 1 MiB the log moves to `hook_errors.log.1` (replacing the previous one) and a new one starts.
 * Writing the log never throws.
 */
import { appendFileSync, existsSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

export const HOOK_LOG_MAX_BYTES = 1024 * 1024;

export function logHookError(file: string, hook: string, error: unknown, maxBytes = HOOK_LOG_MAX_BYTES): void {
  try {
    if (!existsSync(dirname(file))) return; // no calm home: nowhere to write, and nothing to create
    try {
      if (statSync(file).size >= maxBytes) renameSync(file, `${file}.1`);
    } catch {
      // no log yet
    }
    const e = error instanceof Error ? error : new Error(String(error));
    const detail = e.stack && e.stack !== e.message ? `\n${e.stack}` : '';
    appendFileSync(file, `[${new Date().toISOString()}] hook=${hook} ${e.name}: ${e.message}${detail}\n\n`, { mode: 0o600 });
  } catch {
    // the log is best effort: a hook must still exit 0
  }
}
