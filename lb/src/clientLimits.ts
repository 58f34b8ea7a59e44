/**
 * Per-client caps at the region's public entry. A client is its TCP peer
 * address: the balancer is the first hop, so an X-Forwarded-For a client sends
 * is its own claim and never decides whose budget a request spends.
 */
import { unmappedAddress } from '@shop/platform';

/** The peer address as a cap's key: an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is the IPv4 address it carries. */
export function clientAddress(remote: string | undefined): string {
  return remote === undefined ? '' : unmappedAddress(remote);
}

/**
 * How many of something (open connections, requests in flight) each address
 * holds, up to `limit` each. An address's entry goes when its count is back
 * at zero, so the map holds only addresses with something open.
 */
export class PerAddressCap {
  readonly limit: number;
  readonly #counts = new Map<string, number>();

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`a per-address cap must be a positive integer, got ${limit}`);
    this.limit = limit;
  }

  /**
   * Takes one for the address: the release (idempotent, so every path that
   * ends the thing may call it), or undefined and nothing taken at the cap.
   */
  acquire(address: string): (() => void) | undefined {
    const held = this.#counts.get(address) ?? 0;
    if (held >= this.limit) return undefined;
    this.#counts.set(address, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#counts.get(address) ?? 1) - 1;
      if (left > 0) this.#counts.set(address, left);
      else this.#counts.delete(address);
    };
  }

  held(address: string): number {
    return this.#counts.get(address) ?? 0;
  }

  /** Addresses holding at least one. */
  get addresses(): number {
    return this.#counts.size;
  }
}
