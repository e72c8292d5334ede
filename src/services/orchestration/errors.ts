/** @module How orchestration refuses a request. */
import { CalmError, type ErrorType } from '../../errors.js';

/**
 * A request the workflow refuses: unknown task, invalid phase or type, gate not passed, merge lock,
 * missing worktree. CALM reported these as one-line `Error:` messages with exit 1, and agents' prompts
 * rely on that, so the exit code stays 1 even where the envelope type is `validation_error`.
 */
export class RefusedError extends CalmError {
  constructor(type: ErrorType, message: string, options?: ErrorOptions) {
    super(type, message, options);
    this.name = 'RefusedError';
  }

  override get exitCode(): 1 | 2 {
    return 1;
  }
}

export const refused = (message: string): RefusedError => new RefusedError('validation_error', message);
export const missing = (message: string): RefusedError => new RefusedError('not_found', message);
