// The rate the overload scenarios offer: the highest rate of the day mix the
// quiet platform serves with p99 under 250 ms (issue 22), found in steps of
// 50/s; the p99 there is "the quiet p99" the 3x-saturation step is held to.
import { setTimeout as sleep } from 'node:timers/promises';
import { percentile, type ShopMix } from '@shop/load';
import { offer } from './arrivals.ts';

export const QUIET_P99_LIMIT_MS = 250;

export interface SearchStep {
  rate: number;
  p99Ms: number;
  /** Share of the step's arrivals served (not shed, not failed). */
  served: number;
}

export interface QuietRate {
  rate: number;
  p99Ms: number;
  steps: SearchStep[];
  /** False when even the lowest step missed: the rate is then the lowest, and the platform was not quiet at it. */
  found: boolean;
}

export interface SearchOptions {
  from: number;
  step: number;
  max: number;
  /** Seconds per step; the first is not measured (the step's own start). */
  seconds: number;
  log?: (line: string) => void;
}

export const DEFAULT_SEARCH: SearchOptions = { from: 50, step: 50, max: 600, seconds: 6 };

/** Steps up the rate until a step misses (p99 at or above the limit, or under 99% served), or the maximum. */
export async function findQuietRate(mix: ShopMix, options: SearchOptions): Promise<QuietRate> {
  await offer(mix, options.from, options.seconds); // warm-up: JIT, pools and caches, not measured
  const steps: SearchStep[] = [];
  for (let rate = options.from; rate <= options.max; rate += options.step) {
    const step = await measureStep(mix, rate, options.seconds);
    steps.push(step);
    options.log?.(`quiet search: ${rate}/s p99 ${step.p99Ms} ms, ${(step.served * 100).toFixed(1)}% served`);
    if (!passes(step)) break;
    await sleep(1000);
  }
  return pickRate(steps);
}

async function measureStep(mix: ShopMix, rate: number, seconds: number): Promise<SearchStep> {
  const { arrivals } = await offer(mix, rate, seconds);
  const measured = arrivals.filter((a) => a.at >= 1);
  const served = measured.filter((a) => a.class === 'served');
  return {
    rate,
    p99Ms:
      Math.round(
        percentile(
          served.map((a) => a.ms),
          99,
        ) * 10,
      ) / 10,
    served: measured.length === 0 ? 0 : served.length / measured.length,
  };
}

function passes(step: SearchStep): boolean {
  return step.p99Ms < QUIET_P99_LIMIT_MS && step.served >= 0.99;
}

/** The last step that passed; without one, the first step (found: false). */
export function pickRate(steps: SearchStep[]): QuietRate {
  const best = steps.filter(passes).at(-1);
  const chosen = best ?? steps[0];
  if (!chosen) throw new Error('the quiet search ran no step');
  return { rate: chosen.rate, p99Ms: chosen.p99Ms, steps, found: best !== undefined };
}
