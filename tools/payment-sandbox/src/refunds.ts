import type { ServiceApp } from '@shop/platform';
import { readFaults, runIdempotent, type Outcome, type SandboxContext } from './idempotent.ts';
import { parseRefundParams, type RefundParams } from './params.ts';
import { newId, type Refund } from './store.ts';
import { errorBody, sendError } from './stripeErrors.ts';

export function registerRefundRoutes(app: ServiceApp, ctx: SandboxContext, now: () => number): void {
  app.post('/v1/refunds', async (request, reply) => {
    const parsed = parseRefundParams(request.body);
    if (!parsed.ok) return sendError(reply, 400, parsed.error);
    return runIdempotent(ctx, { request, reply }, parsed.value, (key) => createRefund(ctx, parsed.value, key, now));
  });

  app.get('/v1/refunds', async (request, reply) => {
    const faulted = await readFaults(ctx, reply);
    if (faulted) return faulted;
    const key = (request.query as Record<string, unknown>).idempotency_key;
    if (typeof key !== 'string' || key.length === 0)
      return sendError(reply, 400, {
        type: 'invalid_request_error',
        code: 'parameter_missing',
        param: 'idempotency_key',
        message: 'idempotency_key is required.',
      });
    if (ctx.store.inFlight(key))
      return sendError(reply, 409, {
        type: 'idempotency_error',
        code: 'idempotency_key_in_use',
        message: 'A request with this key is still being processed.',
      });
    const refund = ctx.store.refundByKey(key);
    return reply.send({ object: 'list', data: refund ? [refund] : [], has_more: false });
  });
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
