import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CONSUMED_EVENTS, EVENT_CONTRACTS } from './catalog.ts';
import { InvalidPayloadError, parsePayload, payloadProblems } from './validate.ts';

const confirmed = {
  orderId: '0190a0b0-0000-7000-8000-000000000001',
  userId: '0190a0b0-0000-7000-8000-000000000002',
  email: 'ada@example.com',
  totalMinor: 1299,
  currency: 'EUR',
  items: [{ productId: 'p-1', name: 'Lamp', quantity: 1, unitPriceMinor: 1299 }],
};

test('parsePayload returns a payload that keeps its contract, extra fields allowed', () => {
  assert.equal(parsePayload('order.confirmed', { ...confirmed, extra: true }).items[0]?.name, 'Lamp');
});

test('parsePayload names what breaks the contract (a null item name is refused)', () => {
  const broken = { ...confirmed, items: [{ ...confirmed.items[0], name: null }] };
  assert.throws(
    () => parsePayload('order.confirmed', broken),
    (error) => error instanceof InvalidPayloadError && /\/items\/0\/name/.test(error.message),
  );
});

test('every type a consumer reads has a contract, on the topic its name says', () => {
  for (const types of Object.values(CONSUMED_EVENTS))
    for (const type of types) assert.deepEqual(payloadProblems(type, undefined, 1).length, 1, type);
  for (const [type, contract] of Object.entries(EVENT_CONTRACTS)) {
    assert.equal(contract.type, type);
    assert.equal(type.split('.')[0], contract.topic);
  }
  assert.deepEqual(payloadProblems('order.teleported', {}), ['no contract declares order.teleported']);
});
