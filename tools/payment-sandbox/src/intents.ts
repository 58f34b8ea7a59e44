import type { ServiceApp } from '@shop/platform';
import { readFaults, registerKeyLookup, runIdempotent, type Outcome, type SandboxContext } from './idempotent.ts';
import { parseIntentParams, type IntentParams } from './params.ts';
import { newId, type Intent } from './store.ts';
import { errorBody, sendError } from './stripeErrors.ts';

/** Stripe's test payment methods and what each does. */
const SUCCEEDS = new Set(['pm_card_visa', 'pm_card_mastercard', 'pm_card_amex']);
const DECLINES: Record<string, { decline_code: string; message: string }> = {
  pm_card_chargeDeclined: { decline_code: 'generic_decline', message: 'Your card was declined.' },
  pm_card_chargeDeclinedInsufficientFunds: {
    decline_code: 'insufficient_funds',
    message: 'Your card has insufficient funds.',
  },
};

export function registerIntentRoutes(app: ServiceApp, ctx: SandboxContext, now: () => number): void {
  app.post('/v1/payment_intents', async (request, reply) => {
    const parsed = parseIntentParams(request.body);
    if (!parsed.ok) return sendError(reply, 400, parsed.error);
    return runIdempotent(ctx, { request, reply }, parsed.value, (key) => createIntent(ctx, parsed.value, key, now));
  });

  app.get('/v1/payment_intents/:id', async (request, reply) => {
    const faulted = await readFaults(ctx, reply);
    if (faulted) return faulted;
    const { id } = request.params as { id: string };
    const intent = ctx.store.intents.get(id);
    if (!intent)
      return sendError(reply, 404, {
        type: 'invalid_request_error',
        code: 'resource_missing',
        param: 'id',
        message: `No such payment_intent: '${id}'`,
      });
    return reply.send(intent);
  });

  registerKeyLookup(app, ctx, { path: '/v1/payment_intents', find: (key) => ctx.store.intentByKey(key) });
}

function createIntent(ctx: SandboxContext, params: IntentParams, key: string, now: () => number): Outcome {
  const decline = DECLINES[params.payment_method];
  if (params.payment_method === 'pm_card_processingError') {
    return {
      response: {
        status: 500,
        body: errorBody({
          type: 'api_error',
          code: 'processing_error',
          message: 'An error occurred while processing your card. Nothing was charged.',
        }),
      },
    };
  }
  if (!decline && !SUCCEEDS.has(params.payment_method)) {
    return {
      response: {
        status: 400,
        body: errorBody({
          type: 'invalid_request_error',
          code: 'resource_missing',
          param: 'payment_method',
          message: `No such PaymentMethod: '${params.payment_method}'`,
        }),
      },
    };
  }
  const intent: Intent = {
    id: newId('pi'),
    object: 'payment_intent',
    status: decline ? 'requires_payment_method' : 'succeeded',
    amount: params.amount,
    amount_received: decline ? 0 : params.amount,
    amount_refunded: 0,
    currency: params.currency,
    payment_method: params.payment_method,
    metadata: params.metadata,
    created: Math.floor(now() / 1000),
    idempotency_key: key,
    last_payment_error: decline ? { type: 'card_error', code: 'card_declined', ...decline } : null,
  };
  ctx.store.intents.set(intent.id, intent);
  if (decline) {
    return {
      response: {
        status: 402,
        body: errorBody({ type: 'card_error', code: 'card_declined', ...decline, payment_intent: intent.id }),
      },
    };
  }
  return { response: { status: 200, body: { ...intent } }, drop: ctx.faults.dropCharge() };
}
