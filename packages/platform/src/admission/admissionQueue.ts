import type { GradientLimit } from './gradientLimit.ts';

/** Why a request was refused: the queue was full of more important work, its wait ran out, or it had no time left. */
export type ShedReason = 'queue-full' | 'displaced' | 'queue-timeout' | 'no-time';

export interface AdmissionListener {
  shed?(rank: number, reason: ShedReason): void;
  /** A queued request got in after waiting `ms`. */
  waited?(ms: number): void;
}

export interface AdmissionQueueOptions {
  limit: GradientLimit;
  /**
   * CoDel (as Facebook's servers use it): while the shortest wait over an
   * interval stays above `targetMs` the queue is standing, and a waiter gets
   * only `targetMs` (served newest first, adaptive LIFO); otherwise it may wait
   * up to `intervalMs`. Defaults 10 and 100.
   */
  targetMs?: number;
  intervalMs?: number;
  /** Priority classes, ranks 0 (most critical) to classes - 1 (default 5). */
  classes?: number;
  now?: () => number;
  listener?: AdmissionListener;
}

/** Ends an admitted request: frees its place and reports its latency to the limit. Idempotent. */
export type Release = () => void;

/** Called once: with a release when the request got in (now or after a wait), without one when it was refused. */
export type Admitted = (release: Release | undefined, reason?: ShedReason) => void;

interface Waiter {
  rank: number;
  at: number;
  then: Admitted;
  timer: NodeJS.Timeout | undefined;
}

const NOTHING = (): void => {};

/**
 * Admission for one server: up to the adaptive limit in flight; past it a
 * short queue ordered by criticality, bounded in time by CoDel and by what the
 * caller has left of its deadline; past that, refusal at once. When the queue
 * is full, a more critical arrival displaces the newest of the least critical
 * waiters. What waits longer than it may is refused, never answered late.
 */
export class AdmissionQueue {
  readonly #limit: GradientLimit;
  readonly #targetMs: number;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #listener: AdmissionListener;
  readonly #queues: Waiter[][];
  #inFlight = 0;
  #waiting = 0;
  #standing = false;
  #intervalStart: number;
  #minWaitMs = Number.POSITIVE_INFINITY;

  constructor(options: AdmissionQueueOptions) {
    this.#limit = options.limit;
    this.#targetMs = options.targetMs ?? 10;
    this.#intervalMs = options.intervalMs ?? 100;
    this.#now = options.now ?? Date.now;
    this.#listener = options.listener ?? {};
    this.#queues = Array.from({ length: options.classes ?? 5 }, () => []);
    this.#intervalStart = this.#now();
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get waiting(): number {
    return this.#waiting;
  }

  get limit(): number {
    return this.#limit.limit;
  }

  /**
   * Admits a request of `rank` now, queues it, or refuses it; `then` learns
   * which. `budgetMs` is what the caller has left, when it says. Returns what
   * to call if the client leaves while it waits (it is dropped unanswered).
   */
  enter(rank: number, budgetMs: number | undefined, then: Admitted): () => void {
    const now = this.#now();
    if (this.#waiting === 0 && this.#inFlight < this.#limit.limit) {
      then(this.#admit(now));
      return NOTHING;
    }
    const maxWait = Math.min(this.#standing ? this.#targetMs : this.#intervalMs, this.#timeLeft(budgetMs));
    if (maxWait <= 0) return this.#refuse(rank, 'no-time', then);
    if (this.#waiting >= this.#capacity()) {
      const displaced = this.#newestLessCritical(rank);
      if (!displaced) return this.#refuse(rank, 'queue-full', then);
      this.#drop(displaced, 'displaced');
    }
    const waiter: Waiter = { rank, at: now, then, timer: undefined };
    waiter.timer = setTimeout(() => this.#drop(waiter, 'queue-timeout'), maxWait);
    this.#queues[Math.min(rank, this.#queues.length - 1)]!.push(waiter);
    this.#waiting += 1;
    this.#dispatch(now);
    return () => this.#remove(waiter);
  }

  /** Time worth waiting: what the caller has left, less what an answer usually takes here. */
  #timeLeft(budgetMs: number | undefined): number {
    return budgetMs === undefined ? Number.POSITIVE_INFINITY : budgetMs - this.#limit.usualMs;
  }

  #capacity(): number {
    return Math.max(8, this.#limit.limit);
  }

  #refuse(rank: number, reason: ShedReason, then: Admitted): () => void {
    this.#listener.shed?.(rank, reason);
    then(undefined, reason);
    return NOTHING;
  }

  #admit(now: number): Release {
    this.#inFlight += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const end = this.#now();
      this.#limit.observe(end - now, this.#inFlight);
      this.#inFlight -= 1;
      this.#dispatch(end);
    };
  }

  /** Free places go to waiters, most critical class first; within a class oldest first, newest first while the queue stands. */
  #dispatch(now: number): void {
    while (this.#waiting > 0 && this.#inFlight < this.#limit.limit) {
      const queue = this.#queues.find((q) => q.length > 0)!;
      const waiter = this.#standing ? queue.pop()! : queue.shift()!;
      clearTimeout(waiter.timer);
      this.#waiting -= 1;
      this.#codel(now - waiter.at, now);
      this.#listener.waited?.(now - waiter.at);
      waiter.then(this.#admit(now));
    }
    if (this.#waiting === 0) this.#standing = false;
  }

  /** The shortest wait over each interval decides whether the queue is standing for the next. */
  #codel(waitedMs: number, now: number): void {
    if (waitedMs < this.#minWaitMs) this.#minWaitMs = waitedMs;
    if (now - this.#intervalStart < this.#intervalMs) return;
    this.#standing = this.#minWaitMs > this.#targetMs;
    this.#intervalStart = now;
    this.#minWaitMs = Number.POSITIVE_INFINITY;
  }

  #newestLessCritical(rank: number): Waiter | undefined {
    for (let r = this.#queues.length - 1; r > rank; r--) {
      const last = this.#queues[r]!.at(-1);
      if (last) return last;
    }
    return undefined;
  }

  #drop(waiter: Waiter, reason: ShedReason): void {
    if (!this.#remove(waiter)) return;
    // A wait that ran out was a long one: it counts towards the queue standing.
    if (reason === 'queue-timeout') this.#codel(this.#now() - waiter.at, this.#now());
    this.#listener.shed?.(waiter.rank, reason);
    waiter.then(undefined, reason);
  }

  /** Takes a waiter out of its queue; false when it is no longer there. */
  #remove(waiter: Waiter): boolean {
    const queue = this.#queues[Math.min(waiter.rank, this.#queues.length - 1)]!;
    const at = queue.indexOf(waiter);
    if (at === -1) return false;
    queue.splice(at, 1);
    clearTimeout(waiter.timer);
    this.#waiting -= 1;
    return true;
  }
}
