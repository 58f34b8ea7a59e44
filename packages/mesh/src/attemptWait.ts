import { ATTEMPT_TIMED_OUT } from './failure.ts';

const ignore = (): void => undefined;
const asError = (reason: unknown): Error => (reason instanceof Error ? reason : new Error('attempt abandoned'));

/**
 * How long one attempt waits, and who may stop it: its own timer (aborting
 * with ATTEMPT_TIMED_OUT) or the caller's signal, whichever comes first.
 *
 * The timer runs from the start, not from when a connection frees up:
 * undici's headersTimeout starts only once the request is on a socket, and an
 * aborted request still waits in the pool's queue until it gets one, so a
 * request queued behind a slow instance's busy connections would wait for
 * them with no bound at all. We stop waiting ourselves (`stopped` rejects);
 * undici drops the request when it reaches a socket.
 *
 * The caller's signal may live as long as the process (a saga's "stopping"):
 * its listener goes when the attempt's answer is done with (`release`), or
 * it would keep every attempt ever made, and each new listener scans all the old ones.
 */
export class AttemptWait {
  readonly controller = new AbortController();
  /** Rejects with the abort reason once the attempt is stopped; never resolves. */
  readonly stopped: Promise<never>;
  /** Headers arrived: from here a stop no longer means the instance was too slow. */
  answered = false;
  /** How long the attempt waits for headers (and between body chunks, unless the caller says otherwise). */
  readonly timeoutMs: number;
  /** What was left of the whole call when the attempt began. */
  readonly remainingMs: number;
  readonly #timer: NodeJS.Timeout;
  readonly #caller: AbortSignal | undefined;
  readonly #callerGaveUp = (): void => this.controller.abort(this.#caller?.reason);

  constructor(caller: AbortSignal | undefined, timeoutMs: number, remainingMs: number) {
    this.#caller = caller;
    this.timeoutMs = timeoutMs;
    this.remainingMs = remainingMs;
    const signal = this.controller.signal;
    this.stopped = new Promise<never>((_, reject) =>
      signal.addEventListener('abort', () => reject(asError(signal.reason)), { once: true }),
    );
    this.stopped.catch(ignore);
    this.#timer = setTimeout(() => this.controller.abort(ATTEMPT_TIMED_OUT), timeoutMs);
    if (caller?.aborted) this.controller.abort(caller.reason);
    else caller?.addEventListener('abort', this.#callerGaveUp, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Stopped by its own timer before any answer: the instance was too slow (or its queue too long). */
  get timedOut(): boolean {
    return !this.answered && this.controller.signal.reason === ATTEMPT_TIMED_OUT;
  }

  /** Headers are here: the timer has done its work. */
  arrived(): void {
    this.answered = true;
    clearTimeout(this.#timer);
  }

  /** The caller's abort no longer concerns this attempt (its answer is read, dropped, or never came). */
  release(): void {
    clearTimeout(this.#timer);
    this.#caller?.removeEventListener('abort', this.#callerGaveUp);
  }

  /** An answer that arrives after we stopped waiting is read by nobody: drained, so its connection is reused. */
  dropLate(pending: Promise<{ body: { dump(): Promise<void> } }>): void {
    pending
      .then((late) => (this.controller.signal.aborted && !this.answered ? late.body.dump() : undefined))
      .catch(ignore);
  }
}
