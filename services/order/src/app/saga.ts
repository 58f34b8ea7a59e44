/** The checkout saga's shared parts: what it needs, one drive's state, and saving a move. */
import type { Logger } from '@shop/platform';
import type { Order, OrderStatus } from '../domain/order.ts';
import type { OrderStore, OrderUnit, PaymentPort, ProductPort } from '../domain/ports.ts';
import type { DeclineLimits } from './declineLimits.ts';

export interface SagaDeps {
  store: OrderStore;
  product: ProductPort;
  payment: PaymentPort;
  logger: Logger;
  /** This driver's identity for the order's lease. */
  owner: string;
  leaseMs: number;
  /** The clock that stamps a declined payment (the card-testing limit). */
  declines: Pick<DeclineLimits, 'now'>;
  /** After this many transient failures while still `pending`, give up and compensate. */
  maxReserveAttempts?: number;
}

/** Why a drive stopped before a terminal state. */
export type Step = 'advanced' | 'waiting';

/** One drive's view of the order: it, the transient failures so far, and the drive's abort signal. */
export interface SagaState {
  order: Order;
  attempts: number;
  signal: AbortSignal | undefined;
}

/**
 * Saves the order's move from `from` (conditional on that status), with
 * `alsoInTransaction` on the same transaction, under a renewed lease.
 */
export async function saveMove(
  deps: SagaDeps,
  order: Order,
  from: OrderStatus,
  alsoInTransaction?: (unit: OrderUnit) => Promise<void>,
): Promise<void> {
  await deps.store.transaction(async (unit) => {
    await unit.orders.save(order, from, { owner: deps.owner, ms: deps.leaseMs });
    if (alsoInTransaction) await alsoInTransaction(unit);
  });
}
