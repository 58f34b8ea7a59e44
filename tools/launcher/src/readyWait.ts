import { availableParallelism, loadavg } from 'node:os';

/** The machine's load per core (1-minute load average over the cores Node may use). */
export function loadPerCore(): number {
  return (loadavg()[0] ?? 0) / availableParallelism();
}

/** From this load per core on, the machine counts as busy: every core has a runnable process waiting. */
export const BUSY_LOAD_PER_CORE = 1;

/** After an instance became ready, this long counts as progress: the wait goes on without spending its budget. */
const PROGRESS_GRACE_MS = 5000;

/**
 * A wait for readiness whose budget only runs while nothing moves. Time while the machine is busy
 * (load per core at or above BUSY_LOAD_PER_CORE) or within PROGRESS_GRACE_MS of an instance
 * becoming ready is not spent: a start that is slow because the machine is busy is waited for,
 * not failed (failing it stops every process, and the next start is as slow). `maxFactor` bounds
 * the whole wait to that many budgets, so a start that can never succeed still ends. Pure state:
 * the clock and the load are passed in.
 */
export class ReadyBudget {
  readonly #budgetMs: number;
  readonly #startedAt: number;
  readonly #maxMs: number;
  #spent = 0;
  #lastTick: number;
  #ready = 0;
  #progressAt = Number.NEGATIVE_INFINITY;

  constructor(options: { budgetMs: number; startedAt: number; maxFactor: number }) {
    this.#budgetMs = options.budgetMs;
    this.#startedAt = options.startedAt;
    this.#lastTick = options.startedAt;
    this.#maxMs = options.budgetMs * options.maxFactor;
  }

  /** One look at `now`, with `ready` instances ready so far: whether the wait has run out. */
  expired(now: number, state: { busy: boolean; ready: number }): boolean {
    if (state.ready > this.#ready) {
      this.#ready = state.ready;
      this.#progressAt = now;
    }
    const quiet = !state.busy && now - this.#progressAt >= PROGRESS_GRACE_MS;
    if (quiet) this.#spent += Math.max(0, now - this.#lastTick);
    this.#lastTick = now;
    return this.#spent > this.#budgetMs || now - this.#startedAt > this.#maxMs;
  }

  /** Whether the wait has gone past its nominal budget in wall time (it is being extended). */
  extended(now: number): boolean {
    return now - this.#startedAt > this.#budgetMs;
  }
}
