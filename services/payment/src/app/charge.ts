import { randomUUID } from 'node:crypto';
import type { ChargeRequest } from '@shop/contracts';
import { AppError } from '@shop/platform';
import { judgeRepeat, type KeyVerdict } from '../domain/idempotency.ts';
import { settleFromCharge, type PaymentRecord } from '../domain/payment.ts';
import { providerChargeKey, type PaymentUnit } from '../domain/ports.ts';
import type { PaymentDeps } from './deps.ts';
import { fingerprint } from './fingerprint.ts';
import { recordCharge, settlePendingCharge } from './recordCharge.ts';

/** A charge as the order service asks for it (@shop/contracts), with the request's correlation id. */
export interface ChargeInput extends ChargeRequest {
  correlationId: string;
}

type Begun = { kind: 'created'; payment: PaymentRecord } | (KeyVerdict & { payment: PaymentRecord });

/**
 * Charges once per idempotency key. The payment is committed 'pending' before
 * the provider is called, with the provider key derived from ours, so a
 * timeout after the card was charged leaves a row the reconciler settles, and
 * no retry of ours can charge twice. A repeat of an attempt that ended
 * unknown settles it by asking the provider; it never sends a second charge.
 */
export async function charge(
  deps: PaymentDeps,
  input: ChargeInput,
): Promise<{ payment: PaymentRecord; replayed: boolean }> {
  const print = fingerprint([input.orderId, input.userId, input.amountMinor, input.currency, input.paymentMethod]);
  const begun = await deps.store.transaction((unit) =>
    beginCharge(unit, { ...input, fingerprint: print }, deps.leaseMs),
  );
  switch (begun.kind) {
    case 'mismatch':
      throw new AppError('IDEMPOTENCY_KEY_REUSED', {
        detail: 'This Idempotency-Key was first used with a different charge',
      });
    case 'in_progress':
      throw new AppError('REQUEST_IN_PROGRESS', {
        retryAfter: 1,
        detail: 'A charge with this Idempotency-Key is still being processed',
      });
    case 'replay':
      return { payment: begun.payment, replayed: true };
    case 'take_over':
      return { payment: await settlePendingCharge(deps, begun.payment), replayed: true };
    case 'created':
      return { payment: await sendCharge(deps, begun.payment), replayed: false };
  }
}

/** The pending payment and its first ledger line, or what the key's earlier use says. */
async function beginCharge(
  { payments, ledger }: PaymentUnit,
  input: ChargeInput & { fingerprint: string },
  leaseMs: number,
): Promise<Begun> {
  const created = await payments.insertPending({ id: randomUUID(), ...input }, leaseMs);
  if (created) {
    await ledger.append({
      paymentId: created.id,
      orderId: created.orderId,
      kind: 'attempt_started',
      amountMinor: created.amountMinor,
      currency: created.currency,
      detail: { paymentMethod: input.paymentMethod },
    });
    return { kind: 'created', payment: created };
  }
  const existing = await payments.lockByKey(input.idempotencyKey);
  if (!existing) throw new AppError('REQUEST_IN_PROGRESS', { retryAfter: 1 });
  const verdict = judgeRepeat(
    { fingerprint: existing.fingerprint, pending: existing.status === 'pending', leaseActive: existing.leaseActive },
    input.fingerprint,
  );
  if (verdict.kind === 'take_over') await payments.takeLease(existing.id, leaseMs);
  return { ...verdict, payment: existing };
}

/** Asks the provider to charge the committed pending payment and records its answer. */
async function sendCharge(deps: PaymentDeps, payment: PaymentRecord): Promise<PaymentRecord> {
  const outcome = await deps.provider.charge({
    idempotencyKey: providerChargeKey(payment.idempotencyKey),
    amountMinor: payment.amountMinor,
    currency: payment.currency,
    paymentMethod: payment.paymentMethod,
    metadata: { orderId: payment.orderId, userId: payment.userId, paymentId: payment.id },
  });
  if (outcome.kind === 'unknown')
    deps.logger.warn(
      { paymentId: payment.id, reason: outcome.reason },
      'charge outcome unknown; left pending for the reconciler',
    );
  return recordCharge(deps, payment.id, (status) => settleFromCharge(status, outcome));
}
