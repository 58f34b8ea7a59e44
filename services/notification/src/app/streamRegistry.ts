/**
 * The live streams (SSE) of one instance. Admits a stream only within a cap
 * per user and a cap per instance; ends it when its access token expires, or
 * when its session is revoked. Bookkeeping only: the caller's `end` writes to
 * the socket, and time comes from the injected clock.
 *
 * Why caps: a stream holds a socket, a request slot of the platform's
 * admission control and a connection upstream for as long as the client
 * likes; one customer opening 256 of them starved every other user (issue 13,
 * attack 4). Why expiry: a stream is authorised once, at open; past its
 * token's expiry nothing would vouch for it any more.
 */

export type EndReason = 'token-expired' | 'session-revoked' | 'shutting-down';

/** Why a stream was not admitted. */
export type Refusal = 'user-limit' | 'instance-limit' | 'token-expired';

/** Whose stream it is: the fields of the access token's Principal that bound it. */
export interface StreamOwner {
  userId: string;
  /** The session the token was issued in; a stream without one ends only at expiry. */
  sessionId: string | undefined;
  /** Epoch ms. */
  expiresAt: number;
}

export interface Clock {
  now(): number;
  /** Runs `fn` once after `ms`; the returned function cancels it. */
  after(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  after: (ms, fn) => {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
};

export type Admission = { ok: true; release: () => void } | { ok: false; refusal: Refusal };

export interface StreamLimits {
  perUser: number;
  perInstance: number;
}

// setTimeout fires at once for delays past 2^31-1 ms; longer waits are re-armed.
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Entry {
  owner: StreamOwner;
  end: (reason: EndReason) => void;
  cancelTimer: () => void;
}

export class StreamRegistry {
  readonly limits: StreamLimits;
  readonly #clock: Clock;
  readonly #byUser = new Map<string, Set<Entry>>();
  #size = 0;

  constructor(limits: StreamLimits, clock: Clock = systemClock) {
    this.limits = limits;
    this.#clock = clock;
  }

  /**
   * Admits a stream, or says why not (checked in this order: an expired token,
   * the user's cap, the instance's cap). An admitted stream holds its slot
   * until `release()` (the socket closed) or until the registry calls `end`
   * (at most once, never from within `open`), which releases it too.
   */
  open(owner: StreamOwner, end: (reason: EndReason) => void): Admission {
    if (owner.expiresAt <= this.#clock.now()) return { ok: false, refusal: 'token-expired' };
    const mine = this.#byUser.get(owner.userId) ?? new Set<Entry>();
    if (mine.size >= this.limits.perUser) return { ok: false, refusal: 'user-limit' };
    if (this.#size >= this.limits.perInstance) return { ok: false, refusal: 'instance-limit' };
    const entry: Entry = { owner, end, cancelTimer: () => undefined };
    mine.add(entry);
    this.#byUser.set(owner.userId, mine);
    this.#size += 1;
    this.#arm(entry);
    return { ok: true, release: () => this.#remove(entry) };
  }

  /** Ends the user's streams opened in `sessionId`; returns how many. */
  endSession(userId: string, sessionId: string): number {
    const matching = [...(this.#byUser.get(userId) ?? [])].filter((e) => e.owner.sessionId === sessionId);
    matching.forEach((entry) => this.#end(entry, 'session-revoked'));
    return matching.length;
  }

  /** Ends every stream (shutdown). */
  endAll(reason: EndReason): void {
    for (const set of [...this.#byUser.values()]) for (const entry of [...set]) this.#end(entry, reason);
  }

  get size(): number {
    return this.#size;
  }

  countOf(userId: string): number {
    return this.#byUser.get(userId)?.size ?? 0;
  }

  #arm(entry: Entry): void {
    const left = entry.owner.expiresAt - this.#clock.now();
    if (left <= 0) this.#end(entry, 'token-expired');
    // Re-checked when the timer fires: a long wait is armed in steps, and a timer may run a little early.
    else entry.cancelTimer = this.#clock.after(Math.min(left, MAX_TIMER_MS), () => this.#arm(entry));
  }

  #end(entry: Entry, reason: EndReason): void {
    if (this.#remove(entry)) entry.end(reason);
  }

  /** False when the entry was already gone (released, or ended). */
  #remove(entry: Entry): boolean {
    const set = this.#byUser.get(entry.owner.userId);
    if (!set?.delete(entry)) return false;
    if (set.size === 0) this.#byUser.delete(entry.owner.userId);
    this.#size -= 1;
    entry.cancelTimer();
    return true;
  }
}
