/**
 * The payment store over the service's database (PaymentStore): each
 * transaction gets repositories and the outbox bound to it; reads and
 * reconciler claims outside a transaction run on the pool.
 */
import type { Database } from '@shop/data';
import { outboxStore } from '@shop/events';
import type { PaymentStore } from '../domain/ports.ts';
import { SqlLedger } from './ledger.ts';
import { SqlPayments } from './payments.ts';
import { SqlRefunds } from './refunds.ts';

/** Payments, refunds and the ledger on the pool or a transaction; the outbox (producer payment-service) only in one. */
export function createPaymentStore(db: Database): PaymentStore {
  return outboxStore(db, 'payment-service', (q) => ({
    payments: new SqlPayments(q),
    refunds: new SqlRefunds(q),
    ledger: new SqlLedger(q),
  }));
}
