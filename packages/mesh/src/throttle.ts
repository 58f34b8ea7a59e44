/**
 * Client-side adaptive throttling (Google's SRE book, "Handling Overload"):
 * each client counts the calls it made and the ones the destination accepted
 * (answered, rather than refused or failed), both decaying over `decayMs`; once
 * accepts fall below 1/k of requests, it refuses a share of new calls itself,
 * with probability (requests - k x accepts - grace) / (requests + 1), before
 * they cost the destination anything (the grace, 10 requests, keeps a quiet
 * client's first failures from turning into refusals at once). A refused
 * destination so sees less traffic, not more, and as it recovers its accepts
 * bring the share back to zero.
 *
 * Two choices differ from the book, both for the way back: the counts fade over
 * 2 s (not minutes) and at most 80% of calls are refused (Envoy's admission
 * control default). Once the destination accepts again, accepts grow as
 * e^(t/decay) from the trickle that still goes, so the share is back to zero
 * within about decay x ln(1 / (1 - max share)), some 3 s, where a 10 s decay
 * and no cap took a minute: the metastable hold this is meant to prevent.
 * Critical calls (a checkout under way) are always sent: they count, but are
 * never refused here.
 */
export interface ThrottleOptions {
  /** Requests allowed per accept before refusing starts (default 2, the book's). */
  k?: number;
  /** Requests that may go unaccepted before any is refused (default 10). */
  grace?: number;
  /** How fast old counts fade (default 2 s). */
  decayMs?: number;
  /** The most of the calls ever refused here (default 0.8). */
  maxShare?: number;
  now?: () => number;
  random?: () => number;
}

export class AdaptiveThrottle {
  readonly #k: number;
  readonly #grace: number;
  readonly #decayMs: number;
  readonly #maxShare: number;
  readonly #now: () => number;
  readonly #random: () => number;
  #requests = 0;
  #accepts = 0;
  #at: number;

  constructor(options: ThrottleOptions = {}) {
    this.#k = options.k ?? 2;
    this.#grace = options.grace ?? 10;
    this.#decayMs = options.decayMs ?? 2000;
    this.#maxShare = options.maxShare ?? 0.8;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.#at = this.#now();
  }

  /** Counts a call; false when it should be refused locally. */
  admit(critical: boolean): boolean {
    this.#decay();
    this.#requests += 1;
    if (critical) return true;
    const refuse = this.#share();
    return refuse <= 0 || this.#random() >= refuse;
  }

  /** The destination answered a call (whatever the answer, unless it refused the work). */
  accepted(): void {
    this.#decay();
    this.#accepts += 1;
  }

  /** The share of calls refused locally now (for metrics and tests). */
  get refusing(): number {
    this.#decay();
    return Math.max(0, this.#share());
  }

  #share(): number {
    const share = (this.#requests - this.#k * this.#accepts - this.#grace) / (this.#requests + 1);
    return Math.min(this.#maxShare, share);
  }

  #decay(): void {
    const now = this.#now();
    if (now <= this.#at) return;
    const keep = Math.exp(-(now - this.#at) / this.#decayMs);
    this.#requests *= keep;
    this.#accepts *= keep;
    this.#at = now;
  }
}
