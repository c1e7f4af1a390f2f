import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeScore, round2 } from '../../bench/loadtest/score.js';

test('a perfect run earns the full USD 100,000', () => {
  const s = computeScore({ totalRequests: 61503, okUnder250ms: 61503, inconsistencies: 0 });
  assert.equal(s.sharePct, 100);
  assert.equal(s.slaMet, true);
  assert.equal(s.slaFineUsd, 0);
  assert.equal(s.inconsistencyFineUsd, 0);
  assert.equal(s.payoutUsd, 100000);
});

test('the SLA fine is USD 1,000 per point below 98% (the official example: 95% costs 3,000)', () => {
  const s = computeScore({ totalRequests: 1000, okUnder250ms: 950, inconsistencies: 0 });
  assert.equal(s.sharePct, 95);
  assert.equal(s.slaMet, false);
  assert.equal(s.slaFineUsd, 3000);
  assert.equal(s.payoutUsd, 97000);
});

test('the share is rounded to 2 decimals before the fine, like the official script', () => {
  // 97.996...% rounds to 98.00%: no fine.
  const s = computeScore({ totalRequests: 100000, okUnder250ms: 97996, inconsistencies: 0 });
  assert.equal(s.sharePct, 98);
  assert.equal(s.slaFineUsd, 0);
  const t = computeScore({ totalRequests: 100000, okUnder250ms: 97994, inconsistencies: 0 });
  assert.equal(t.sharePct, 97.99);
  assert.equal(t.slaFineUsd, 10);
});

test('each inconsistency costs USD 803.01 (the official example: 10 cost 8,030.10)', () => {
  const s = computeScore({ totalRequests: 61503, okUnder250ms: 61503, inconsistencies: 10 });
  assert.equal(s.inconsistencyFineUsd, 8030.1);
  assert.equal(s.totalFineUsd, 8030.1);
  assert.equal(s.payoutUsd, 91969.9);
});

test('the payout never goes below zero', () => {
  const s = computeScore({ totalRequests: 100, okUnder250ms: 0, inconsistencies: 200 });
  assert.equal(s.slaFineUsd, 98000);
  assert.equal(s.payoutUsd, 0);
  assert.equal(computeScore({ totalRequests: 0, okUnder250ms: 0, inconsistencies: 0 }).sharePct, 0);
});

test('round2 rounds to cents', () => {
  assert.equal(round2(1.234), 1.23);
  assert.equal(round2(8030.1000000001), 8030.1);
});
