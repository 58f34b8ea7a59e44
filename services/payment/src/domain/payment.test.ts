import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidTransitionError, judgeRepeat } from './idempotency.ts';
import { settleFromCharge, settleFromLookup } from './payment.ts';
import { decideRefund, settleRefund, settleRefundFromLookup } from './refund.ts';

test('only a pending payment can be settled; an unknown outcome keeps it pending with a ledger line', () => {
  assert.equal(settleFromCharge('pending', { kind: 'succeeded', providerRef: 'pi_1' }).status, 'succeeded');
  const unknown = settleFromCharge('pending', { kind: 'unknown', reason: 'timeout' });
  assert.deepEqual([unknown.status, unknown.ledgerKind, unknown.event], ['pending', 'outcome_unknown', null]);
  assert.throws(() => settleFromCharge('succeeded', { kind: 'failed', reason: 'x' }), InvalidTransitionError);
});

test('"not found" at the provider means failed only once no request of ours can be in transit', () => {
  assert.equal(settleFromLookup('pending', { kind: 'not_found' }, false), null);
  assert.equal(settleFromLookup('pending', { kind: 'not_found' }, true)?.status, 'failed');
  assert.equal(settleFromLookup('pending', { kind: 'unknown', reason: 'down' }, true), null);
  assert.equal(
    settleFromLookup('pending', { kind: 'found', outcome: { kind: 'succeeded', providerRef: 'pi_1' } }, false)
      ?.ledgerKind,
    'reconciled_succeeded',
  );
  assert.equal(settleRefundFromLookup('pending', { kind: 'not_found' }, true)?.release, true);
});

test('refunds never exceed what is left, pending refunds included', () => {
  assert.deepEqual(decideRefund({ status: 'succeeded', amountMinor: 1000, refundedMinor: 300 }, undefined), {
    ok: true,
    amountMinor: 700,
  });
  assert.equal(decideRefund({ status: 'succeeded', amountMinor: 1000, refundedMinor: 300 }, 701).ok, false);
  assert.equal(decideRefund({ status: 'succeeded', amountMinor: 1000, refundedMinor: 1000 }, undefined).ok, false);
  assert.equal(decideRefund({ status: 'declined', amountMinor: 1000, refundedMinor: 0 }, 1).ok, false);
});

test('a repeated key: different request refused, settled replayed, live lease in progress, expired lease taken over', () => {
  assert.equal(judgeRepeat({ fingerprint: 'a', pending: false, leaseActive: false }, 'b').kind, 'mismatch');
  assert.equal(judgeRepeat({ fingerprint: 'a', pending: false, leaseActive: false }, 'a').kind, 'replay');
  assert.equal(judgeRepeat({ fingerprint: 'a', pending: true, leaseActive: true }, 'a').kind, 'in_progress');
  assert.equal(judgeRepeat({ fingerprint: 'a', pending: true, leaseActive: false }, 'a').kind, 'take_over');
});

test('each outcome settles to its status, ledger line and event; a failed refund gives its amount back', () => {
  const declined = settleFromCharge('pending', {
    kind: 'declined',
    declineCode: 'insufficient_funds',
    providerRef: 'pi_2',
  });
  assert.deepEqual(
    [declined.status, declined.ledgerKind, declined.event, declined.declineCode, declined.detail],
    ['declined', 'provider_declined', 'payment.declined', 'insufficient_funds', { declineCode: 'insufficient_funds' }],
  );
  const failed = settleFromCharge('pending', { kind: 'failed', reason: 'api_error' });
  assert.deepEqual([failed.status, failed.event, failed.providerRef], ['failed', 'payment.failed', null]);
  assert.equal(settleRefund('pending', { kind: 'failed', reason: 'refused' }).release, true);
  assert.equal(settleRefund('pending', { kind: 'unknown', reason: 'timeout' }).release, false);
  assert.equal(settleRefund('pending', { kind: 'unknown', reason: 'timeout' }).status, 'pending');
  assert.throws(() => settleRefund('succeeded', { kind: 'failed', reason: 'x' }));
});
