import { CalmError } from '../../errors.js';
import type { CollectionSpec } from './record-store.js';

export function embedderMismatch(name: string, existing: CollectionSpec, wanted: CollectionSpec): CalmError {
  return new CalmError(
    'embedder_mismatch',
    `Collection '${name}' holds vectors from embedder ${existing.embedder} (${existing.dim}-d), ` +
      `but calm is configured for ${wanted.embedder} (${wanted.dim}-d). ` +
      `Run \`calm reembed\` to re-embed it, or set CALM_EMBEDDER back to the embedder it was built with.`,
  );
}
