import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideSettlement, duplicateProduct, inLockOrder, sameRequest } from './reservation.ts';

const now = new Date('2025-06-01T12:00:00Z');
const later = new Date('2025-06-01T12:15:00Z');
const earlier = new Date('2025-06-01T11:45:00Z');

test('a held reservation can be committed or released until it expires', () => {
  assert.equal(
    decideSettlement('commit', { status: 'held', releaseReason: undefined, expiresAt: later }, now).kind,
    'apply',
  );
  assert.equal(
    decideSettlement('release', { status: 'held', releaseReason: undefined, expiresAt: earlier }, now).kind,
    'apply',
  );
  assert.equal(
    decideSettlement('commit', { status: 'held', releaseReason: undefined, expiresAt: earlier }, now).kind,
    'expire-first',
  );
});

test('final states are idempotent for the same command and conflicts for the other', () => {
  assert.equal(
    decideSettlement('commit', { status: 'committed', releaseReason: undefined, expiresAt: earlier }, now).kind,
    'already',
  );
  assert.equal(
    decideSettlement('release', { status: 'committed', releaseReason: undefined, expiresAt: later }, now).kind,
    'conflict',
  );
  assert.equal(
    decideSettlement('release', { status: 'released', releaseReason: 'expired', expiresAt: earlier }, now).kind,
    'already',
  );
  const late = decideSettlement('commit', { status: 'released', releaseReason: 'expired', expiresAt: earlier }, now);
  assert.equal(late.kind, 'conflict');
  assert.match(late.kind === 'conflict' ? late.detail : '', /expired/);
});

test('lines are locked in ascending product id order', () => {
  const sorted = inLockOrder([{ productId: 'c' }, { productId: 'a' }, { productId: 'b' }]);
  assert.deepEqual(
    sorted.map((l) => l.productId),
    ['a', 'b', 'c'],
  );
});

test('duplicates and repeated requests are recognised regardless of order and case', () => {
  assert.equal(
    duplicateProduct([
      { productId: 'A', quantity: 1 },
      { productId: 'a', quantity: 2 },
    ]),
    'a',
  );
  assert.equal(duplicateProduct([{ productId: 'a', quantity: 1 }]), undefined);
  assert.ok(
    sameRequest(
      [
        { productId: 'a', quantity: 1 },
        { productId: 'b', quantity: 2 },
      ],
      [
        { productId: 'B', quantity: 2 },
        { productId: 'a', quantity: 1 },
      ],
    ),
  );
  assert.ok(!sameRequest([{ productId: 'a', quantity: 1 }], [{ productId: 'a', quantity: 2 }]));
});
