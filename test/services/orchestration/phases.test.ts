/** CALM's phase machines and transition names. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CalmError } from '../../../src/errors.js';
import {
  allTransitions, initialPhase, nextPhases, PHASES, parseTransition, validatePhase, validateTaskType,
} from '../../../src/services/orchestration/phases.js';

test('the two machines are CALM’s, strictly linear', () => {
  assert.deepEqual(PHASES.feature, ['SPEC', 'DESIGN', 'IMPLEMENT', 'CODE_REVIEW', 'TEST', 'INTEGRATE', 'VERIFY', 'DONE']);
  assert.deepEqual(PHASES.bug, ['REPORTED', 'INVESTIGATED', 'FIXED', 'REVIEWED', 'TESTED', 'MERGED', 'DONE']);
  assert.equal(initialPhase('feature'), 'SPEC');
  assert.equal(initialPhase('bug'), 'REPORTED');
  assert.deepEqual(nextPhases('feature', 'IMPLEMENT'), ['CODE_REVIEW']);
  assert.deepEqual(nextPhases('bug', 'MERGED'), ['DONE']);
  assert.deepEqual(nextPhases('feature', 'DONE'), []);
  assert.deepEqual(nextPhases('feature', 'REPORTED'), [], 'a bug phase has no successor in the feature machine');
  assert.equal(allTransitions().length, 13);
  assert.ok(allTransitions().every((t) => !t.from.includes('-') && !t.to.includes('-')), 'phases never contain "-"');
});

test('transition names split into exactly two phases', () => {
  assert.deepEqual(parseTransition('IMPLEMENT-CODE_REVIEW'), { from: 'IMPLEMENT', to: 'CODE_REVIEW' });
  assert.deepEqual(parseTransition('spec-design'), { from: 'SPEC', to: 'DESIGN' });
  for (const bad of ['SPEC', 'A-B-C', '-DESIGN', 'SPEC-']) {
    assert.throws(() => parseTransition(bad), (e: CalmError) => e.exitCode === 1 && /Invalid transition/.test(e.message), bad);
  }
});

test('types and phases are validated with the allowed values in the message; exit code 1', () => {
  assert.equal(validateTaskType('bug'), 'bug');
  assert.throws(() => validateTaskType('epic'), (e: CalmError) => e.exitCode === 1 && /Must be one of: feature, bug/.test(e.message));
  assert.equal(validatePhase('design', 'feature'), 'DESIGN');
  assert.throws(() => validatePhase('DESIGN', 'bug'), /Invalid phase 'DESIGN' for bug tasks/);
  assert.throws(() => validatePhase('LATER'), /Invalid phase 'LATER'/);
});
