/**
 * The order store over the service's primary database (OrderStore): each
 * transaction gets repositories bound to it; single statements run on the pool.
 */
import type { Database } from '@shop/data';
import type { OrderStore, OrderUnit } from '../domain/ports.ts';
import { SqlCarts } from './cartRepository.ts';
import { SqlDeclineLog } from './declineLog.ts';
import { SqlKeyAttachment } from './idempotencyStore.ts';
import { SqlOrders } from './orderRepository.ts';

export function createOrderStore(db: Database): OrderStore {
  return {
    transaction<T>(work: (unit: OrderUnit) => Promise<T>): Promise<T> {
      return db.transaction((tx) =>
        work({
          orders: new SqlOrders(tx),
          carts: new SqlCarts(tx),
          declines: new SqlDeclineLog(tx),
          keys: new SqlKeyAttachment(tx),
        }),
      );
    },
    orders: new SqlOrders(db),
    carts: new SqlCarts(db),
    declines: new SqlDeclineLog(db),
  };
}
