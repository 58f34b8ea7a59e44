import type { Database } from '@shop/data';
import { outboxStore } from '@shop/events';
import type { ProductStore } from '../domain/ports.ts';
import { SqlCatalog } from './catalog.ts';
import { SqlInventory } from './inventory.ts';
import { SqlReservations } from './reservations.ts';

/** The product store over the service's primary database: each transaction gets repositories and the outbox (producer product-service) bound to it. */
export function createProductStore(db: Database): ProductStore {
  return outboxStore(db, 'product-service', (q) => ({
    catalog: new SqlCatalog(q),
    inventory: new SqlInventory(q),
    reservations: new SqlReservations(q),
  }));
}
