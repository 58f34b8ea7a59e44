import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Database, Queryable } from '@shop/data';
import { outboxStore } from './outboxStore.ts';

test("outboxStore's transactions write the producer's events on their own transaction", async () => {
  const written: string[] = [];
  const on = (name: string): Queryable =>
    ({
      name,
      query: (_sql: string, values?: unknown[]) => {
        written.push(`${name}:${String(values?.[5])}`);
        return Promise.resolve({ rows: [], rowCount: 1 });
      },
    }) as unknown as Queryable;
  const tx = on('tx');
  const db = Object.assign(on('pool'), {
    transaction: (work: (q: Queryable) => Promise<unknown>) => work(tx),
  }) as unknown as Database;
  const store = outboxStore(db, 'user-service', (q) => ({ users: { on: q } }));
  assert.equal(store.users.on, db);
  const usersOn = await store.transaction(async (unit) => {
    await unit.outbox.append({
      type: 'user.registered',
      key: 'user-1',
      correlationId: 'c-1',
      payload: { userId: 'user-1', email: 'a@example.com', name: 'A' },
    });
    return unit.users.on;
  });
  assert.equal(usersOn, tx);
  assert.equal(written.length, 1);
  assert.match(written[0] ?? '', /^tx:/);
  const envelope = JSON.parse((written[0] ?? '').slice('tx:'.length)) as { producer: string; aggregateId: string };
  assert.deepEqual([envelope.producer, envelope.aggregateId], ['user-service', 'user-1']);
});
