/**
 * The idle step of a polling loop that can also be woken: the PostgreSQL
 * consumer waits for a NOTIFY, the JetStream redriver for its watch, and both
 * poll anyway in case a wake was lost.
 */

/** Why a wait ended. */
export type WakeReason = 'rung' | 'timeout' | 'aborted';

/** One loop's wake-up: `wait(ms, signal)` ends at the first of `ring()`, `ms` passing, or the abort. */
export class Doorbell {
  #answer: (reason: WakeReason) => void = () => undefined;

  /** Ends the current wait; a ring while nobody waits is lost (callers keep their own "woken" flag if they need one). */
  ring(): void {
    this.#answer('rung');
  }

  /** Resolves with why it ended; at once with 'aborted' when `signal` already is. */
  wait(ms: number, signal: AbortSignal): Promise<WakeReason> {
    if (signal.aborted) return Promise.resolve('aborted');
    return new Promise<WakeReason>((resolve) => {
      const end = (reason: WakeReason): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.#answer = () => undefined;
        resolve(reason);
      };
      const onAbort = (): void => end('aborted');
      const timer = setTimeout(() => end('timeout'), ms);
      this.#answer = end;
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
