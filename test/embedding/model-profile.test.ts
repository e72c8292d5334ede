/**
 * Pooling and prompts per model: read from sentence-transformers' files in the folder, else from the
 * known-model table; checked on the real ONNX loader with the tiny model generated at test time,
 * against pooling computed by hand from the model's token embeddings.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CalmError } from '../../src/errors.js';
import { cosineSimilarity, l2normalize } from '../../src/embedding/embedder.js';
import { modelProfile } from '../../src/embedding/model-profile.js';
import { loadOnnxEmbedder } from '../../src/embedding/onnx.js';
import { loadEmbedder, parseEmbedderChoice } from '../../src/embedding/registry.js';
import { TINY_HIDDEN_SIZE, writeTinyBertModel } from '../fixtures/tiny-onnx-model.js';
import { tempHome } from '../helpers/home.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'calm-profile-'));
const cacheDir = path.join(root, 'models');
after(() => fs.rmSync(root, { recursive: true, force: true }));

function folder(name: string, files: Record<string, unknown> = {}): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const [rel, value] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), JSON.stringify(value));
  }
  return dir;
}

async function tinyWith(name: string, files: Record<string, unknown>): Promise<string> {
  const dir = path.join(root, name);
  await writeTinyBertModel(dir);
  return folder(name, files);
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe('model profiles', () => {
  test('known models by name (any org, e.g. Xenova mirrors); MiniLM and unknown ones: mean, no prompts', () => {
    const empty = folder('empty');
    const p = (model: string) => modelProfile(empty, model);
    assert.deepEqual(p('nomic-ai/nomic-embed-text-v1.5'), { pooling: 'mean', prompts: { query: 'search_query: ', document: 'search_document: ' }, source: 'known model' });
    assert.deepEqual(p('Xenova/bge-small-en-v1.5'), { pooling: 'cls', prompts: { query: 'Represent this sentence for searching relevant passages: ', document: '' }, source: 'known model' });
    assert.deepEqual(p('intfloat/multilingual-e5-small'), { pooling: 'mean', prompts: { query: 'query: ', document: 'passage: ' }, source: 'known model' });
    assert.deepEqual(p('Xenova/e5-base-v2'), { pooling: 'mean', prompts: { query: 'query: ', document: 'passage: ' }, source: 'known model' });
    assert.deepEqual(p('thenlper/gte-small'), { pooling: 'mean', prompts: { query: '', document: '' }, source: 'known model' });
    assert.deepEqual(p('Xenova/all-MiniLM-L6-v2'), { pooling: 'mean', prompts: { query: '', document: '' }, source: 'default' });
    // a folder of any name is recognised by its config's _name_or_path
    assert.equal(modelProfile(folder('renamed', { 'config.json': { _name_or_path: 'BAAI/bge-base-en-v1.5' } }), '/models/renamed').pooling, 'cls');
  });

  test("the folder's own sentence-transformers files win over the table", () => {
    const dir = folder('st-files', {
      'modules.json': [{ idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' }, { idx: 1, name: '1', path: '2_Pool', type: 'sentence_transformers.models.Pooling' }],
      '2_Pool/config.json': { word_embedding_dimension: 32, pooling_mode_cls_token: false, pooling_mode_mean_tokens: true, pooling_mode_max_tokens: false },
      'config_sentence_transformers.json': { prompts: { query: 'Q: ', passage: 'P: ' }, default_prompt_name: null },
    });
    assert.deepEqual(modelProfile(dir, 'BAAI/bge-small-en-v1.5'), { pooling: 'mean', prompts: { query: 'Q: ', document: 'P: ' }, source: 'model files' });
  });

  test('a pooling calm cannot do is a clear error, not a silent mean', () => {
    const dir = folder('max-pool', { '1_Pooling/config.json': { pooling_mode_max_tokens: true } });
    assert.throws(() => modelProfile(dir, dir), (e: unknown) => e instanceof CalmError && /max_tokens pooling/.test(e.message));
  });
});

describe('embedder ids record the profile', () => {
  test('plain mean pooling keeps the id calm always used; prompts or another pooling make another embedder', async () => {
    assert.equal(parseEmbedderChoice('minilm').id, 'onnx:Xenova/all-MiniLM-L6-v2');
    assert.equal(parseEmbedderChoice('nomic').id, 'onnx:nomic-ai/nomic-embed-text-v1.5#mean+prompts');
    const plainDir = await tinyWith('tiny-id-plain', {});
    const clsDir = await tinyWith('tiny-id-cls', { '1_Pooling/config.json': { pooling_mode_cls_token: true } });
    assert.equal(parseEmbedderChoice(plainDir).id, `onnx:folder:${plainDir}`);
    const cls = parseEmbedderChoice(clsDir);
    assert.equal(cls.id, `onnx:folder:${clsDir}#cls`);
    const loaded = await loadEmbedder(cls, { modelsDir: cacheDir, allowDownload: false });
    assert.equal(loaded.id, cls.id);
    await loaded.dispose?.();
  });
});

describe('the ONNX embedder uses the profile', () => {
  let tokens: (text: string) => Promise<Float32Array[]>;
  let plainDir: string;

  before(async () => {
    plainDir = await tinyWith('tiny-plain', {});
    // token embeddings straight from the model (pooling 'none'), to pool by hand
    const { pipeline } = await import('@huggingface/transformers');
    await loadOnnxEmbedder({ model: plainDir, id: 'onnx:tiny', cacheDir, allowDownload: false }); // sets transformers' env for local folders
    const pipe = await pipeline('feature-extraction', plainDir, { dtype: 'fp32', device: 'cpu', local_files_only: true });
    tokens = async (text) => {
      const out = await pipe(text, { pooling: 'none' });
      const [, seq, hidden] = out.dims as [number, number, number];
      const data = out.data as Float32Array;
      return Array.from({ length: seq }, (_, i) => data.slice(i * hidden, (i + 1) * hidden));
    };
  });

  test('CLS pooling (1_Pooling/config.json) is the first token; the default is the mean of all tokens', async () => {
    const clsDir = await tinyWith('tiny-cls', {
      'modules.json': [{ idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' }, { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' }],
      '1_Pooling/config.json': { word_embedding_dimension: TINY_HIDDEN_SIZE, pooling_mode_cls_token: true, pooling_mode_mean_tokens: false },
    });
    const cls = await loadOnnxEmbedder({ model: clsDir, id: 'onnx:tiny-cls', cacheDir, allowDownload: false });
    const mean = await loadOnnxEmbedder({ model: plainDir, id: 'onnx:tiny', cacheDir, allowDownload: false });
    assert.equal(cls.profile.pooling, 'cls');
    const text = 'the quick brown fox jumps over the lazy dog';
    const rows = await tokens(text);
    assert.ok(rows.length > 3);
    const byHandCls = l2normalize(rows[0]!.slice());
    const byHandMean = l2normalize(rows.reduce((acc, r) => acc.map((x, i) => x + r[i]!), new Float32Array(TINY_HIDDEN_SIZE)).map((x) => x / rows.length));
    const [c] = await cls.embed([text]);
    const [m] = await mean.embed([text]);
    assert.ok(maxAbsDiff(c!, byHandCls) < 1e-5, 'CLS = first token, normalised');
    assert.ok(maxAbsDiff(m!, byHandMean) < 1e-5, 'mean = average of the tokens, normalised');
    assert.ok(maxAbsDiff(c!, m!) > 1e-2, 'the two poolings differ');
    await cls.dispose?.();
    await mean.dispose?.();
  });

  test('prompts (config_sentence_transformers.json): a query is embedded with the query prompt, a document (the default) with its own', async () => {
    const dir = await tinyWith('tiny-prompts', { 'config_sentence_transformers.json': { prompts: { query: 'query: ', document: 'the data: ' } } });
    const prompted = await loadOnnxEmbedder({ model: dir, id: 'onnx:tiny-prompts', cacheDir, allowDownload: false });
    const plain = await loadOnnxEmbedder({ model: plainDir, id: 'onnx:tiny', cacheDir, allowDownload: false });
    assert.deepEqual(prompted.profile.prompts, { query: 'query: ', document: 'the data: ' });
    const text = 'fix the bug in the search code';
    const [asQuery] = await prompted.embed([text], 'query');
    const [asDocument] = await prompted.embed([text], 'document');
    const [byDefault] = await prompted.embed([text]);
    const [plainQuery] = await plain.embed([`query: ${text}`]);
    const [plainDocument] = await plain.embed([`the data: ${text}`]);
    const [unprompted] = await plain.embed([text]);
    assert.ok(maxAbsDiff(asQuery!, plainQuery!) < 1e-6, 'the query prompt is prepended to the text');
    assert.ok(maxAbsDiff(asDocument!, plainDocument!) < 1e-6, 'the document prompt is prepended to the text');
    assert.deepEqual(byDefault, asDocument, "embed's default purpose is document");
    assert.ok(maxAbsDiff(asQuery!, asDocument!) > 1e-3 && maxAbsDiff(asQuery!, unprompted!) > 1e-3, 'the prompts change the tokens, so the vectors');
    await prompted.dispose?.();
    await plain.dispose?.();
  });
});

describe('search embeds its query as a query', () => {
  test('retrieve_memories: a memory found by its own text scores the query-vs-document similarity, not 1', async () => {
    const dir = await tinyWith('tiny-search', { 'config_sentence_transformers.json': { prompts: { query: 'query: ', document: '' } } });
    const t = tempHome();
    const app = t.app({ CALM_EMBEDDER: dir });
    try {
      const text = 'the quick brown fox jumps over the lazy dog';
      await app.memory.store({ content: text, category: 'fact' });
      const [hit] = (await app.memory.retrieve({ query: text })).results;
      const embedder = await app.embedder();
      const [q] = await embedder.embed([text], 'query');
      const [d] = await embedder.embed([text]);
      const expected = cosineSimilarity(q!, d!);
      assert.ok(expected < 0.999, `the prompt moves the query (${expected})`);
      assert.ok(Math.abs(hit!.score - expected) < 1e-4, `score ${hit!.score} = cos(query vector, document vector) ${expected}`);
    } finally {
      await app.close();
      t.cleanup();
    }
  });
});
