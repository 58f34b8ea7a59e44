import { AppError, type ServiceApp } from '@shop/platform';
import { charge } from '../app/charge.ts';
import type { PaymentDeps } from '../app/deps.ts';
import type { PaymentRecord } from '../domain/payment.ts';
import { Charge, ChargeBody, ChargeDetail, IdempotencyHeaders, PaymentParams } from './schemas.ts';

export function toCharge(payment: PaymentRecord): {
  paymentId: string;
  orderId: string;
  status: PaymentRecord['status'];
  amountMinor: number;
  currency: string;
  declineCode?: string;
} {
  return {
    paymentId: payment.id,
    orderId: payment.orderId,
    status: payment.status,
    amountMinor: payment.amountMinor,
    currency: payment.currency,
    ...(payment.declineCode ? { declineCode: payment.declineCode } : {}),
  };
}

export function registerChargeRoutes(app: ServiceApp, deps: PaymentDeps): void {
  // Under mTLS only the order service may charge or refund (the checkout saga owns money movement).
  app.post(
    '/payments/charges',
    {
      config: { callers: ['order'] },
      schema: { headers: IdempotencyHeaders, body: ChargeBody, response: { 200: Charge, 201: Charge } },
    },
    async (request, reply) => {
      const { payment, replayed } = await charge(deps, {
        ...request.body,
        idempotencyKey: request.headers['idempotency-key'],
        correlationId: request.id,
      });
      if (replayed) void reply.header('idempotent-replayed', 'true');
      return reply.status(replayed ? 200 : 201).send(toCharge(payment));
    },
  );

  app.get(
    '/payments/charges/:paymentId',
    { schema: { params: PaymentParams, response: { 200: ChargeDetail } } },
    async (request) => {
      const payment = await deps.store.payments.get(request.params.paymentId);
      if (!payment) throw new AppError('NOT_FOUND', { detail: `No payment ${request.params.paymentId}` });
      return {
        ...toCharge(payment),
        userId: payment.userId,
        refundedMinor: payment.refundedMinor,
        createdAt: payment.createdAt.toISOString(),
        updatedAt: payment.updatedAt.toISOString(),
      };
    },
  );
}
