/** Gate check helpers: test summary parsing, bug report sections, test-file detection, the gate table. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  GATE_REQUIREMENTS, isFilledIn, parseTestCounts, sectionBody, TEST_FILE, transitionsUsingReviews,
} from '../../../src/services/orchestration/gate-checks.js';
import { allTransitions } from '../../../src/services/orchestration/phases.js';
import { bugReportTemplate } from '../../../src/services/orchestration/worktrees.js';

test('every transition of both machines has a gate entry, as in CALM', () => {
  assert.deepEqual(Object.keys(GATE_REQUIREMENTS).sort(), allTransitions().map((t) => t.name).sort());
  assert.deepEqual(GATE_REQUIREMENTS['IMPLEMENT-CODE_REVIEW'], ['code_exists', 'tests_pass', 'linter_clean', 'types_clean', 'no_todos']);
  assert.deepEqual(GATE_REQUIREMENTS['VERIFY-DONE'], []);
  assert.deepEqual(transitionsUsingReviews('spec'), ['SPEC-DESIGN']);
  assert.deepEqual(transitionsUsingReviews('bugfix'), ['FIXED-REVIEWED']);
});

test('test counts are read from the summaries of common runners', () => {
  const cases: [string, string, [number, number, number]][] = [
    ['node:test spec', 'ℹ tests 4\nℹ suites 0\nℹ pass 2\nℹ fail 1\nℹ cancelled 0\nℹ skipped 1\nℹ todo 0\n', [2, 1, 1]],
    ['node:test tap', 'TAP version 13\n# tests 3\n# pass 3\n# fail 0\n# skipped 0\n', [3, 0, 0]],
    ['pytest', 'tests/test_a.py ..F.s\n=========== 3 passed, 1 failed, 1 skipped in 0.12s ===========\n', [3, 1, 1]],
    ['jest', 'Test Suites: 1 failed, 1 passed, 2 total\nTests:       1 failed, 2 skipped, 5 passed, 8 total\n', [5, 1, 2]],
    ['vitest', ' Test Files  1 passed (1)\n      Tests  1 failed | 5 passed | 2 skipped (8)\n', [5, 1, 2]],
    ['cargo', 'test result: ok. 4 passed; 0 failed; 1 ignored; 0 measured\ntest result: FAILED. 1 passed; 2 failed; 0 ignored;\n', [5, 2, 1]],
    ['mocha', '  5 passing (20ms)\n  1 failing\n  2 pending\n', [5, 1, 2]],
    ['go -v', '=== RUN   TestA\n--- PASS: TestA (0.00s)\n--- FAIL: TestB (0.00s)\n--- SKIP: TestC (0.00s)\nFAIL\tpkg\t0.01s\n', [1, 1, 1]],
  ];
  for (const [name, output, [passed, failed, skipped]] of cases) {
    const c = parseTestCounts(output);
    assert.deepEqual([c.passed, c.failed, c.skipped, c.parsed], [passed, failed, skipped, true], name);
  }
  assert.equal(parseTestCounts('all good\n').parsed, false);
  assert.deepEqual(parseTestCounts('FAILED tests/test_a.py::test_x - assert 1 == 2\n== 1 failed in 0.1s ==\n').failedTests, ['tests/test_a.py::test_x']);
  assert.deepEqual(parseTestCounts('not ok 2 - adds numbers\n# pass 1\n# fail 1\n').failedTests, ['adds numbers']);
});

test('bug report sections: the untouched template is not filled in (CALM passed it)', () => {
  const template = bugReportTemplate({ id: 'BUG-001', title: 'Crash on save' } as Parameters<typeof bugReportTemplate>[0]);
  for (const title of ['Reproduction Steps', 'Expected Behavior', 'Actual Behavior', 'Root Cause', 'Fix Plan']) {
    assert.notEqual(sectionBody(template, title), undefined, title);
    assert.equal(isFilledIn(sectionBody(template, title)), false, title);
  }
  const filled = template
    .replace('1.\n2.\n3.', '1. Open a file\n2. Press save')
    .replace('<!-- what should happen -->', 'The file is saved');
  assert.equal(isFilledIn(sectionBody(filled, 'Reproduction Steps')), true);
  assert.equal(isFilledIn(sectionBody(filled, 'Expected Behavior')), true);
  assert.equal(isFilledIn(sectionBody(filled, 'Actual Behavior')), false);
  assert.equal(sectionBody('# Title\ntext\n', 'Root Cause'), undefined);
  assert.equal(isFilledIn('<!-- a\nmulti-line comment -->\n- \n'), false);
});

test('test files are recognised across ecosystems', () => {
  for (const f of ['tests/test_x.py', 'test_x.py', 'src/a.test.ts', 'pkg/a_test.go', 'src/__tests__/a.js', 'spec/a_spec.rb', 'test/a.js', 'src/FooTest.java']) {
    assert.ok(TEST_FILE.test(f), f);
  }
  for (const f of ['src/a.ts', 'README.md', 'src/contest.py', 'latest/a.js']) assert.ok(!TEST_FILE.test(f), f);
});
