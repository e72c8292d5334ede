/** @module The configured embedder, loaded on first use and kept: most commands never embed, and loading a model is slow. */
import type { Embedder } from './embedder.js';
import { type EmbedderChoice, type EmbedderLoadOptions, loadEmbedder } from './registry.js';

export interface LazyEmbedder {
  /** Loads the embedder on the first call (reporting download progress to that call) and returns the same one after. */
  (options?: Pick<EmbedderLoadOptions, 'onProgress'>): Promise<Embedder>;
  /** The embedder if a load was started and succeeded, for disposing of it; never starts one. */
  loaded(): Promise<Embedder | undefined>;
}

export function lazyEmbedder(choice: EmbedderChoice, options: Omit<EmbedderLoadOptions, 'onProgress'>): LazyEmbedder {
  let loading: Promise<Embedder> | undefined;
  const get = (opts: Pick<EmbedderLoadOptions, 'onProgress'> = {}): Promise<Embedder> => {
    loading ??= loadEmbedder(choice, { ...options, ...opts }).catch((e: unknown) => {
      loading = undefined; // a later call may succeed (e.g. after the weights were placed)
      throw e;
    });
    return loading;
  };
  return Object.assign(get, { loaded: () => loading?.catch(() => undefined) ?? Promise.resolve(undefined) });
}
