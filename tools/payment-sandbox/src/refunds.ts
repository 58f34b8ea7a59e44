import type { ServiceApp } from '@shop/platform';
import { registerKeyLookup, runIdempotent, type Outcome, type SandboxContext } from './idempotent.ts';
import { parseRefundParams, type RefundParams } from './params.ts';
import { newId, type Refund } from './store.ts';
import { errorBody, sendError } from './stripeErrors.ts';

export function registerRefundRoutes(app: ServiceApp, ctx: SandboxContext, now: () => number): void {
  app.post('/v1/refunds', async (request, reply) => {
    const parsed = parseRefundParams(request.body);
    if (!parsed.ok) return sendError(reply, 400, parsed.error);
    return runIdempotent(ctx, { request, reply }, parsed.value, (key) => createRefund(ctx, parsed.value, key, now));
  });

  registerKeyLookup(app, ctx, { path: '/v1/refunds', find: (key) => ctx.store.refundByKey(key) });
}

function createRefund(ctx: SandboxContext, params: RefundParams, key: string, now: () => number): Outcome {
  const refused = (code: string, message: string, param?: string): Outcome => ({
    response: {
      status: 400,
      body: errorBody({ type: 'invalid_request_error', code, message, ...(param ? { param } : {}) }),
    },
  });
  const intent = ctx.store.intents.get(params.payment_intent);
  if (!intent)
    return refused('resource_missing', `No such payment_intent: '${params.payment_intent}'`, 'payment_intent');
  if (intent.status !== 'succeeded')
    return refused(
      'payment_intent_unexpected_state',
      'This PaymentIntent has no successful charge to refund.',
      'payment_intent',
    );
  const remaining = intent.amount_received - intent.amount_refunded;
  if (remaining === 0) return refused('charge_already_refunded', `Charge for ${intent.id} has already been refunded.`);
  const amount = params.amount ?? remaining;
  if (amount > remaining)
    return refused(
      'amount_too_large',
      `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining}).`,
      'amount',
    );
  intent.amount_refunded += amount;
  const refund: Refund = {
    id: newId('re'),
    object: 'refund',
    status: 'succeeded',
    amount,
    currency: intent.currency,
    payment_intent: intent.id,
    created: Math.floor(now() / 1000),
    idempotency_key: key,
  };
  ctx.store.refunds.set(refund.id, refund);
  return { response: { status: 200, body: { ...refund } } };
}
