/**
 * The order store over the service's primary database (OrderStore): each
 * transaction gets repositories bound to it; single statements run on the pool.
 */
import { transactional, type Database } from '@shop/data';
import type { OrderStore } from '../domain/ports.ts';
import { SqlCarts } from './cartRepository.ts';
import { SqlDeclineLog } from './declineLog.ts';
import { SqlKeyAttachment } from './idempotencyStore.ts';
import { SqlOrders } from './orderRepository.ts';

/** Orders, carts and the decline log on the pool or a transaction; key attachment only in one. */
export function createOrderStore(db: Database): OrderStore {
  return transactional(
    db,
    (q) => ({ orders: new SqlOrders(q), carts: new SqlCarts(q), declines: new SqlDeclineLog(q) }),
    (tx) => ({ keys: new SqlKeyAttachment(tx) }),
  );
}
