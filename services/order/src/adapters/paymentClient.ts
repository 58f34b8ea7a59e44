import type { PeerClient } from '@shop/platform';
import type { ChargeOutcome, PaymentPort, RefundOutcome } from '../domain/ports.ts';
import { isRecord, malformed, problemCode, unexpected } from './peerResponse.ts';

const SERVICE = 'payment';
const CHARGE_STATUSES = new Set(['succeeded', 'declined', 'failed']);
const REFUND_STATUSES = new Set(['succeeded', 'pending', 'failed']);

/** The mesh client's view of its circuit (absent on plain peer clients). */
type Circuit = { breakerState?: () => string };

/** The payment service over HTTP. Every call carries an Idempotency-Key, so the mesh may retry it. */
export function createPaymentClient(peer: PeerClient & Circuit): PaymentPort {
  return {
    available: () => peer.breakerState?.() !== 'open',

    async charge(request, signal) {
      const response = await peer.request({
        method: 'POST',
        path: '/payments/charges',
        headers: { 'idempotency-key': request.idempotencyKey },
        body: {
          orderId: request.orderId,
          userId: request.userId,
          amountMinor: request.amountMinor,
          currency: request.currency,
          paymentMethod: request.paymentMethod,
        },
        signal,
      });
      // The first request with this key is still being worked on: its outcome is not known yet.
      if (response.status === 409 && problemCode(response) === 'REQUEST_IN_PROGRESS')
        return { kind: 'pending', paymentId: null };
      if (response.status !== 200 && response.status !== 201) throw unexpected(SERVICE, 'charge', response);
      return toCharge(response.body);
    },

    async refund(request, signal) {
      const response = await peer.request({
        method: 'POST',
        path: `/payments/charges/${encodeURIComponent(request.paymentId)}/refunds`,
        headers: { 'idempotency-key': request.idempotencyKey },
        body: { amountMinor: request.amountMinor },
        signal,
      });
      if (response.status === 409 && problemCode(response) === 'REQUEST_IN_PROGRESS')
        return { refundId: '', status: 'pending' };
      if (response.status !== 200 && response.status !== 201) throw unexpected(SERVICE, 'refund', response);
      const body = response.body;
      if (
        !isRecord(body) ||
        typeof body.refundId !== 'string' ||
        typeof body.status !== 'string' ||
        !REFUND_STATUSES.has(body.status)
      )
        throw malformed(SERVICE, 'a refund');
      return { refundId: body.refundId, status: body.status as RefundOutcome['status'] };
    },
  };
}

function toCharge(body: unknown): ChargeOutcome {
  if (!isRecord(body) || typeof body.paymentId !== 'string' || typeof body.status !== 'string')
    throw malformed(SERVICE, 'a charge');
  if (body.status === 'pending') return { kind: 'pending', paymentId: body.paymentId };
  if (!CHARGE_STATUSES.has(body.status)) throw malformed(SERVICE, 'a charge');
  return {
    kind: 'settled',
    paymentId: body.paymentId,
    status: body.status as 'succeeded' | 'declined' | 'failed',
    ...(typeof body.declineCode === 'string' ? { declineCode: body.declineCode } : {}),
  };
}
