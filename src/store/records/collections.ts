/** @module Collection names: CALM's, so its users recognise them. */
import { CalmError } from '../../errors.js';

export const COLLECTIONS = {
  memories: 'memories',
  ghapFull: 'ghap_full',
  ghapStrategy: 'ghap_strategy',
  ghapSurprise: 'ghap_surprise',
  ghapRootCause: 'ghap_root_cause',
  values: 'values',
  commits: 'commits',
  codeUnits: 'code_units',
} as const;

export type CollectionName = (typeof COLLECTIONS)[keyof typeof COLLECTIONS];

/** Lost data cannot be recomputed from these; commits and code units can be re-indexed. */
export const IRREPLACEABLE_COLLECTIONS: readonly string[] = [
  COLLECTIONS.memories, COLLECTIONS.ghapFull, COLLECTIONS.ghapStrategy, COLLECTIONS.ghapSurprise,
  COLLECTIONS.ghapRootCause, COLLECTIONS.values,
];

const NAME_RE = /^[a-z][a-z0-9_]{0,47}$/;

export function assertCollectionName(name: string): void {
  if (!NAME_RE.test(name)) {
    throw new CalmError('validation_error', `Invalid collection name '${name}': use lower-case letters, digits and underscores (max 48)`);
  }
}
