/**
 * Slow start, as Envoy's slow_start_config and HAProxy's `slowstart`: an
 * instance new to a set, or back in rotation after an ejection or failed
 * health checks, is cold (empty caches, unopened pools, code not yet
 * optimised). Given its full share at once it answers late, is seen as slow,
 * and may be ejected again. So its weight grows with its time in rotation,
 * from `minWeight` to 1 over `windowMs`, along Envoy's aggression curve
 * (`(t / window) ^ (1 / aggression)`: 1 is linear, above 1 ramps faster early).
 * A weight only ever compares instances: all in slow start alike is none.
 */
export interface SlowStartPolicy {
  /** How long an instance ramps up (default 10 s; 0 turns slow start off). */
  slowStartMs?: number;
  /** Its weight when it enters rotation (default 0.1, Envoy's min_weight_percent of 10). */
  slowStartMinWeight?: number;
  /** The curve's aggression (default 1: linear, Envoy's default). */
  slowStartAggression?: number;
}

const DEFAULT_WINDOW_MS = 10_000;
const DEFAULT_MIN_WEIGHT = 0.1;
const DEFAULT_AGGRESSION = 1;

/** The weight of an instance in rotation since `since` (1 once its window has passed, or with no start known). */
export function slowStartWeight(policy: SlowStartPolicy, since: number | undefined, now: number): number {
  const windowMs = policy.slowStartMs ?? DEFAULT_WINDOW_MS;
  if (since === undefined || windowMs <= 0 || now - since >= windowMs) return 1;
  const minWeight = policy.slowStartMinWeight ?? DEFAULT_MIN_WEIGHT;
  const aggression = policy.slowStartAggression ?? DEFAULT_AGGRESSION;
  const share = Math.max(0, now - since) / windowMs;
  return Math.min(1, Math.max(minWeight, share ** (1 / aggression)));
}
