// A service's store in one shape: the same repositories bound to the pool for single statements,
// and bound to one transaction's client for a unit of work. Each service says only how its
// repositories are made on a Queryable.
import type { Database, Queryable } from './database.ts';

/** A store: `transaction(work)` plus the pool-bound repositories (`Pooled`). */
export type Store<Unit, Pooled> = Pooled & {
  /** Runs `work` on the repositories of one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(work: (unit: Unit) => Promise<T>): Promise<T>;
};

/**
 * The store over `db`. `reposOn(queryable)` makes the repositories (on the pool, and in each
 * transaction); `unitExtras(tx)` adds what exists only inside a transaction (the outbox, key
 * attachment). Usage: `transactional(db, (q) => ({ orders: new SqlOrders(q) }), (tx) => ({
 * keys: new SqlKeyAttachment(tx) }))`.
 */
export function transactional<Repos extends object, Extras extends object = object>(
  db: Database,
  reposOn: (queryable: Queryable) => Repos,
  unitExtras?: (tx: Queryable) => Extras,
): Store<Repos & Extras, Repos> {
  return {
    ...reposOn(db),
    transaction: <T>(work: (unit: Repos & Extras) => Promise<T>): Promise<T> =>
      db.transaction((tx) => work({ ...reposOn(tx), ...(unitExtras?.(tx) as Extras) })),
  };
}
