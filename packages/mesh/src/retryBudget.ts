/**
 * A retry budget (as in Finagle and Envoy): over any sliding window of `ttlMs`,
 * retries may number at most `ratio` of the requests made in that window, or a
 * small floor (`minRetriesPerSec` x the window) when that is larger, so a quiet
 * client can still retry. Credit expires with the window: a healthy minute does
 * not bank retries for the next outage. Under a 50% failure rate the load
 * reaching a struggling service therefore grows by at most `ratio` (20%).
 *
 * The window is kept in buckets. Both counts are rounded in the safe direction:
 * requests count only in buckets wholly inside the window, retries in every
 * bucket that overlaps it, so the bound holds for any interval of `ttlMs`.
 */
export interface RetryBudgetOptions {
  ratio: number;
  minRetriesPerSec: number;
  /** The sliding window: requests and retries older than this no longer count. */
  ttlMs: number;
  /** Buckets the window is kept in (default 20): the coarser, the more the rounding costs in budget. */
  buckets?: number;
  now?: () => number;
}

export class RetryBudget {
  readonly #ratio: number;
  readonly #floor: number;
  readonly #now: () => number;
  readonly #buckets: number;
  readonly #bucketMs: number;
  /** Ring of buckets + 1 slots: which bucket a slot holds, and its counts. */
  readonly #slotBucket: number[];
  readonly #requests: number[];
  readonly #retries: number[];

  constructor(options: RetryBudgetOptions) {
    this.#ratio = options.ratio;
    this.#floor = options.minRetriesPerSec * (options.ttlMs / 1000);
    this.#now = options.now ?? Date.now;
    this.#buckets = Math.max(1, Math.floor(options.buckets ?? 20));
    this.#bucketMs = Math.max(1, options.ttlMs / this.#buckets);
    const slots = this.#buckets + 1;
    this.#slotBucket = new Array<number>(slots).fill(Number.NEGATIVE_INFINITY);
    this.#requests = new Array<number>(slots).fill(0);
    this.#retries = new Array<number>(slots).fill(0);
  }

  /** Every first attempt counts towards the retries the window allows. */
  recordRequest(): void {
    this.#requests[this.#slot(this.#current())]! += 1;
  }

  /** Withdraws one retry if the window allows it (a granted retry counts against the window). */
  tryRetry(): boolean {
    const current = this.#current();
    let requests = 0;
    let retries = 0;
    for (let slot = 0; slot < this.#slotBucket.length; slot++) {
      const bucket = this.#slotBucket[slot]!;
      if (bucket > current - this.#buckets && bucket <= current) requests += this.#requests[slot]!;
      if (bucket >= current - this.#buckets && bucket <= current) retries += this.#retries[slot]!;
    }
    if (retries + 1 > Math.max(this.#ratio * requests, this.#floor)) return false;
    this.#retries[this.#slot(current)]! += 1;
    return true;
  }

  #current(): number {
    return Math.floor(this.#now() / this.#bucketMs);
  }

  /** The slot of `bucket`, emptied first if it still holds an older bucket. */
  #slot(bucket: number): number {
    const slot = ((bucket % this.#slotBucket.length) + this.#slotBucket.length) % this.#slotBucket.length;
    if (this.#slotBucket[slot] !== bucket) {
      this.#slotBucket[slot] = bucket;
      this.#requests[slot] = 0;
      this.#retries[slot] = 0;
    }
    return slot;
  }
}
