/** The exact texts embedded per axis and CALM's axis rules. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { axesFor, axisStatements, renderAxisText, type ResolvedView } from '../../src/services/ghap/axes.js';
import { confidenceTier, tierWeight } from '../../src/services/ghap/confidence.js';

const base: ResolvedView = {
  domain: 'debugging', strategy: 'read-the-error', goal: 'Fix login', hypothesis: 'Cookie expired', action: 'Refresh token',
  prediction: 'Login works', iteration_count: 2, outcome_status: 'confirmed', outcome_result: 'It worked',
};
const falsified: ResolvedView = {
  ...base, outcome_status: 'falsified', outcome_result: 'Still fails', surprise: 'Cookie was fine',
  root_cause: { category: 'wrong-assumption', description: 'Clock skew' }, lesson: { what_worked: 'Check the clock', takeaway: null },
};

test('full: optional lines vanish but keep their line breaks', () => {
  assert.equal(renderAxisText('full', base),
    'Goal: Fix login\nHypothesis: Cookie expired\nAction: Refresh token\nPrediction: Login works\nOutcome: confirmed - It worked\n\n');
  assert.equal(renderAxisText('full', falsified),
    'Goal: Fix login\nHypothesis: Cookie expired\nAction: Refresh token\nPrediction: Login works\nOutcome: falsified - Still fails\nSurprise: Cookie was fine\nLesson: Check the clock');
});

test('strategy, surprise and root_cause templates', () => {
  assert.equal(renderAxisText('strategy', base), 'Strategy: read-the-error\nApplied to: Fix login\nOutcome: confirmed after 2 iteration(s)\n');
  assert.equal(renderAxisText('strategy', falsified),
    'Strategy: read-the-error\nApplied to: Fix login\nOutcome: falsified after 2 iteration(s)\nWhat worked: Check the clock');
  assert.equal(renderAxisText('surprise', falsified),
    'Expected: Login works\nActual: Still fails\nSurprise: Cookie was fine\nRoot cause: wrong-assumption - Clock skew');
  assert.equal(renderAxisText('root_cause', falsified),
    'Category: wrong-assumption\nDescription: Clock skew\nContext: debugging - read-the-error\nOriginal hypothesis: Cookie expired');
});

test('values are substituted once: braces and brackets in them stay literal', () => {
  const text = renderAxisText('full', { ...base, goal: 'Handle {surprise} and [Lesson: {goal}]' });
  assert.match(text, /^Goal: Handle \{surprise\} and \[Lesson: \{goal\}\]\n/);
});

test('the surprise template needs a root cause; axes follow CALM rules', () => {
  assert.throws(() => renderAxisText('surprise', { ...falsified, root_cause: null }), /missing field 'root_cause_category'/);
  assert.deepEqual(axesFor(base), ['full', 'strategy']);
  assert.deepEqual(axesFor({ ...base, surprise: 'odd' }), ['full', 'strategy'], 'a confirmed entry gets no surprise axis');
  assert.deepEqual(axesFor(falsified), ['full', 'strategy', 'surprise', 'root_cause']);
  assert.deepEqual(axesFor({ ...falsified, root_cause: null }), ['full', 'strategy', 'surprise']);
  assert.deepEqual(axesFor({ ...falsified, surprise: '' }), ['full', 'strategy']);
});

test('statements drop labels and blank lines; tiers and weights', () => {
  assert.deepEqual(axisStatements(renderAxisText('strategy', base)), ['read-the-error', 'Fix login', 'confirmed after 2 iteration(s)']);
  assert.equal(confidenceTier('abandoned'), 'abandoned');
  assert.equal(confidenceTier('confirmed'), 'silver');
  assert.equal(confidenceTier('falsified', true), 'gold');
  assert.deepEqual(['gold', 'silver', 'bronze', 'abandoned', null, 'platinum'].map(tierWeight), [1, 0.8, 0.5, 0.2, 0.5, 0.5]);
});
