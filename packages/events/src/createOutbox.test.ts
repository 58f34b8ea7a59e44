import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Queryable } from '@shop/data';
import { createOutbox } from './createOutbox.ts';

function recordingTx(): { tx: Queryable; rows: unknown[][] } {
  const rows: unknown[][] = [];
  const tx = {
    query: (_sql: string, values?: unknown[]) => {
      rows.push(values ?? []);
      return Promise.resolve({ rows: [], rowCount: 1 });
    },
  } as unknown as Queryable;
  return { tx, rows };
}

test('createOutbox writes an event on the topic and version its contract declares, in the producer envelope', async () => {
  const { tx, rows } = recordingTx();
  const outbox = createOutbox('payment-service');
  const id = await outbox.append(tx, {
    type: 'payment.declined',
    key: 'order-1',
    aggregateId: 'pay-1',
    correlationId: 'c-1',
    payload: {
      paymentId: '0190a0b0-0000-7000-8000-000000000001',
      orderId: 'order-1',
      userId: '0190a0b0-0000-7000-8000-000000000002',
      amountMinor: 500,
      currency: 'EUR',
      status: 'declined',
    },
  });
  const [row] = rows;
  assert.ok(row);
  const [rowId, topic, type, version, key, envelope] = row as [string, string, string, number, string, string];
  assert.equal(rowId, id);
  assert.deepEqual([topic, type, version, key], ['payment', 'payment.declined', 1, 'order-1']);
  const parsed = JSON.parse(envelope) as { producer: string; aggregateId: string; correlationId: string };
  assert.deepEqual([parsed.producer, parsed.aggregateId, parsed.correlationId], ['payment-service', 'pay-1', 'c-1']);
});

test('createOutbox refuses an event type no contract declares', async () => {
  const { tx, rows } = recordingTx();
  const outbox = createOutbox('test');
  await assert.rejects(
    outbox.append(tx, { type: 'order.teleported' as 'order.placed', key: 'k', payload: {} as never }),
    /No contract declares the event type order.teleported/,
  );
  assert.equal(rows.length, 0);
});

test('outbox.on(tx) writes on that transaction, with the aggregate id defaulting to the key', async () => {
  const { tx, rows } = recordingTx();
  const other = recordingTx();
  const outbox = createOutbox('product-service');
  const bound = outbox.on(tx);
  await bound.append({
    type: 'product.deleted',
    key: 'prod-1',
    correlationId: 'c-2',
    payload: { productId: 'prod-1', sku: 'SKU-1' },
  });
  assert.equal(other.rows.length, 0);
  const [row] = rows;
  assert.ok(row);
  const [, topic, type, , key, envelope] = row as [string, string, string, number, string, string];
  assert.deepEqual([topic, type, key], ['product', 'product.deleted', 'prod-1']);
  const parsed = JSON.parse(envelope) as { producer: string; aggregateId: string; correlationId: string };
  assert.deepEqual([parsed.producer, parsed.aggregateId, parsed.correlationId], ['product-service', 'prod-1', 'c-2']);
});
