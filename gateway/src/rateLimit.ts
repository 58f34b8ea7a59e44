/**
 * Rate limiting by GCRA (the generic cell rate algorithm): one timestamp per
 * key (the theoretical arrival time), requests spaced evenly at `ratePerSec`
 * with a burst allowance, no fixed windows to game at their edges. The store
 * is a port: in memory per gateway instance by default, Redis when shared
 * (one Lua script doing the same arithmetic).
 */
export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until a request would be allowed again (0 when allowed). */
  retryAfterSec: number;
  /** Seconds until the bucket is full again. */
  resetSec: number;
}

export interface RateLimitStore {
  take(key: string, ratePerSec: number, burst: number, nowMs: number): Promise<RateLimitDecision> | RateLimitDecision;
}

export function gcra(
  tatMs: number | undefined,
  ratePerSec: number,
  burst: number,
  nowMs: number,
): { decision: RateLimitDecision; tatMs: number } {
  const interval = 1000 / ratePerSec;
  const tolerance = interval * (burst - 1);
  const tat = Math.max(tatMs ?? nowMs, nowMs);
  const allowAt = tat - tolerance;
  if (nowMs < allowAt) {
    return {
      tatMs: tat,
      decision: {
        allowed: false,
        limit: burst,
        remaining: 0,
        retryAfterSec: Math.max(1, Math.ceil((allowAt - nowMs) / 1000)),
        resetSec: Math.ceil((tat - nowMs) / 1000),
      },
    };
  }
  const next = tat + interval;
  const remaining = Math.max(0, Math.floor((tolerance - (next - nowMs)) / interval) + 1);
  return {
    tatMs: next,
    decision: { allowed: true, limit: burst, remaining, retryAfterSec: 0, resetSec: Math.ceil((next - nowMs) / 1000) },
  };
}

export class MemoryRateLimitStore implements RateLimitStore {
  readonly #tats = new Map<string, number>();
  #sweptAt = 0;

  take(key: string, ratePerSec: number, burst: number, nowMs: number): RateLimitDecision {
    const { decision, tatMs } = gcra(this.#tats.get(key), ratePerSec, burst, nowMs);
    this.#tats.set(key, tatMs);
    if (nowMs - this.#sweptAt > 10_000) this.#sweep(nowMs);
    return decision;
  }

  /** Keys whose arrival time has passed hold no state worth keeping. */
  #sweep(nowMs: number): void {
    this.#sweptAt = nowMs;
    for (const [key, tat] of this.#tats) if (tat < nowMs) this.#tats.delete(key);
  }
}

/**
 * A shared store that is unreachable must not take the API down: decisions
 * fall back to this instance's own memory until the shared store answers again.
 */
export class FallbackRateLimitStore implements RateLimitStore {
  readonly #primary: RateLimitStore;
  readonly #fallback: RateLimitStore;
  readonly #onError: (error: unknown) => void;

  constructor(primary: RateLimitStore, fallback: RateLimitStore, onError: (error: unknown) => void) {
    this.#primary = primary;
    this.#fallback = fallback;
    this.#onError = onError;
  }

  async take(key: string, ratePerSec: number, burst: number, nowMs: number): Promise<RateLimitDecision> {
    try {
      return await this.#primary.take(key, ratePerSec, burst, nowMs);
    } catch (error) {
      this.#onError(error);
      return this.#fallback.take(key, ratePerSec, burst, nowMs);
    }
  }
}
