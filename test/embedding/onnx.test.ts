import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CalmError } from '../../src/errors.js';
import type { Embedder } from '../../src/embedding/embedder.js';
import { isModelCached, loadOnnxEmbedder } from '../../src/embedding/onnx.js';
import { TINY_HIDDEN_SIZE, writeTinyBertModel } from '../fixtures/tiny-onnx-model.js';

const HUB_ID = 'Xenova/all-MiniLM-L6-v2';
const tempRoots: string[] = [];

/** A fresh root per test; HOME and CALM_HOME point into it so nothing touches the real home. */
function freshEnv(): { root: string; cacheDir: string } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'calm-onnx-test-'));
  tempRoots.push(root);
  process.env.HOME = path.join(root, 'home');
  process.env.CALM_HOME = path.join(root, 'calm');
  fs.mkdirSync(process.env.HOME, { recursive: true });
  return { root, cacheDir: path.join(process.env.CALM_HOME, 'models') };
}

async function tinyModel(root: string): Promise<string> {
  const dir = path.join(root, 'tiny-bert');
  await writeTinyBertModel(dir);
  return dir;
}

function norm(v: Float32Array): number {
  let s = 0;
  for (const x of v) s += x * x;
  return Math.sqrt(s);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

async function rejection(p: Promise<unknown>): Promise<CalmError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof CalmError, `expected CalmError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected the load to fail');
}

/** Records every process.stdout.write made while `fn` runs, without letting it through. */
async function captureStdout<T>(fn: () => Promise<T>): Promise<{ result: T; written: string }> {
  const original = process.stdout.write;
  let written = '';
  process.stdout.write = ((chunk: string | Uint8Array) => {
    written += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stdout.write;
  try {
    return { result: await fn(), written };
  } finally {
    process.stdout.write = original;
  }
}

freshEnv();

after(() => {
  for (const root of tempRoots) fs.rmSync(root, { recursive: true, force: true });
});

describe('tiny model fixture', () => {
  test('is a small BERT-format folder', async () => {
    const { root } = freshEnv();
    const started = Date.now();
    const dir = await tinyModel(root);
    assert.ok(Date.now() - started < 1000, 'generated quickly');
    let total = 0;
    for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx']) {
      total += fs.statSync(path.join(dir, f)).size;
    }
    assert.ok(total < 1024 * 1024, `folder is ${total} bytes`);
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(config.model_type, 'bert');
    assert.equal(config.hidden_size, TINY_HIDDEN_SIZE);
    const second = path.join(root, 'again');
    await writeTinyBertModel(second);
    assert.deepEqual(fs.readFileSync(path.join(second, 'onnx/model.onnx')), fs.readFileSync(path.join(dir, 'onnx/model.onnx')));
  });
});

describe('loadOnnxEmbedder from a local folder', () => {
  let embedder: Embedder;
  let modelDir: string;

  before(async () => {
    const { root, cacheDir } = freshEnv();
    modelDir = await tinyModel(root);
    embedder = await loadOnnxEmbedder({ model: modelDir, id: 'onnx:tiny', cacheDir, allowDownload: false });
  });

  after(async () => {
    await embedder.dispose?.();
  });

  test('reports the id and the hidden size from config.json', () => {
    freshEnv();
    assert.equal(embedder.id, 'onnx:tiny');
    assert.equal(embedder.dim, TINY_HIDDEN_SIZE);
  });

  test('returns unit-length Float32Arrays of the model dimension', async () => {
    freshEnv();
    const vectors = await embedder.embed(['the quick brown fox', 'fix the bug in the build', '']);
    assert.equal(vectors.length, 3);
    for (const v of vectors) {
      assert.ok(v instanceof Float32Array);
      assert.equal(v.length, TINY_HIDDEN_SIZE);
      assert.ok(Math.abs(norm(v) - 1) < 1e-5, `norm ${norm(v)}`);
    }
  });

  test('is deterministic: same text gives an identical vector, across calls and within a batch', async () => {
    freshEnv();
    const [a1] = await embedder.embed(['commit the code to the branch']);
    const [a2] = await embedder.embed(['commit the code to the branch']);
    assert.ok(a1 && a2);
    assert.deepEqual(a2, a1);
    const [b1, b2] = await embedder.embed(['search the memory', 'search the memory']);
    assert.ok(b1 && b2);
    assert.deepEqual(b2, b1);
  });

  test('different texts give different vectors', async () => {
    freshEnv();
    const vectors = await embedder.embed(['the cat sat on the mat', 'git merge branch', 'red green blue']);
    for (let i = 0; i < vectors.length; i++) {
      for (let j = i + 1; j < vectors.length; j++) {
        assert.ok(maxAbsDiff(vectors[i]!, vectors[j]!) > 1e-3, `vectors ${i} and ${j} differ`);
      }
    }
  });

  test('runs the real tokenizer: lowercasing, whitespace and unknown words are normalised', async () => {
    freshEnv();
    // Guaranteed by the BERT normaliser and WordPiece, whatever the (random) weights: equal token ids in, equal vector out.
    const [lower, upper, spaced, unk1, unk2] = await embedder.embed([
      'the quick brown fox',
      'The QUICK Brown FOX',
      '  the   quick\tbrown \n fox ',
      'the xqzv',
      'the vzqx',
    ]);
    assert.ok(lower && upper && spaced && unk1 && unk2);
    assert.ok(maxAbsDiff(lower, upper) < 1e-6);
    assert.ok(maxAbsDiff(lower, spaced) < 1e-6);
    assert.ok(maxAbsDiff(unk1, unk2) < 1e-6, 'both words become [UNK]');
  });

  test('preserves order for a batch of 50 (crossing the internal batch size)', async () => {
    freshEnv();
    const words = ['code', 'test', 'bug', 'fix', 'file', 'memory', 'search', 'model', 'git', 'build'];
    const texts = Array.from({ length: 50 }, (_, i) => `${words[i % 10]} ${words[Math.floor(i / 10)]} ${'data '.repeat(i % 7)}`);
    const batch = await embedder.embed(texts);
    assert.equal(batch.length, 50);
    for (let i = 0; i < texts.length; i++) {
      const [single] = await embedder.embed([texts[i]!]);
      assert.ok(single);
      // Padding is masked out, so a text's vector does not depend on its batch neighbours.
      assert.ok(maxAbsDiff(batch[i]!, single) < 1e-5, `text ${i} keeps its place`);
    }
  });

  test('embed([]) returns []', async () => {
    freshEnv();
    assert.deepEqual(await embedder.embed([]), []);
  });

  test('reports per-file progress while loading, and dispose is idempotent', async () => {
    const { cacheDir } = freshEnv();
    const events: { file: string; loaded: number; total: number }[] = [];
    const e = await loadOnnxEmbedder({
      model: modelDir,
      id: 'onnx:tiny',
      cacheDir,
      allowDownload: false,
      onProgress: (p) => events.push(p),
    });
    await e.dispose?.();
    await e.dispose?.();
    const files = new Set(events.map((p) => p.file));
    assert.ok(files.has('onnx/model.onnx'), `progress for ${[...files].join(', ')}`);
    for (const p of events) assert.ok(p.loaded >= 0 && p.loaded <= p.total);
    await assert.rejects(e.embed(['after dispose']), (err: unknown) => err instanceof CalmError);
  });
});

describe('loadOnnxEmbedder without hidden_size in config.json', () => {
  test('takes dim from a probe embedding', async () => {
    const { root, cacheDir } = freshEnv();
    const dir = await tinyModel(root);
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'bert' }));
    const e = await loadOnnxEmbedder({ model: dir, id: 'onnx:tiny', cacheDir, allowDownload: false });
    try {
      assert.equal(e.dim, TINY_HIDDEN_SIZE);
      const [v] = await e.embed(['probe']);
      assert.equal(v?.length, TINY_HIDDEN_SIZE);
    } finally {
      await e.dispose?.();
    }
  });
});

describe('loadOnnxEmbedder failures', () => {
  test('a missing folder is not_available and names the path', async () => {
    const { root, cacheDir } = freshEnv();
    const missing = path.join(root, 'no-such-model');
    const err = await rejection(loadOnnxEmbedder({ model: missing, id: 'onnx:x', cacheDir, allowDownload: false }));
    assert.equal(err.type, 'not_available');
    assert.ok(err.message.includes(missing), err.message);
    assert.ok(err.message.includes('CALM_EMBEDDER=hash'), err.message);
    assert.ok(!err.message.includes('\n'), 'one line');
  });

  test('a folder without tokenizer.json is not_available and names the file', async () => {
    const { root, cacheDir } = freshEnv();
    const dir = await tinyModel(root);
    fs.rmSync(path.join(dir, 'tokenizer.json'));
    const err = await rejection(loadOnnxEmbedder({ model: dir, id: 'onnx:x', cacheDir, allowDownload: false }));
    assert.equal(err.type, 'not_available');
    assert.match(err.message, /tokenizer\.json missing/);
  });

  test('a corrupt model.onnx is not_available, with the runtime error as cause', async () => {
    const { root, cacheDir } = freshEnv();
    const dir = await tinyModel(root);
    fs.writeFileSync(path.join(dir, 'onnx', 'model.onnx'), Buffer.from('this is not an onnx protobuf \x00\xff\x13'));
    const err = await rejection(loadOnnxEmbedder({ model: dir, id: 'onnx:x', cacheDir, allowDownload: false }));
    assert.equal(err.type, 'not_available');
    assert.ok(err.message.includes(dir), err.message);
    assert.ok(err.cause !== undefined);
    assert.ok(!err.message.includes('\n'), 'one line');
  });
});

describe('hub ids and the offline cache', () => {
  test('not cached and downloads disabled: fails fast without the network, then loads once the files are placed', async () => {
    const { root, cacheDir } = freshEnv();
    const { env } = await import('@huggingface/transformers');
    const originalFetch = env.fetch;
    let fetches = 0;
    env.fetch = () => {
      fetches++;
      return Promise.reject(new Error('network disabled in tests'));
    };
    try {
      assert.equal(isModelCached(HUB_ID, cacheDir), false);
      const started = Date.now();
      const err = await rejection(loadOnnxEmbedder({ model: HUB_ID, id: `onnx:${HUB_ID}`, cacheDir, allowDownload: false }));
      assert.ok(Date.now() - started < 2000, 'fails fast');
      assert.equal(err.type, 'not_available');
      assert.ok(err.message.includes(HUB_ID), err.message);

      // transformers.js's file cache layout: <cacheDir>/<org>/<name>/<file as in the repo>.
      const source = await tinyModel(root);
      const target = path.join(cacheDir, 'Xenova', 'all-MiniLM-L6-v2');
      fs.cpSync(source, target, { recursive: true });
      assert.equal(isModelCached(HUB_ID, cacheDir), true);

      const hub = await loadOnnxEmbedder({ model: HUB_ID, id: `onnx:${HUB_ID}`, cacheDir, allowDownload: false });
      const local = await loadOnnxEmbedder({ model: source, id: 'onnx:tiny', cacheDir, allowDownload: false });
      try {
        assert.equal(hub.id, `onnx:${HUB_ID}`);
        assert.equal(hub.dim, TINY_HIDDEN_SIZE);
        const [fromHub] = await hub.embed(['load the model from the cache']);
        const [fromFolder] = await local.embed(['load the model from the cache']);
        assert.ok(fromHub && fromFolder);
        assert.deepEqual(fromHub, fromFolder);
      } finally {
        await hub.dispose?.();
        await local.dispose?.();
      }
      assert.equal(fetches, 0, 'no network request was made');
    } finally {
      env.fetch = originalFetch;
    }
  });

  test('isModelCached needs config.json, tokenizer.json and onnx/model.onnx', async () => {
    const { root, cacheDir } = freshEnv();
    const dir = await tinyModel(root);
    assert.equal(isModelCached(dir, cacheDir), true);
    fs.rmSync(path.join(dir, 'onnx', 'model.onnx'));
    assert.equal(isModelCached(dir, cacheDir), false);
    assert.equal(isModelCached('../escape', cacheDir), false);
  });
});

describe('stdout stays clean (it belongs to the MCP server)', () => {
  test('no process.stdout.write during load and embed', async () => {
    const { root, cacheDir } = freshEnv();
    const dir = await tinyModel(root);
    const { written } = await captureStdout(async () => {
      const e = await loadOnnxEmbedder({ model: dir, id: 'onnx:tiny', cacheDir, allowDownload: false });
      await e.embed(Array.from({ length: 40 }, (_, i) => `text number ${i} with unknownword${i}`));
      await e.dispose?.();
      await loadOnnxEmbedder({ model: path.join(root, 'missing'), id: 'onnx:x', cacheDir, allowDownload: false }).catch(() => {});
    });
    assert.equal(written, '');
  });

  test('a fresh process writes nothing to file descriptor 1 (native runtime logs included)', async () => {
    const { root, cacheDir } = freshEnv();
    const dir = await tinyModel(root);
    const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
    const onnxModule = path.join(repoRoot, 'src', 'embedding', 'onnx.ts');
    const script = [
      `const { loadOnnxEmbedder } = await import(${JSON.stringify(onnxModule)});`,
      `const e = await loadOnnxEmbedder({ model: ${JSON.stringify(dir)}, id: 'onnx:tiny', cacheDir: ${JSON.stringify(cacheDir)}, allowDownload: false });`,
      `const v = await e.embed(['hello world', 'the quick brown fox']);`,
      `await e.dispose();`,
      `process.stderr.write('dim=' + e.dim + ' n=' + v.length);`,
    ].join('\n');
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: repoRoot, // where tsx resolves from
      env: process.env,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(child.status, 0, child.stderr);
    assert.match(child.stderr, new RegExp(`dim=${TINY_HIDDEN_SIZE} n=2`));
    assert.equal(child.stdout, '');
  });
});
