import type { Stats } from './stats.ts';

export interface OpenLoopOptions {
  stats: Stats;
  seconds: number;
  /** Offered requests per second at `elapsedSec` into the run (a ramp, steps). */
  rateAt: (elapsedSec: number) => number;
  /**
   * Makes the next request: its kind (for the report) and the call, resolving to a status (undefined: transport
   * error). `scheduledAt` (performance.now() time) is when it was due: a starved generator sends late, not at it.
   */
  next: (scheduledAt: number) => { kind: string; send: () => Promise<number | undefined> };
  /** Past this many in flight an arrival is dropped by the generator (counted apart from server errors). */
  maxInflight: number;
  /** Called about once a second with the run's progress. */
  onProgress?: (progress: { elapsedSec: number; inflight: number; rate: number }) => void;
  signal?: AbortSignal;
}

/**
 * Offers load on a fixed schedule, evenly spaced at the offered rate, whether
 * or not earlier requests have answered: a slow server shows up as latency
 * (measured from the scheduled start) instead of quietly slowing the
 * generator down. Resolves when every request has answered.
 */
export async function openLoop(options: OpenLoopOptions): Promise<void> {
  const { stats } = options;
  const start = performance.now();
  const end = start + options.seconds * 1000;
  let inflight = 0;
  let next = start;
  let lastProgress = start;
  const pending = new Set<Promise<void>>();
  while (next < end && !options.signal?.aborted) {
    const now = performance.now();
    while (next <= now && next < end) {
      const scheduled = next;
      next += 1000 / Math.max(0.1, options.rateAt((scheduled - start) / 1000));
      stats.offered(scheduled);
      if (inflight >= options.maxInflight) {
        stats.record('dropped by generator', scheduled, scheduled, 'dropped');
        continue;
      }
      const { kind, send } = options.next(scheduled);
      inflight += 1;
      const task = send()
        .then(
          (status) => stats.record(kind, scheduled, performance.now(), status),
          () => stats.record(kind, scheduled, performance.now(), undefined),
        )
        .finally(() => {
          inflight -= 1;
          pending.delete(task);
        });
      pending.add(task);
    }
    if (options.onProgress && now - lastProgress >= 1000) {
      lastProgress = now;
      options.onProgress({ elapsedSec: (now - start) / 1000, inflight, rate: options.rateAt((now - start) / 1000) });
    }
    // Wake for the next arrival (timers resolve to ~1 ms; all arrivals due by then are sent, so the mean rate is exact).
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(next, end) - performance.now())));
  }
  await Promise.all(pending);
}
