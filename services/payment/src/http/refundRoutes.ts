import type { ServiceApp } from '@shop/platform';
import type { PaymentDeps } from '../app/deps.ts';
import { refund } from '../app/refund.ts';
import { IdempotencyHeaders, PaymentParams, Refund, RefundBody } from './schemas.ts';

export function registerRefundRoutes(app: ServiceApp, deps: PaymentDeps): void {
  app.post(
    '/payments/charges/:paymentId/refunds',
    {
      config: { callers: ['order'] },
      schema: {
        headers: IdempotencyHeaders,
        params: PaymentParams,
        body: RefundBody,
        response: { 200: Refund, 201: Refund },
      },
    },
    async (request, reply) => {
      const result = await refund(deps, {
        paymentId: request.params.paymentId,
        idempotencyKey: request.headers['idempotency-key'],
        amountMinor: request.body.amountMinor,
        correlationId: request.id,
      });
      if (result.replayed) void reply.header('idempotent-replayed', 'true');
      const r = result.refund;
      return reply
        .status(result.replayed ? 200 : 201)
        .send({ refundId: r.id, paymentId: r.paymentId, status: r.status, amountMinor: r.amountMinor });
    },
  );
}
