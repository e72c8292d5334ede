/**
 * @module Turns the `embedder` setting into an Embedder: 'hash', 'use', a preset name, or a model folder.
 * Models load lazily (first use), so commands that never embed start fast.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { CalmError } from '../errors.js';
import type { Embedder } from './embedder.js';
import { HASH_DIM, HASH_EMBEDDER_ID, HashEmbedder } from './hash.js';
import { knownModelProfile, modelProfile, type ModelProfile, profileIdSuffix } from './model-profile.js';
import { isUseInstalled, USE_DIM, USE_EMBEDDER_ID } from './use.js';

export const PRESETS = {
  minilm: { model: 'Xenova/all-MiniLM-L6-v2', dim: 384, note: '~11 ms per text on CPU' },
  nomic: { model: 'nomic-ai/nomic-embed-text-v1.5', dim: 768, note: '~87 ms per text on CPU' },
} as const;
export type PresetName = keyof typeof PRESETS;

export type EmbedderChoice =
  | { readonly kind: 'hash'; readonly id: string }
  | { readonly kind: 'use'; readonly id: string }
  | { readonly kind: 'preset'; readonly name: PresetName; readonly model: string; readonly id: string; readonly profile: ModelProfile }
  | { readonly kind: 'folder'; readonly path: string; readonly id: string; readonly profile?: ModelProfile | undefined };

export interface EmbedderLoadOptions {
  readonly modelsDir: string;
  readonly allowDownload: boolean;
  readonly onProgress?: (p: { file: string; loaded: number; total: number }) => void;
}

/** Parses a setting value; relative folder paths resolve against `cwd`. */
export function parseEmbedderChoice(value: string, cwd?: string): EmbedderChoice {
  const v = value.trim();
  if (v === 'hash') return { kind: 'hash', id: HASH_EMBEDDER_ID };
  if (v === 'use') return { kind: 'use', id: USE_EMBEDDER_ID };
  if (v in PRESETS) {
    const name = v as PresetName;
    const profile = knownModelProfile(PRESETS[name].model);
    return { kind: 'preset', name, model: PRESETS[name].model, id: `onnx:${PRESETS[name].model}${profileIdSuffix(profile)}`, profile };
  }
  if (v.includes('/') || v.startsWith('.') || v.startsWith('~')) {
    // process.cwd() only when needed: it throws when the shell sits in a deleted directory
    const path = isAbsolute(v) ? v : v.startsWith('~') ? join(process.env.HOME ?? '', v.slice(1)) : resolve(cwd ?? process.cwd(), v);
    let profile: ModelProfile | undefined;
    try {
      profile = modelProfile(path, path);
    } catch {
      profile = undefined; // a broken profile file: loading the model says what is wrong
    }
    return { kind: 'folder', path, id: `onnx:folder:${path}${profile ? profileIdSuffix(profile) : ''}`, profile };
  }
  throw new CalmError(
    'config_error',
    `Unknown embedder '${value}': use 'hash', 'use', ${Object.keys(PRESETS).map((p) => `'${p}'`).join(', ')}, or the path of a local model folder`,
  );
}

/** The dimension when it is known without loading the model. */
export function knownDim(choice: EmbedderChoice): number | undefined {
  if (choice.kind === 'hash') return HASH_DIM;
  if (choice.kind === 'use') return USE_DIM;
  if (choice.kind === 'folder') {
    try {
      const config = JSON.parse(readFileSync(join(choice.path, 'config.json'), 'utf8')) as { hidden_size?: unknown };
      return typeof config.hidden_size === 'number' ? config.hidden_size : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined; // presets: read from the downloaded config, so a swapped model cannot lie about its size
}

/** Whether the weights are on this machine (no network). */
export async function isAvailableOffline(choice: EmbedderChoice, modelsDir: string): Promise<boolean> {
  if (choice.kind === 'hash') return true;
  if (choice.kind === 'use') return isUseInstalled();
  const { isModelCached } = await import('./onnx.js');
  if (choice.kind === 'folder') return existsSync(choice.path) && isModelCached(choice.path, modelsDir);
  return isModelCached(choice.model, modelsDir);
}

export async function loadEmbedder(choice: EmbedderChoice, options: EmbedderLoadOptions): Promise<Embedder> {
  if (choice.kind === 'hash') return new HashEmbedder();
  if (choice.kind === 'use') return (await import('./use.js')).loadUseEmbedder();
  const { loadOnnxEmbedder } = await import('./onnx.js');
  return loadOnnxEmbedder({
    model: choice.kind === 'folder' ? choice.path : choice.model,
    id: choice.id,
    cacheDir: options.modelsDir,
    allowDownload: choice.kind === 'preset' && options.allowDownload,
    ...(choice.profile ? { profile: choice.profile } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
}
