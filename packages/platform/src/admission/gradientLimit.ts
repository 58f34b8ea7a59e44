/**
 * A concurrency limit that finds itself from measured latency, after Netflix's
 * concurrency-limits (Gradient2): the latency of the last window is compared
 * with a long-run average; while the server answers as fast as it usually does
 * the limit grows by a small queue allowance, and when it answers slower than
 * `tolerance` times its usual, the limit shrinks in proportion (by half at
 * most per window). No number per service: the limit a server needs is what
 * keeps its latency near its own normal, whatever its machine can give today.
 *
 * While fewer than half the limit are in flight the samples say nothing about
 * the limit (the server is not the bottleneck) and it stays where it is. Pure
 * state: the clock is injected.
 */
export interface GradientLimitOptions {
  initial: number;
  min: number;
  max: number;
  /** How much slower than usual the server may answer before the limit shrinks (default 1.5). */
  tolerance?: number;
  /** The share of each computed change that is applied (default 0.2): the limit moves smoothly. */
  smoothing?: number;
  /** Windows the long-run latency averages over (default 600: about a minute of busy windows). */
  longWindows?: number;
  /** A window closes once it holds this many samples (default 10) and has lasted `windowMs` (default 100). */
  windowSamples?: number;
  windowMs?: number;
  now?: () => number;
}

export class GradientLimit {
  readonly #options: Required<Omit<GradientLimitOptions, 'now' | 'initial'>>;
  readonly #now: () => number;
  #limit: number;
  /** Long-run latency, ms (an exponential average over windows, a plain mean while warming up). */
  #longMs = 0;
  #windows = 0;
  #windowStart: number;
  #windowSum = 0;
  #windowCount = 0;
  #windowPeak = 0;

  constructor(options: GradientLimitOptions) {
    this.#options = {
      min: options.min,
      max: options.max,
      tolerance: options.tolerance ?? 1.5,
      smoothing: options.smoothing ?? 0.2,
      longWindows: options.longWindows ?? 600,
      windowSamples: options.windowSamples ?? 10,
      windowMs: options.windowMs ?? 100,
    };
    this.#now = options.now ?? Date.now;
    this.#limit = Math.min(options.max, Math.max(options.min, options.initial));
    this.#windowStart = this.#now();
  }

  /** Requests that may be in flight at once now. */
  get limit(): number {
    return Math.floor(this.#limit);
  }

  /** The long-run latency the limit compares against, ms (0 until measured). */
  get usualMs(): number {
    return this.#longMs;
  }

  /** One request took `ms` from admission to answer, with `inFlight` in flight when it finished. */
  observe(ms: number, inFlight: number): void {
    this.#windowSum += ms;
    this.#windowCount += 1;
    if (inFlight > this.#windowPeak) this.#windowPeak = inFlight;
    const now = this.#now();
    if (this.#windowCount < this.#options.windowSamples || now - this.#windowStart < this.#options.windowMs) return;
    const shortMs = this.#windowSum / this.#windowCount;
    const peak = this.#windowPeak;
    this.#windowStart = now;
    this.#windowSum = 0;
    this.#windowCount = 0;
    this.#windowPeak = 0;
    this.#update(Math.max(shortMs, 0.01), peak);
  }

  #update(shortMs: number, peak: number): void {
    const { tolerance, smoothing, longWindows, min, max } = this.#options;
    this.#windows += 1;
    const weight = Math.max(2 / (longWindows + 1), 1 / this.#windows);
    this.#longMs += (shortMs - this.#longMs) * weight;
    // Latency fell far below the average (a slow spell ended): let the average catch up faster.
    if (this.#longMs / shortMs > 2) this.#longMs *= 0.95;
    if (peak < this.#limit / 2) return;
    const gradient = Math.max(0.5, Math.min(1, (tolerance * this.#longMs) / shortMs));
    const queueAllowance = Math.max(2, Math.sqrt(this.#limit));
    const next = this.#limit * gradient + queueAllowance;
    this.#limit = Math.min(max, Math.max(min, this.#limit * (1 - smoothing) + next * smoothing));
  }
}
