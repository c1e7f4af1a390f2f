import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ArrivalCursor,
  LOAD_GROUPS,
  arrivalTimeS,
  buildProfile,
  earliestCursor,
  offsetInStep,
  officialProfile,
  usersInStep,
} from '../../bench/loadtest/schedule.js';
import { plannedLoad } from '../../bench/loadtest/load-phase.js';

test('each step injects the area under its rate line, rounded', () => {
  assert.equal(usersInStep({ startRate: 1, endRate: 220, durationS: 120 }), 13260);
  assert.equal(usersInStep({ startRate: 220, endRate: 220, durationS: 120 }), 26400);
  assert.equal(usersInStep({ startRate: 5, endRate: 5, durationS: 0 }), 0);
});

test('the official profile at scale 1 plans 61,380 load requests (61,503 with the 123 validation requests)', () => {
  const counts = LOAD_GROUPS.map((g) => officialProfile(g, 1, 120, 120).totalUsers);
  assert.deepEqual(counts, [39660, 19860, 1860]);
  assert.equal(plannedLoad(1, 120, 120).requests, 61380);
  assert.equal(plannedLoad(1, 120, 120).durationS, 240);
});

test('scale multiplies both ends of the rates', () => {
  const p = officialProfile('débitos', 10, 120, 120);
  assert.deepEqual(p.steps[0], { startRate: 10, endRate: 2200, durationS: 120 });
  assert.deepEqual(p.steps[1], { startRate: 2200, endRate: 2200, durationS: 120 });
  assert.equal(p.totalUsers, 10 * 39660);
});

test('arrival offsets invert the cumulative count of a linear ramp', () => {
  const step = { startRate: 1, endRate: 220, durationS: 120 };
  const cumulative = (t: number): number => step.startRate * t + ((step.endRate - step.startRate) * t * t) / (2 * step.durationS);
  for (const k of [0, 1, 2, 100, 5000, 13259]) {
    assert.ok(Math.abs(cumulative(offsetInStep(step, k)) - k) < 1e-6, `k=${k}`);
  }
  // A constant rate is an even spacing.
  assert.equal(offsetInStep({ startRate: 4, endRate: 4, durationS: 10 }, 3), 0.75);
});

test('arrival times are increasing, start at 0 and stay within the profile duration', () => {
  const p = officialProfile('créditos', 1, 120, 120);
  let prev = -1;
  for (let i = 0; i < p.totalUsers; i++) {
    const t = arrivalTimeS(p, i);
    assert.ok(t > prev, `time of ${i} must increase`);
    prev = t;
  }
  assert.equal(arrivalTimeS(p, 0), 0);
  assert.ok(prev < 240);
  assert.equal(arrivalTimeS(p, p.totalUsers), Number.POSITIVE_INFINITY);
  // The hold starts at 120 s with evenly spaced arrivals at 110/s.
  const firstHold = p.stepUsers[0]!;
  assert.equal(arrivalTimeS(p, firstHold), 120);
  assert.ok(Math.abs(arrivalTimeS(p, firstHold + 11) - 120.1) < 1e-9);
});

test('the instantaneous rate ramps linearly from 1/s to the top rate', () => {
  const p = officialProfile('débitos', 1, 120, 120);
  const perSecond = new Array<number>(240).fill(0);
  for (let i = 0; i < p.totalUsers; i++) perSecond[Math.floor(arrivalTimeS(p, i))]!++;
  assert.ok(perSecond[0]! >= 1 && perSecond[0]! <= 3);
  assert.ok(Math.abs(perSecond[59]! - 109) <= 2, `second 59: ${perSecond[59]}`);
  assert.ok(Math.abs(perSecond[119]! - 219) <= 2, `second 119: ${perSecond[119]}`);
  assert.equal(perSecond[180], 220);
});

test('a zero-length ramp or hold is allowed', () => {
  const holdOnly = buildProfile([
    { startRate: 1, endRate: 10, durationS: 0 },
    { startRate: 10, endRate: 10, durationS: 2 },
  ]);
  assert.equal(holdOnly.totalUsers, 20);
  assert.equal(arrivalTimeS(holdOnly, 0), 0);
  assert.equal(arrivalTimeS(holdOnly, 19), 1.9);
});

test('cursors walk arrivals without materialising them, and the earliest one wins', () => {
  const a = new ArrivalCursor(buildProfile([{ startRate: 2, endRate: 2, durationS: 1 }])); // 0, 500 ms
  const b = new ArrivalCursor(buildProfile([{ startRate: 4, endRate: 4, durationS: 1 }])); // 0, 250, 500, 750 ms
  const order: string[] = [];
  for (;;) {
    const i = earliestCursor([a, b]);
    if (i < 0) break;
    const c = i === 0 ? a : b;
    order.push(`${i === 0 ? 'a' : 'b'}@${c.nextMs}`);
    c.advance();
  }
  // Ties go to the first cursor.
  assert.deepEqual(order, ['a@0', 'b@0', 'b@250', 'a@500', 'b@500', 'b@750']);
  assert.ok(a.done && b.done);
});
