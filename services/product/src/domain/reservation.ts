import type { RequestedLine, ReservationLine } from '@shop/contracts';

/**
 * A stock reservation's life: held -> committed (sold) or held -> released
 * (cancelled, or expired and swept). Both ends are final. Commands on a final
 * state are idempotent when they agree with it and conflicts when they do not.
 */
export type ReservationStatus = 'held' | 'committed' | 'released';
export type ReleaseReason = 'requested' | 'expired';
export type Settlement = 'commit' | 'release';

export const MIN_TTL_SECONDS = 10;
export const MAX_TTL_SECONDS = 3600;
export const MAX_LINES = 50;
export const MAX_LINE_QUANTITY = 100;

/** A reserved line and a requested one: the internal reservation API's own types. */
export type { ReservationLine, RequestedLine } from '@shop/contracts';

export interface Reservation {
  id: string;
  status: ReservationStatus;
  releaseReason: ReleaseReason | undefined;
  expiresAt: Date;
  items: ReservationLine[];
}

/** What to do when a settlement command meets a reservation in some state. */
export type Decision =
  | { kind: 'apply' }
  /** Already in the requested final state: answer as if it just happened. */
  | { kind: 'already' }
  /** Held but past its expiry: release it as expired, then refuse a commit. */
  | { kind: 'expire-first' }
  | { kind: 'conflict'; detail: string };

export function decideSettlement(
  command: Settlement,
  reservation: Pick<Reservation, 'status' | 'releaseReason' | 'expiresAt'>,
  now: Date,
): Decision {
  switch (reservation.status) {
    case 'held':
      if (command === 'commit' && reservation.expiresAt.getTime() <= now.getTime()) return { kind: 'expire-first' };
      return { kind: 'apply' };
    case 'committed':
      return command === 'commit'
        ? { kind: 'already' }
        : { kind: 'conflict', detail: 'The reservation is already committed; it cannot be released' };
    case 'released':
      return command === 'release'
        ? { kind: 'already' }
        : {
            kind: 'conflict',
            detail:
              reservation.releaseReason === 'expired'
                ? 'The reservation expired and its stock was released'
                : 'The reservation was released; it cannot be committed',
          };
  }
}

/** Lines in the one order every writer locks inventory in: ascending product id (no deadlocks). */
export function inLockOrder<T extends { productId: string }>(lines: readonly T[]): T[] {
  return [...lines].sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0));
}

/** The first product id that appears twice, if any. */
export function duplicateProduct(lines: readonly RequestedLine[]): string | undefined {
  const seen = new Set<string>();
  for (const line of lines) {
    const id = line.productId.toLowerCase();
    if (seen.has(id)) return line.productId;
    seen.add(id);
  }
  return undefined;
}

/** Whether a repeated create with the same id asks for the same thing (same products and quantities). */
export function sameRequest(existing: readonly RequestedLine[], requested: readonly RequestedLine[]): boolean {
  if (existing.length !== requested.length) return false;
  const a = inLockOrder(existing.map((l) => ({ productId: l.productId.toLowerCase(), quantity: l.quantity })));
  const b = inLockOrder(requested.map((l) => ({ productId: l.productId.toLowerCase(), quantity: l.quantity })));
  return a.every((line, i) => line.productId === b[i]!.productId && line.quantity === b[i]!.quantity);
}
