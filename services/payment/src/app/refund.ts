import { randomUUID } from 'node:crypto';
import { AppError } from '@shop/platform';
import type { PaymentUnit } from '../domain/ports.ts';
import { providerRefundKey } from '../domain/provider.ts';
import { decideRefund, settleRefund, type RefundRecord } from '../domain/refund.ts';
import type { PaymentDeps } from './deps.ts';
import { fingerprint } from './fingerprint.ts';
import { recordRefund } from './recordRefund.ts';
import { carryOn, repeatOf, type Begun } from './repeats.ts';
import { settlePendingRefund } from './settleLost.ts';

export interface RefundInput {
  paymentId: string;
  idempotencyKey: string;
  /** Omitted: whatever is not refunded yet. */
  amountMinor: number | undefined;
  correlationId: string;
}

type BegunRefund = Begun<RefundRecord, { providerRef: string }>;

/**
 * Refunds once per idempotency key, like charges: the refund is committed
 * 'pending' (its amount reserved on the payment) before the provider is
 * called under a key derived from ours.
 */
export async function refund(
  deps: PaymentDeps,
  input: RefundInput,
): Promise<{ refund: RefundRecord; replayed: boolean }> {
  const request = { ...input, fingerprint: fingerprint([input.paymentId, input.amountMinor ?? null]) };
  const begun = await deps.store.transaction((unit) => beginRefund(unit, request, deps.leaseMs));
  const { record, replayed } = await carryOn(begun, 'refund', {
    settleLost: (pending) => settlePendingRefund(deps, pending),
    send: (created) => sendRefund(deps, created),
  });
  return { refund: record, replayed };
}

type RefundRequest = RefundInput & { fingerprint: string };

/** The pending refund (its amount reserved on the payment) and its ledger line, or what the key's earlier use says. */
async function beginRefund(unit: PaymentUnit, input: RefundRequest, leaseMs: number): Promise<BegunRefund> {
  // The payment is locked first, by every refund of it: a repeat then sees the committed refund of its key.
  const payment = await unit.payments.lockById(input.paymentId);
  if (!payment) throw new AppError('NOT_FOUND', { detail: `No payment ${input.paymentId}` });
  const existing = await repeatedRefund(unit, input, leaseMs);
  if (existing) return existing;
  const decision = decideRefund(payment, input.amountMinor);
  if (!decision.ok)
    throw new AppError(decision.reason === 'exceeds_remaining' ? 'UNPROCESSABLE' : 'CONFLICT', {
      detail: decision.detail,
    });
  if (!payment.providerRef) throw new AppError('CONFLICT', { detail: 'The payment has no provider charge to refund' });
  const { idempotencyKey, fingerprint, correlationId } = input;
  const created = await unit.refunds.insertPending(
    {
      id: randomUUID(),
      paymentId: payment.id,
      idempotencyKey,
      fingerprint,
      amountMinor: decision.amountMinor,
      correlationId,
    },
    leaseMs,
  );
  // The key was taken by a refund of another payment meanwhile.
  if (!created) {
    const raced = await repeatedRefund(unit, input, leaseMs);
    if (!raced) throw new AppError('REQUEST_IN_PROGRESS', { retryAfter: 1 });
    return raced;
  }
  await unit.payments.addRefunded(payment.id, decision.amountMinor);
  await unit.ledger.append({
    paymentId: payment.id,
    refundId: created.id,
    orderId: payment.orderId,
    kind: 'refund_started',
    amountMinor: decision.amountMinor,
    currency: payment.currency,
  });
  return { kind: 'created', record: created, providerRef: payment.providerRef };
}

/** Asks the provider to refund the committed pending refund and records its answer. */
async function sendRefund(
  deps: PaymentDeps,
  begun: { record: RefundRecord; providerRef: string },
): Promise<RefundRecord> {
  const outcome = await deps.provider.refund({
    idempotencyKey: providerRefundKey(begun.record.idempotencyKey),
    providerRef: begun.providerRef,
    amountMinor: begun.record.amountMinor,
  });
  if (outcome.kind === 'unknown')
    deps.logger.warn(
      { refundId: begun.record.id, reason: outcome.reason },
      'refund outcome unknown; left pending for the reconciler',
    );
  return recordRefund(deps, begun.record.id, (status) => settleRefund(status, outcome));
}

/** The refund an earlier use of the key made, judged against this request; null when the key is free. */
async function repeatedRefund(
  { refunds }: PaymentUnit,
  input: RefundRequest,
  leaseMs: number,
): Promise<BegunRefund | null> {
  const repeat = await repeatOf(refunds, input, leaseMs);
  return repeat ? { ...repeat.verdict, record: repeat.record } : null;
}
