import { transactional, type Database, type Queryable } from '@shop/data';
import { createOutbox } from '@shop/events';
import type { EventOutbox, ProductStore } from '../domain/ports.ts';
import { SqlCatalog } from './catalog.ts';
import { SqlInventory } from './inventory.ts';
import { SqlReservations } from './reservations.ts';

/** The name this service writes into every event envelope. */
export const PRODUCER = 'product-service';

const outbox = createOutbox(PRODUCER);

/** The outbox on a transaction; the relay (relayOutboxToLog, createApp.ts) moves its rows to the bus. */
function outboxOn(tx: Queryable): EventOutbox {
  return {
    async append(event) {
      await outbox.append(tx, { ...event, aggregateId: event.key });
    },
  };
}

/** The product store over the service's primary database: each transaction gets repositories bound to it. */
export function createProductStore(db: Database): ProductStore {
  return transactional(
    db,
    (q) => ({ catalog: new SqlCatalog(q), inventory: new SqlInventory(q), reservations: new SqlReservations(q) }),
    (tx) => ({ outbox: outboxOn(tx) }),
  );
}
