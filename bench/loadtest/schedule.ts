// Open-model arrival schedule, the way Gatling's `rampUsersPerSec(a).to(b).during(d)` followed by
// `constantUsersPerSec(b).during(h)` injects users: the arrival times are a pure function of the
// arrival index, so nothing per arrival is stored and the run is reproducible.

/** One injection step: the rate moves linearly from `startRate` to `endRate` (users/s) over `durationS`. */
export interface InjectionStep {
  readonly startRate: number;
  readonly endRate: number;
  readonly durationS: number;
}

/** A sequence of injection steps with precomputed user counts and offsets. */
export interface InjectionProfile {
  readonly steps: readonly InjectionStep[];
  /** Users injected by each step (Gatling rounds each step's area under the rate curve). */
  readonly stepUsers: readonly number[];
  /** Seconds at which each step starts. */
  readonly stepStartS: readonly number[];
  readonly totalUsers: number;
  readonly durationS: number;
}

/** Users a step injects: the area under its rate line, rounded like Gatling does. */
export function usersInStep(step: InjectionStep): number {
  if (step.durationS <= 0) return 0;
  return Math.round(((step.startRate + step.endRate) * step.durationS) / 2);
}

export function buildProfile(steps: readonly InjectionStep[]): InjectionProfile {
  const stepUsers: number[] = [];
  const stepStartS: number[] = [];
  let total = 0;
  let start = 0;
  for (const step of steps) {
    stepStartS.push(start);
    const users = usersInStep(step);
    stepUsers.push(users);
    total += users;
    start += Math.max(0, step.durationS);
  }
  return { steps, stepUsers, stepStartS, totalUsers: total, durationS: start };
}

/**
 * Offset (s) inside a step of its k-th user (k from 0): the t where the cumulative count
 * startRate*t + (endRate-startRate)*t^2/(2d) reaches k. Written as 2k / (r0 + sqrt(r0^2 + 4ak)),
 * which is the same root but stays exact when the rate is constant (a = 0).
 */
export function offsetInStep(step: InjectionStep, k: number): number {
  const a = (step.endRate - step.startRate) / (2 * step.durationS);
  const r0 = step.startRate;
  if (k <= 0) return 0;
  return (2 * k) / (r0 + Math.sqrt(r0 * r0 + 4 * a * k));
}

/** Scheduled time (s from the start of the load phase) of user `index` of the profile. */
export function arrivalTimeS(profile: InjectionProfile, index: number): number {
  let k = index;
  for (let i = 0; i < profile.steps.length; i++) {
    const users = profile.stepUsers[i]!;
    if (k < users) return profile.stepStartS[i]! + offsetInStep(profile.steps[i]!, k);
    k -= users;
  }
  return Number.POSITIVE_INFINITY;
}

/** The three request groups of the official stress test, in report order. */
export const LOAD_GROUPS = ['débitos', 'créditos', 'extratos'] as const;
export type LoadGroupName = (typeof LOAD_GROUPS)[number];

/** Top rates (users/s) of the official simulation at scale 1; every group starts at 1/s. */
export const OFFICIAL_TOP_RATES: Readonly<Record<LoadGroupName, number>> = {
  débitos: 220,
  créditos: 110,
  extratos: 10,
};

/** Ramp from 1/s to the group's top rate, then hold; `scale` multiplies both rates. */
export function officialProfile(group: LoadGroupName, scale: number, rampS: number, holdS: number): InjectionProfile {
  const top = OFFICIAL_TOP_RATES[group] * scale;
  return buildProfile([
    { startRate: 1 * scale, endRate: top, durationS: rampS },
    { startRate: top, endRate: top, durationS: holdS },
  ]);
}

/** Walks one profile's arrivals in order without materialising them. */
export class ArrivalCursor {
  index = 0;
  /** Scheduled time of the next arrival in ms from the start of the load phase. */
  nextMs: number;

  constructor(readonly profile: InjectionProfile) {
    this.nextMs = profile.totalUsers > 0 ? arrivalTimeS(profile, 0) * 1000 : Number.POSITIVE_INFINITY;
  }

  get done(): boolean {
    return this.index >= this.profile.totalUsers;
  }

  advance(): void {
    this.index++;
    this.nextMs = this.done ? Number.POSITIVE_INFINITY : arrivalTimeS(this.profile, this.index) * 1000;
  }
}

/** Index of the cursor whose next arrival is due first, or -1 when all are exhausted. */
export function earliestCursor(cursors: readonly ArrivalCursor[]): number {
  let best = -1;
  let bestMs = Number.POSITIVE_INFINITY;
  for (let i = 0; i < cursors.length; i++) {
    const c = cursors[i]!;
    if (!c.done && c.nextMs < bestMs) {
      best = i;
      bestMs = c.nextMs;
    }
  }
  return best;
}
