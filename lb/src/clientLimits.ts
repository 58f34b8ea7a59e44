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

export interface ClientLimits {
  /** The request line and headers must arrive within this long (node:http's headersTimeout). */
  headersTimeoutMs: number;
  /** The whole request, headers and body, must arrive within this long (node:http's requestTimeout; a backstop for the two deadlines). */
  requestTimeoutMs: number;
  /**
   * The body must arrive whole within this long of the headers, or the
   * request is answered 408 and its connection closed. A deadline, not an
   * idle timeout: a body dribbled a byte every few seconds cannot extend it.
   */
  bodyTimeoutMs: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs: number;
  /** Open connections per client address; one more is closed at once. */
  maxConnections: number;
  /** Requests per client address from their headers to their answer (uploads included); one more is answered 429. */
  maxInFlight: number;
}

/**
 * A browser opens at most 6 connections per host; 64 leaves room for a few
 * dozen people behind one NAT. A JSON body of the platform is a few KiB: 10 s
 * is a generous deadline for one (and 100 KiB/s for the largest allowed).
 */
export const CLIENT_DEFAULTS: ClientLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  bodyTimeoutMs: 10_000,
  keepAliveTimeoutMs: 15_000,
  maxConnections: 64,
  maxInFlight: 32,
};
