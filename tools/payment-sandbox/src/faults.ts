/** The fault knobs: set at start from the environment and at runtime through POST /_sandbox/faults. */
export interface FaultSettings {
  /** Added to every /v1 call before it is handled. */
  latencyMs: number;
  /** Fraction of /v1 requests answered 500 without any effect. */
  errorRate: number;
  /** Fraction of successful charges committed and then answered by a destroyed connection. */
  dropRate: number;
  /** The next n successful charges are dropped (deterministic, for tests). */
  dropNext: number;
}

export class Faults {
  #settings: FaultSettings;
  readonly #random: () => number;

  constructor(initial: Partial<FaultSettings>, random: () => number) {
    this.#settings = { latencyMs: 0, errorRate: 0, dropRate: 0, dropNext: 0, ...initial };
    this.#random = random;
  }

  get settings(): FaultSettings {
    return { ...this.#settings };
  }

  update(change: Partial<FaultSettings>): FaultSettings {
    this.#settings = {
      ...this.#settings,
      ...Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)),
    };
    return this.settings;
  }

  /** Should this request fail with a 500 before doing anything? */
  injectError(): boolean {
    return this.#settings.errorRate > 0 && this.#random() < this.#settings.errorRate;
  }

  /** Should this committed charge lose its response? Consumes one `dropNext` if set. */
  dropCharge(): boolean {
    if (this.#settings.dropNext > 0) {
      this.#settings.dropNext -= 1;
      return true;
    }
    return this.#settings.dropRate > 0 && this.#random() < this.#settings.dropRate;
  }
}
