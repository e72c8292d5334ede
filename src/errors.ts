/** @module One error family for every surface: MCP envelopes, CLI exit codes and messages. */

export type ErrorType =
  | 'validation_error'
  | 'not_found'
  | 'active_ghap_exists'
  | 'not_available'
  | 'embedder_mismatch'
  | 'config_error'
  | 'storage_error'
  | 'internal_error';

export class CalmError extends Error {
  constructor(
    readonly type: ErrorType,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'CalmError';
  }

  /** 2 for input the user can correct by re-typing, 1 for everything else. */
  get exitCode(): 1 | 2 {
    return this.type === 'validation_error' ? 2 : 1;
  }

  toEnvelope(): { error: { type: ErrorType; message: string } } {
    return { error: { type: this.type, message: this.message } };
  }
}

export const validationError = (message: string): CalmError => new CalmError('validation_error', message);
export const notFound = (message: string): CalmError => new CalmError('not_found', message);

/** Anything that is not a CalmError is a defect: the user sees a generic message, the cause stays attached for the log. */
export function asCalmError(e: unknown): CalmError {
  if (e instanceof CalmError) return e;
  return new CalmError('internal_error', 'Internal server error', { cause: e });
}

export function describeCause(e: unknown): string {
  if (e instanceof Error) return e.stack ?? `${e.name}: ${e.message}`;
  return String(e);
}
