import { randomUUID } from 'node:crypto';
import type { ChargeRequest } from '@shop/contracts';
import { AppError } from '@shop/platform';
import { settleFromCharge, type PaymentRecord } from '../domain/payment.ts';
import type { PaymentUnit } from '../domain/ports.ts';
import { providerChargeKey } from '../domain/provider.ts';
import type { PaymentDeps } from './deps.ts';
import { fingerprint } from './fingerprint.ts';
import { recordCharge } from './recordCharge.ts';
import { carryOn, repeatOf, type Begun } from './repeats.ts';
import { settlePendingCharge } from './settleLost.ts';

/** A charge as the order service asks for it (@shop/contracts), with the request's correlation id. */
export interface ChargeInput extends ChargeRequest {
  correlationId: string;
}

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
  const { record, replayed } = await carryOn(begun, 'charge', {
    settleLost: (payment) => settlePendingCharge(deps, payment),
    send: ({ record: payment }) => sendCharge(deps, payment),
  });
  return { payment: record, replayed };
}

/** The pending payment and its first ledger line, or what the key's earlier use says. */
async function beginCharge(
  { payments, ledger }: PaymentUnit,
  input: ChargeInput & { fingerprint: string },
  leaseMs: number,
): Promise<Begun<PaymentRecord>> {
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
    return { kind: 'created', record: created };
  }
  const repeat = await repeatOf(payments, input, leaseMs);
  if (!repeat) throw new AppError('REQUEST_IN_PROGRESS', { retryAfter: 1 });
  return { ...repeat.verdict, record: repeat.record };
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
