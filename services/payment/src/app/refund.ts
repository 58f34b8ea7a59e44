import { randomUUID } from 'node:crypto';
import { AppError } from '@shop/platform';
import type { Queryable } from '@shop/data';
import { appendLedger } from '../adapters/ledger.ts';
import { payments } from '../adapters/payments.ts';
import { refunds, type RefundRecord } from '../adapters/refunds.ts';
import { judgeRepeat, type KeyVerdict } from '../domain/idempotency.ts';
import { providerRefundKey } from '../domain/ports.ts';
import { decideRefund, settleRefund } from '../domain/refund.ts';
import type { PaymentDeps } from './deps.ts';
import { fingerprint } from './fingerprint.ts';
import { recordRefund, settlePendingRefund } from './recordRefund.ts';

export interface RefundInput {
  paymentId: string;
  idempotencyKey: string;
  /** Omitted: whatever is not refunded yet. */
  amountMinor: number | undefined;
  correlationId: string;
}

type Begun = { kind: 'created'; refund: RefundRecord; providerRef: string } | (KeyVerdict & { refund: RefundRecord });

/**
 * Refunds once per idempotency key, like charges: the refund is committed
 * 'pending' (its amount reserved on the payment) before the provider is
 * called under a key derived from ours.
 */
export async function refund(
  deps: PaymentDeps,
  input: RefundInput,
): Promise<{ refund: RefundRecord; replayed: boolean }> {
  const print = fingerprint([input.paymentId, input.amountMinor ?? null]);
  const begun = await deps.db.transaction(async (tx): Promise<Begun> => {
    // The payment is locked first, by every refund of it: a repeat then sees the committed refund of its key.
    const payment = await payments.lockById(tx, input.paymentId);
    if (!payment) throw new AppError('NOT_FOUND', { detail: `No payment ${input.paymentId}` });
    const existing = await repeatOf(tx, input.idempotencyKey, print, deps.leaseMs);
    if (existing) return existing;
    const decision = decideRefund(payment, input.amountMinor);
    if (!decision.ok)
      throw new AppError(decision.reason === 'exceeds_remaining' ? 'UNPROCESSABLE' : 'CONFLICT', {
        detail: decision.detail,
      });
    if (!payment.providerRef)
      throw new AppError('CONFLICT', { detail: 'The payment has no provider charge to refund' });
    const created = await refunds.insertPending(
      tx,
      {
        id: randomUUID(),
        paymentId: payment.id,
        idempotencyKey: input.idempotencyKey,
        fingerprint: print,
        amountMinor: decision.amountMinor,
        correlationId: input.correlationId,
      },
      deps.leaseMs,
    );
    // The key was taken by a refund of another payment meanwhile.
    if (!created) {
      const raced = await repeatOf(tx, input.idempotencyKey, print, deps.leaseMs);
      if (!raced) throw new AppError('REQUEST_IN_PROGRESS', { retryAfter: 1 });
      return raced;
    }
    await payments.addRefunded(tx, payment.id, decision.amountMinor);
    await appendLedger(tx, {
      paymentId: payment.id,
      refundId: created.id,
      orderId: payment.orderId,
      kind: 'refund_started',
      amountMinor: decision.amountMinor,
      currency: payment.currency,
    });
    return { kind: 'created', refund: created, providerRef: payment.providerRef };
  });

  switch (begun.kind) {
    case 'mismatch':
      throw new AppError('IDEMPOTENCY_KEY_REUSED', {
        detail: 'This Idempotency-Key was first used with a different refund',
      });
    case 'in_progress':
      throw new AppError('REQUEST_IN_PROGRESS', {
        retryAfter: 1,
        detail: 'A refund with this Idempotency-Key is still being processed',
      });
    case 'replay':
      return { refund: begun.refund, replayed: true };
    case 'take_over':
      return { refund: await settlePendingRefund(deps, begun.refund), replayed: true };
    case 'created': {
      const outcome = await deps.provider.refund({
        idempotencyKey: providerRefundKey(input.idempotencyKey),
        providerRef: begun.providerRef,
        amountMinor: begun.refund.amountMinor,
      });
      if (outcome.kind === 'unknown')
        deps.logger.warn(
          { refundId: begun.refund.id, reason: outcome.reason },
          'refund outcome unknown; left pending for the reconciler',
        );
      return {
        refund: await recordRefund(deps, begun.refund.id, (status) => settleRefund(status, outcome)),
        replayed: false,
      };
    }
  }
}

async function repeatOf(
  tx: Queryable,
  key: string,
  print: string,
  leaseMs: number,
): Promise<(KeyVerdict & { refund: RefundRecord }) | null> {
  const existing = await refunds.lockByKey(tx, key);
  if (!existing) return null;
  const verdict = judgeRepeat(
    { fingerprint: existing.fingerprint, pending: existing.status === 'pending', leaseActive: existing.leaseActive },
    print,
  );
  if (verdict.kind === 'take_over') await refunds.takeLease(tx, existing.id, leaseMs);
  return { ...verdict, refund: existing };
}
