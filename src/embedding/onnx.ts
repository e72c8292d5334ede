/** @module Sentence embeddings from an ONNX model (hub id or local folder) through transformers.js, on CPU. */

import fs from 'node:fs';
import path from 'node:path';
import type { FeatureExtractionPipeline } from '@huggingface/transformers';
import { CalmError } from '../errors.js';
import { l2normalize, type EmbedPurpose, type Embedder } from './embedder.js';
import { modelProfile, type ModelProfile } from './model-profile.js';

export interface OnnxEmbedderOptions {
  /** Hub model id (e.g. 'Xenova/all-MiniLM-L6-v2') or an absolute path to a local model folder. */
  model: string;
  /** Embedder id recorded on collections, e.g. 'onnx:Xenova/all-MiniLM-L6-v2'. */
  id: string;
  /** Where hub weights are cached: $CALM_HOME/models (transformers' env.cacheDir). */
  cacheDir: string;
  /** false: never touch the network. */
  allowDownload: boolean;
  /** Pooling and prompts, when the caller already decided them (the id it records depends on them); else read from the model folder. */
  profile?: ModelProfile;
  /** Download progress, for the CLI's progress bar: one call per chunk/file event. */
  onProgress?: (p: { file: string; loaded: number; total: number }) => void;
}

/** Files a BERT-style feature-extraction model needs; fp32 weights live at onnx/model.onnx. */
const REQUIRED_FILES = ['config.json', 'tokenizer.json', path.join('onnx', 'model.onnx')];

/** Texts per ONNX run: bounds peak memory (batch × longest sequence × hidden) on large inputs. */
const BATCH_SIZE = 32;

/** Same shape transformers.js accepts as a hub id: `name` or `org/name`, no `..`. */
const HUB_ID = /^(?:[\w.-]+\/)?[\w.-]{1,96}$/;

const isHubId = (model: string): boolean => HUB_ID.test(model) && !model.includes('..');

/** Where a model's files are on disk: the folder itself, or `<cacheDir>/<org>/<name>` for a hub id. */
function modelDir(model: string, cacheDir: string): string {
  return path.isAbsolute(model) ? model : path.join(cacheDir, ...model.split('/'));
}

function missingFiles(dir: string): string[] {
  return REQUIRED_FILES.filter((f) => !fs.existsSync(path.join(dir, f)));
}

export function isModelCached(model: string, cacheDir: string): boolean {
  if (!path.isAbsolute(model) && !isHubId(model)) return false;
  return missingFiles(modelDir(model, cacheDir)).length === 0;
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return (text.split('\n').find((l) => l.trim() !== '') ?? 'unknown error').trim().replace(/\.+$/, '');
}

/** One line for the user; a nested cause is kept because "fetch failed" alone says nothing. */
function reasonOf(e: unknown): string {
  const cause = e instanceof Error ? e.cause : undefined;
  return cause === undefined ? firstLine(e) : `${firstLine(e)} (${firstLine(cause)})`;
}

function notAvailable(opts: OnnxEmbedderOptions, reason: string, cause?: unknown): CalmError {
  const dir = modelDir(opts.model, opts.cacheDir);
  const files = 'config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx';
  const advice = path.isAbsolute(opts.model)
    ? `Put the model files (${files}) in ${dir}, or set CALM_EMBEDDER=hash.`
    : opts.allowDownload
      ? `Check the network connection to huggingface.co, or place the model files (${files}) in ${dir} ` +
        `or point CALM_EMBEDDER at a local model folder, or set CALM_EMBEDDER=hash.`
      : `Allow model downloads (CALM_MODEL_DOWNLOAD=true), or place the model files (${files}) in ${dir} ` +
        `or point CALM_EMBEDDER at a local model folder, or set CALM_EMBEDDER=hash.`;
  return new CalmError(
    'not_available',
    `Embedding model ${opts.model} is not available: ${reason}. ${advice}`,
    cause === undefined ? undefined : { cause },
  );
}

/** Fails fast, with a precise reason, on what can be checked without loading anything. */
function precheck(opts: OnnxEmbedderOptions): void {
  const local = path.isAbsolute(opts.model);
  if (!local && !isHubId(opts.model)) {
    throw notAvailable(opts, 'it is neither an absolute folder path nor a Hugging Face model id');
  }
  const dir = modelDir(opts.model, opts.cacheDir);
  if (local && !fs.existsSync(dir)) throw notAvailable(opts, `folder ${dir} does not exist`);
  if (local || !opts.allowDownload) {
    const missing = missingFiles(dir);
    if (missing.length > 0) {
      const where = local ? dir : `the model cache ${dir} (downloads are disabled)`;
      throw notAvailable(opts, `${missing.join(', ')} missing from ${where}`);
    }
  }
}

export async function loadOnnxEmbedder(opts: OnnxEmbedderOptions): Promise<Embedder & { readonly profile: ModelProfile }> {
  precheck(opts);
  const local = path.isAbsolute(opts.model);

  let pipe: FeatureExtractionPipeline;
  let dim: number;
  let profile: ModelProfile;
  try {
    // Lazy: transformers.js and onnxruntime take hundreds of ms to import; most commands never embed.
    const { pipeline, env, LogLevel } = await import('@huggingface/transformers');

    // `env` is process-global and parts of the loader read it instead of per-call options, so it is
    // set on every load; two concurrent loads with different settings would race.
    // transformers' info/debug logging uses console.log, i.e. stdout, which belongs to the MCP server:
    // keep only errors (console.error → stderr). This also raises onnxruntime's native log threshold.
    env.logLevel = LogLevel.ERROR;
    env.allowLocalModels = true;
    // Hub ids are looked up under localModelPath and then the file cache: point both at cacheDir so
    // nothing outside $CALM_HOME (e.g. node_modules/@huggingface/transformers/models) is consulted.
    env.localModelPath = opts.cacheDir;
    env.cacheDir = opts.cacheDir;
    // A local folder is read in place: no hub, and no cache lookup (which would prefix its path).
    env.allowRemoteModels = local ? false : opts.allowDownload;
    env.useFSCache = !local;

    const { onProgress } = opts;
    pipe = await pipeline('feature-extraction', opts.model, {
      dtype: 'fp32',
      device: 'cpu',
      cache_dir: opts.cacheDir,
      local_files_only: local || !opts.allowDownload,
      progress_callback: onProgress
        ? (p) => {
            if (p.status === 'progress') onProgress({ file: p.file, loaded: p.loaded, total: p.total });
          }
        : undefined,
    });

    // pooling and prompts from the model's own files (read after loading: a hub model is on disk now)
    profile = opts.profile ?? modelProfile(modelDir(opts.model, opts.cacheDir), opts.model);
    const hidden = (pipe.model.config as { hidden_size?: unknown }).hidden_size;
    if (typeof hidden === 'number' && Number.isInteger(hidden) && hidden > 0) {
      dim = hidden;
    } else {
      const probe = await pipe(['dimension probe'], { pooling: profile.pooling, normalize: true });
      dim = probe.dims[1] ?? 0;
      if (dim <= 0) throw new Error(`model output has unexpected shape [${probe.dims.join(', ')}]`);
    }
  } catch (e) {
    throw notAvailable(opts, reasonOf(e), e);
  }

  let disposed = false;
  return {
    id: opts.id,
    dim,
    profile,
    async embed(texts: readonly string[], purpose: EmbedPurpose = 'document'): Promise<Float32Array[]> {
      if (disposed) throw new CalmError('not_available', `Embedding model ${opts.model} has been disposed.`);
      const vectors: Float32Array[] = [];
      const prompt = profile.prompts[purpose];
      for (let start = 0; start < texts.length; start += BATCH_SIZE) {
        const batch = texts.slice(start, start + BATCH_SIZE).map((t) => prompt + t);
        const out = await pipe(batch, { pooling: profile.pooling, normalize: true });
        const data = out.data as Float32Array;
        if (out.dims[0] !== batch.length || out.dims[1] !== dim) {
          throw new CalmError(
            'internal_error',
            `Embedding model ${opts.model} returned shape [${out.dims.join(', ')}], expected [${batch.length}, ${dim}].`,
          );
        }
        // Copy each row out of the shared tensor buffer; re-normalise in float32 so |v| = 1 exactly enough.
        for (let i = 0; i < batch.length; i++) vectors.push(l2normalize(data.slice(i * dim, (i + 1) * dim)));
      }
      return vectors;
    },
    async dispose(): Promise<void> {
      if (disposed) return;
      disposed = true;
      await pipe.dispose?.();
    },
  };
}
