import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Database, Queryable } from './database.ts';
import { transactional } from './store.ts';

test('repositories on the pool outside, on the transaction inside, with the transaction-only extras', async () => {
  const tx = { name: 'tx' } as unknown as Queryable;
  const db = {
    name: 'pool',
    transaction: (work: (q: Queryable) => Promise<unknown>) => work(tx),
  } as unknown as Database;
  const store = transactional(
    db,
    (q) => ({ orders: { on: q } }),
    (q) => ({ outbox: { on: q } }),
  );
  assert.equal(store.orders.on, db);
  const seen = await store.transaction((unit) => Promise.resolve([unit.orders.on, unit.outbox.on]));
  assert.deepEqual(seen, [tx, tx]);
});
