/**
 * A retry budget (as in Finagle and Envoy): retries may add at most `ratio` of
 * the request rate on top of it, plus a small floor per second so that a
 * quiet client can still retry. Under a 50% failure rate the load reaching a
 * struggling service grows by at most ratio (20%), instead of doubling or
 * tripling as naive per-request retries do.
 */
export interface RetryBudgetOptions {
  ratio: number;
  minRetriesPerSec: number;
  /** Tokens older than this no longer count (the budget reflects recent traffic). */
  ttlMs: number;
  now?: () => number;
}

export class RetryBudget {
  readonly #options: RetryBudgetOptions;
  readonly #now: () => number;
  #tokens = 0;
  #floorTokens: number;
  #lastRefill: number;

  constructor(options: RetryBudgetOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#floorTokens = options.minRetriesPerSec;
    this.#lastRefill = this.#now();
  }

  /** Every first attempt deposits `ratio` of a retry. */
  recordRequest(): void {
    const cap = Math.max(1, this.#options.ratio * (this.#options.ttlMs / 1000) * 1000);
    this.#tokens = Math.min(cap, this.#tokens + this.#options.ratio);
  }

  /** Withdraws one retry if the budget allows it. */
  tryRetry(): boolean {
    this.#refillFloor();
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return true;
    }
    if (this.#floorTokens >= 1) {
      this.#floorTokens -= 1;
      return true;
    }
    return false;
  }

  #refillFloor(): void {
    const now = this.#now();
    const elapsed = now - this.#lastRefill;
    if (elapsed >= 1000) {
      this.#floorTokens = this.#options.minRetriesPerSec;
      this.#lastRefill = now;
    }
  }
}
