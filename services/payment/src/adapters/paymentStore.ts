/**
 * The payment store over the service's database (PaymentStore): each
 * transaction gets repositories and the outbox bound to it; reads and
 * reconciler claims outside a transaction run on the pool.
 */
import type { Database, Queryable } from '@shop/data';
import { createOutbox } from '@shop/events';
import type { PaymentOutbox, PaymentStore, PaymentUnit } from '../domain/ports.ts';
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

export function createPaymentStore(db: Database): PaymentStore {
  return {
    transaction<T>(work: (unit: PaymentUnit) => Promise<T>): Promise<T> {
      return db.transaction((tx) =>
        work({
          payments: new SqlPayments(tx),
          refunds: new SqlRefunds(tx),
          ledger: new SqlLedger(tx),
          outbox: outboxOn(tx),
        }),
      );
    },
    payments: new SqlPayments(db),
    refunds: new SqlRefunds(db),
    ledger: new SqlLedger(db),
  };
}
