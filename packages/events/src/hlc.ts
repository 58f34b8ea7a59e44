/**
 * A hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", 2014).
 * A timestamp is (wall, logical): wall is the greatest physical time seen, in
 * ms; logical orders events within one wall value. Two guarantees:
 * - monotonic: every now() is greater than the previous one, even when the
 *   wall clock steps back (NTP), because wall never decreases;
 * - causal: after update(received), every local timestamp is greater than the
 *   received one, even when this machine's clock is behind the sender's.
 * Encoded as a fixed-width string so that string order is timestamp order.
 */
export interface HlcTimestamp {
  wall: number;
  logical: number;
  /** Tie-breaker between nodes; part of the encoding, not of the ordering logic. */
  node: string;
}

export class HybridLogicalClock {
  readonly #clock: () => number;
  readonly #node: string;
  #wall = 0;
  #logical = 0;

  constructor(options: { node?: string; clock?: () => number } = {}) {
    this.#clock = options.clock ?? Date.now;
    this.#node = options.node ?? '';
  }

  /** A timestamp for a local or send event. */
  now(): HlcTimestamp {
    const physical = this.#clock();
    if (physical > this.#wall) {
      this.#wall = physical;
      this.#logical = 0;
    } else {
      this.#logical += 1;
    }
    return this.#current();
  }

  /** Merges a received timestamp; the result (and every later now()) is greater than it. */
  update(remote: HlcTimestamp | string): HlcTimestamp {
    const other = typeof remote === 'string' ? decodeHlc(remote) : remote;
    const physical = this.#clock();
    const wall = Math.max(this.#wall, other.wall, physical);
    if (wall === this.#wall && wall === other.wall) this.#logical = Math.max(this.#logical, other.logical) + 1;
    else if (wall === this.#wall) this.#logical += 1;
    else if (wall === other.wall) this.#logical = other.logical + 1;
    else this.#logical = 0;
    this.#wall = wall;
    return this.#current();
  }

  #current(): HlcTimestamp {
    return { wall: this.#wall, logical: this.#logical, node: this.#node };
  }
}

const WALL_DIGITS = 15;
const LOGICAL_DIGITS = 10;

/** `000001712345678901-0000000003-node`: lexicographic order equals (wall, logical, node) order. */
export function encodeHlc(ts: HlcTimestamp): string {
  return `${String(ts.wall).padStart(WALL_DIGITS, '0')}-${String(ts.logical).padStart(LOGICAL_DIGITS, '0')}-${ts.node}`;
}

export function decodeHlc(text: string): HlcTimestamp {
  const match = /^(\d{15})-(\d{10})-(.*)$/s.exec(text);
  if (!match) throw new Error(`Not an HLC timestamp: ${JSON.stringify(text.slice(0, 60))}`);
  return { wall: Number(match[1]), logical: Number(match[2]), node: match[3] ?? '' };
}

/** Negative, zero or positive, like a sort comparator. */
export function compareHlc(a: HlcTimestamp | string, b: HlcTimestamp | string): number {
  const x = typeof a === 'string' ? a : encodeHlc(a);
  const y = typeof b === 'string' ? b : encodeHlc(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
