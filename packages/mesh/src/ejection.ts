import type { Backend, BackendSet } from './backends.ts';
import type { MeshListener } from './events.ts';

/**
 * Passive ejection from live traffic: a refused or dropped connection takes
 * the instance out at once; 5xx answers and timeouts count as strikes, and
 * `threshold` in a row take it out softly (only while enough of the set
 * stays in rotation, see BackendSet.ejectSoft). A success clears the strikes.
 */
export class PassiveEjection {
  readonly #backends: BackendSet;
  readonly #threshold: number;
  readonly #now: () => number;
  readonly #listener: MeshListener | undefined;
  /** Consecutive soft failures per instance (weak: discovery replaces instances). */
  readonly #strikes = new WeakMap<Backend, number>();

  constructor(options: { backends: BackendSet; threshold: number; now: () => number; listener?: MeshListener }) {
    this.#backends = options.backends;
    this.#threshold = options.threshold;
    this.#now = options.now;
    this.#listener = options.listener;
  }

  /** One more soft failure (`reason`: "503", "timeouts"); ejects softly at the threshold. */
  strike(backend: Backend, reason: string): void {
    const count = (this.#strikes.get(backend) ?? 0) + 1;
    this.#strikes.set(backend, count);
    if (count < this.#threshold) return;
    if (!this.#backends.ejectSoft(backend, this.#now())) return;
    this.#strikes.set(backend, 0);
    this.#listener?.onEject?.(backend.url, `${count} consecutive ${reason}`);
  }

  /** Refused, reset or unreachable: the instance is gone. */
  drop(backend: Backend, reason: string): void {
    this.#backends.eject(backend, this.#now());
    this.#listener?.onEject?.(backend.url, reason);
  }

  /** An answer that was not a failure: the strikes start over. */
  cleared(backend: Backend): void {
    if (this.#strikes.has(backend)) this.#strikes.set(backend, 0);
    this.#backends.succeeded(backend, this.#now());
  }
}
