/**
 * At most `width` restarts in progress at once, across the whole supervisor. A restart holds its
 * slot from its spawn until the instance is ready, exits again, or gives up waiting (the
 * supervisor's choice); the others wait their turn, first come first served. When many instances
 * crash together (a busy machine, a dependency gone), they come back a few at a time, each with
 * the CPU its start needs (about a core-second here), instead of all together, which makes every
 * start slow and the machine busier still.
 */
export class RestartGate {
  readonly #width: number;
  #held = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(width: number) {
    if (!(width >= 1)) throw new RangeError(`a restart gate needs a width of at least 1, got ${width}`);
    this.#width = width;
  }

  /** Restarts in progress. */
  get held(): number {
    return this.#held;
  }

  /** Restarts waiting for a slot. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /**
   * Resolves with the slot's release (calling it twice releases once) when one is free; rejects
   * with the signal's reason if `signal` aborts first (the supervisor is stopping).
   */
  acquire(signal?: AbortSignal): Promise<() => void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason as Error);
        return;
      }
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort);
        this.#held += 1;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.#held -= 1;
          this.#waiting.shift()?.();
        });
      };
      const onAbort = (): void => {
        const at = this.#waiting.indexOf(grant);
        if (at >= 0) this.#waiting.splice(at, 1);
        reject(signal?.reason as Error);
      };
      if (this.#held < this.#width) {
        grant();
        return;
      }
      this.#waiting.push(grant);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
