/**
 * The payment store over the service's database (PaymentStore): each
 * transaction gets repositories and the outbox bound to it; reads and
 * reconciler claims outside a transaction run on the pool.
 */
import { transactional, type Database, type Queryable } from '@shop/data';
import { createOutbox } from '@shop/events';
import type { PaymentOutbox, PaymentStore } from '../domain/ports.ts';
import { SqlLedger } from './ledger.ts';
import { SqlPayments } from './payments.ts';
import { SqlRefunds } from './refunds.ts';

/** The name this service writes into every event envelope. */
export const PRODUCER = 'payment-service';

const outbox = createOutbox(PRODUCER);

/** The outbox on a transaction; the relay (relayOutboxToLog, createApp.ts) moves its rows to the bus. */
function outboxOn(tx: Queryable): PaymentOutbox {
  return {
    async append(event) {
      await outbox.append(tx, event);
    },
  };
}

/** Payments, refunds and the ledger on the pool or a transaction; the outbox only in one. */
export function createPaymentStore(db: Database): PaymentStore {
  return transactional(
    db,
    (q) => ({ payments: new SqlPayments(q), refunds: new SqlRefunds(q), ledger: new SqlLedger(q) }),
    (tx) => ({ outbox: outboxOn(tx) }),
  );
}
