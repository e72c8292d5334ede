/** Test commands and runner summaries as the PostToolUse hook sees them, from real runners' output. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { expectedOutcome, isTestCommand, judgePrediction, parseTestOutput } from '../../../src/services/hooks/test-results.js';

describe('isTestCommand', () => {
  test('recognises the common runners, also inside a chain', () => {
    for (const cmd of [
      'pytest -q', 'python -m pytest tests/test_api.py -x', 'uv run pytest', 'npm test', 'npm run test -- --watch=false', 'pnpm test',
      'yarn test', 'npx vitest run', 'npx jest src', 'cargo test --workspace', 'go test ./...', 'cd web && npm test 2>&1 | tail -30',
      'node --import tsx --test test/a.test.ts', 'bundle exec rspec', 'cargo nextest run',
    ]) assert.ok(isTestCommand(cmd), cmd);
  });
  test('ignores commands that only mention tests', () => {
    for (const cmd of ['ls test/', 'cat pytest.ini', 'git commit -m "add tests"', 'npm install', 'go build ./...', 'cargo build']) {
      assert.ok(!isTestCommand(cmd), cmd);
    }
  });
});

describe('parseTestOutput', () => {
  test('pytest summary line (with rules, colours and errors counted as failures)', () => {
    const out = [
      'tests/test_api.py ..F.                                                   [100%]',
      '=================================== FAILURES ===================================',
      '___________________________________ test_x ___________________________________',
      'E       assert 1 == 2',
      '=========================== short test summary info ============================',
      'FAILED tests/test_api.py::test_x - assert 1 == 2',
      '\u001b[31m=================== 1 failed, 3 passed, 1 skipped, 1 error in 0.12s ===================\u001b[0m',
    ].join('\n');
    assert.deepEqual(parseTestOutput(out), { framework: 'pytest', passed: 3, failed: 2, skipped: 1, unit: 'tests' });
    assert.deepEqual(parseTestOutput('....\n4 passed in 0.01s\n'), { framework: 'pytest', passed: 4, failed: 0, skipped: 0, unit: 'tests' });
  });

  test('jest summary', () => {
    const out = 'PASS src/a.test.js\nFAIL src/b.test.js\n\nTest Suites: 1 failed, 1 passed, 2 total\nTests:       1 failed, 2 skipped, 5 passed, 8 total\nSnapshots:   0 total\nTime:        1.2 s\n';
    assert.deepEqual(parseTestOutput(out), { framework: 'jest', passed: 5, failed: 1, skipped: 2, unit: 'tests' });
  });

  test('vitest summary (the Test Files line is not the test count)', () => {
    const out = ' ✓ src/a.test.ts (3 tests) 4ms\n ❯ src/b.test.ts (2 tests | 1 failed) 6ms\n\n Test Files  1 failed | 1 passed (2)\n      Tests  1 failed | 4 passed (5)\n   Start at  10:00:00\n   Duration  320ms\n';
    assert.deepEqual(parseTestOutput(out), { framework: 'vitest', passed: 4, failed: 1, skipped: 0, unit: 'tests' });
  });

  test('cargo: every crate and doc-test summary is summed', () => {
    const out = [
      'running 3 tests', 'test a ... ok', 'test b ... ok', 'test c ... FAILED', '',
      'test result: FAILED. 2 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s', '',
      '   Doc-tests mycrate', 'running 2 tests',
      'test result: ok. 2 passed; 0 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.10s',
    ].join('\n');
    assert.deepEqual(parseTestOutput(out), { framework: 'cargo', passed: 4, failed: 1, skipped: 1, unit: 'tests' });
  });

  test('go test -v counts top-level tests; without -v, packages', () => {
    const verbose = '=== RUN   TestA\n--- PASS: TestA (0.00s)\n=== RUN   TestB\n    --- PASS: TestB/sub (0.00s)\n--- FAIL: TestB (0.00s)\nFAIL\nFAIL\texample.com/m\t0.003s\n';
    assert.deepEqual(parseTestOutput(verbose), { framework: 'go', passed: 1, failed: 1, skipped: 0, unit: 'tests' });
    const quiet = 'ok  \texample.com/m/a\t0.002s\nFAIL\texample.com/m/b\t0.004s\nok  \texample.com/m/c\t(cached)\n';
    assert.deepEqual(parseTestOutput(quiet), { framework: 'go', passed: 2, failed: 1, skipped: 0, unit: 'packages' });
  });

  test('node --test and mocha', () => {
    assert.deepEqual(parseTestOutput('# tests 6\n# suites 1\n# pass 5\n# fail 1\n# skipped 0\n'), { framework: 'node', passed: 5, failed: 1, skipped: 0, unit: 'tests' });
    assert.deepEqual(parseTestOutput('\n  12 passing (30ms)\n  1 pending\n  2 failing\n'), { framework: 'mocha', passed: 12, failed: 2, skipped: 1, unit: 'tests' });
  });

  test('no summary, no result', () => {
    assert.equal(parseTestOutput('error: could not compile `x`'), null);
    assert.equal(parseTestOutput(''), null);
  });
});

describe('predictions', () => {
  test('what a prediction expects', () => {
    assert.equal(expectedOutcome('The test passes 20 runs in a row'), 'success');
    assert.equal(expectedOutcome('The login test no longer fails'), 'success');
    assert.equal(expectedOutcome('The new test fails with a timeout, reproducing the bug'), 'failure');
    assert.equal(expectedOutcome('Latency drops below 100 ms'), 'unknown');
  });
  test('verdicts', () => {
    const green = { framework: 'pytest' as const, passed: 4, failed: 0, skipped: 0, unit: 'tests' as const };
    const red = { ...green, failed: 1 };
    assert.equal(judgePrediction('all tests pass', green), 'consistent');
    assert.equal(judgePrediction('all tests pass', red), 'contradicted');
    assert.equal(judgePrediction('the regression test fails before the fix', red), 'consistent');
    assert.equal(judgePrediction('memory use halves', red), 'unclear');
  });
});
