import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { coverageFusion, fusionProfileFor, LEXICAL_FUSION, SENTENCE_MODEL_FUSION } from '../../src/services/search.js';
import type { ScoredRecord } from '../../src/store/records/record-store.js';

const rec = (id: string, text: string, score: number): ScoredRecord => ({ id, text, payload: {}, createdAt: '', updatedAt: '', score });

describe('hybrid fusion gated by keyword coverage', () => {
  const staging = 'The staging database is reset every Sunday at 02:00 UTC.';
  const lunch = 'Sunday lunch for the team is booked at the Italian place.';
  const preprod = 'The pre-production environment has smaller instances.';

  test('a question that names its words is decided by the words, even against a higher cosine', () => {
    const semantic = [rec('preprod', preprod, 0.62), rec('staging', staging, 0.55), rec('lunch', lunch, 0.3)];
    const keyword = [rec('staging', staging, 0.8), rec('lunch', lunch, 0.4)];
    const fused = coverageFusion(semantic, keyword, 3, 'staging database reset Sunday', SENTENCE_MODEL_FUSION);
    assert.equal(fused[0]?.id, 'staging');
  });

  test('a paraphrase whose words match only in passing keeps the semantic order', () => {
    const semantic = [rec('staging', staging, 0.6), rec('preprod', preprod, 0.58), rec('lunch', lunch, 0.2)];
    // "Sunday" is the only shared word, and it hits the lunch memory hardest
    const keyword = [rec('lunch', lunch, 0.7), rec('staging', staging, 0.3)];
    const fused = coverageFusion(semantic, keyword, 3, 'When does the pre-production DB get wiped on Sunday nights?', SENTENCE_MODEL_FUSION);
    assert.deepEqual(fused.map((r) => r.id), ['staging', 'preprod', 'lunch']);
  });

  test('records found by only one ranking are kept, each once, best first', () => {
    const fused = coverageFusion([rec('a', 'alpha', 0.9)], [rec('b', 'beta gamma', 0.5), rec('a', 'alpha', 0.1)], 10, 'beta gamma', LEXICAL_FUSION);
    assert.deepEqual(fused.map((r) => r.id).sort(), ['a', 'b']);
    assert.ok(fused.every((r, i) => i === 0 || r.score <= fused[i - 1]!.score));
    assert.equal(fused[0]?.id, 'b');
  });

  test('the lexical profile is for the hash embedder, the normalised one for sentence models', () => {
    assert.equal(fusionProfileFor('hash-v1'), LEXICAL_FUSION);
    assert.equal(fusionProfileFor('use:universal-sentence-encoder-lite'), SENTENCE_MODEL_FUSION);
    assert.equal(fusionProfileFor('onnx:Xenova/all-MiniLM-L6-v2'), SENTENCE_MODEL_FUSION);
  });
});
