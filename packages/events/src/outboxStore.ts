/**
 * The store of a service that writes events: @shop/data's transactional store
 * whose every transaction also carries the producer's outbox, bound to it, so
 * an event commits if and only if the change it describes does.
 */
import { transactional, type Database, type Queryable, type Store } from '@shop/data';
import { createOutbox, type TransactionOutbox } from './createOutbox.ts';

/** What each transaction of an outbox store adds to the repositories. */
export interface OutboxUnit {
  outbox: TransactionOutbox;
}

/**
 * The store over `db` of `producer` (the service's name in every envelope it
 * writes): the repositories `reposOn` makes, on the pool and in each
 * transaction, plus the transaction's `outbox`. The relay (relayOutboxToLog)
 * moves the outbox rows to the bus. Usage: `outboxStore(db, 'user-service',
 * (q) => ({ users: new SqlUsers(q) }))`.
 */
export function outboxStore<Repos extends object>(
  db: Database,
  producer: string,
  reposOn: (queryable: Queryable) => Repos,
): Store<Repos & OutboxUnit, Repos> {
  const outbox = createOutbox(producer);
  return transactional(db, reposOn, (tx) => ({ outbox: outbox.on(tx) }));
}
