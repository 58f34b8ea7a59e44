/**
 * A background job run every so often (recovery, reconciliation, sweeps):
 * never two runs at once, a failure logged and retried at the next tick, and
 * a stop that waits for the run in progress, so an onClose hook can end it
 * before the pool it uses closes.
 */

export interface PeriodicOptions {
  /** Pause between the end of one run and the start of the next, ms. */
  intervalMs: number;
  /** Called with a run's error (the job keeps its schedule). */
  onError: (error: unknown) => void;
}

export interface Periodic {
  /** Run as soon as possible (after the run in progress, if any) instead of waiting out the pause. */
  kick(): void;
  /** Aborts the run's signal, cancels the next one and waits for the one in progress. */
  stop(): Promise<void>;
}

/**
 * Runs `job` every `intervalMs` (first after one interval) until stopped. The
 * job gets a signal that aborts on stop: it should end at its next step.
 */
export function startPeriodic(job: (signal: AbortSignal) => Promise<unknown>, options: PeriodicOptions): Periodic {
  const stopping = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  const run = (): void => {
    timer = undefined;
    running = job(stopping.signal)
      .then(() => undefined, options.onError)
      .finally(() => {
        running = undefined;
        schedule(again ? 0 : options.intervalMs);
        again = false;
      });
  };
  const schedule = (delayMs: number): void => {
    if (stopping.signal.aborted) return;
    clearTimeout(timer);
    timer = setTimeout(run, delayMs);
    timer.unref();
  };
  schedule(options.intervalMs);
  return {
    kick() {
      if (running) again = true;
      else schedule(0);
    },
    async stop() {
      stopping.abort();
      clearTimeout(timer);
      await running;
    },
  };
}
