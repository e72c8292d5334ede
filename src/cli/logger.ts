/** @module Log lines for long-running commands (the daemon, the stdio server): stderr only, stdout stays the protocol's. */
import type { CalmConfig } from '../config.js';
import type { Logger } from '../mcp/result.js';

export type LogLevel = CalmConfig['logLevel'];
const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export interface LeveledLogger {
  readonly debug: Logger;
  readonly info: Logger;
  readonly warn: Logger;
  readonly error: Logger;
}

/** Log lines on stderr, `<ISO time> <LEVEL> <message>`, below `level` dropped. stdout stays untouched. */
export function stderrLogger(level: LogLevel): LeveledLogger {
  const min = LEVELS.indexOf(level);
  const at = (l: LogLevel): Logger =>
    LEVELS.indexOf(l) < min ? () => {} : (message) => process.stderr.write(`${new Date().toISOString()} ${l.toUpperCase()} ${message}\n`);
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

