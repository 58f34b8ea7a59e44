import type { StripeError } from './stripeErrors.ts';

export interface IntentParams {
  amount: number;
  currency: string;
  payment_method: string;
  capture: boolean;
  metadata: Record<string, string>;
}

export interface RefundParams {
  payment_intent: string;
  amount: number | undefined;
}

type Parsed<T> = { ok: true; value: T } | { ok: false; error: StripeError };

const MAX_AMOUNT = 99_999_999;

function invalid(param: string, message: string): { ok: false; error: StripeError } {
  return { ok: false, error: { type: 'invalid_request_error', code: 'parameter_invalid', param, message } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isAmount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= MAX_AMOUNT;
}

/** The first parameter the endpoint does not know, named as the provider names it. */
function unknownParameter(
  body: Record<string, unknown>,
  known: ReadonlySet<string>,
): { ok: false; error: StripeError } | undefined {
  const unknown = Object.keys(body).find((k) => !known.has(k));
  if (unknown === undefined) return undefined;
  return {
    ok: false,
    error: {
      type: 'invalid_request_error',
      code: 'parameter_unknown',
      param: unknown,
      message: `Received unknown parameter: ${unknown}`,
    },
  };
}

const INTENT_FIELDS = new Set(['amount', 'currency', 'payment_method', 'capture', 'metadata', 'confirm']);
const REFUND_FIELDS = new Set(['payment_intent', 'amount']);

/** Validates a create-intent body the way the provider would: the first bad parameter is named. */
export function parseIntentParams(body: unknown): Parsed<IntentParams> {
  if (!isRecord(body)) return invalid('body', 'The body must be a JSON object.');
  const unknown = unknownParameter(body, INTENT_FIELDS);
  if (unknown) return unknown;
  if (!isAmount(body.amount))
    return invalid('amount', `amount must be an integer from 1 to ${MAX_AMOUNT} (minor units).`);
  if (typeof body.currency !== 'string' || !/^[A-Za-z]{3}$/.test(body.currency))
    return invalid('currency', 'currency must be a three-letter ISO code.');
  if (typeof body.payment_method !== 'string' || !/^[A-Za-z0-9_]{1,100}$/.test(body.payment_method))
    return invalid('payment_method', 'payment_method must be a payment method id.');
  if (body.capture !== undefined && body.capture !== true)
    return invalid('capture', 'Only capture=true is supported by the sandbox.');
  if (body.confirm !== undefined && body.confirm !== true)
    return invalid('confirm', 'Only confirm=true is supported by the sandbox.');
  const metadata: Record<string, string> = {};
  if (body.metadata !== undefined) {
    if (!isRecord(body.metadata)) return invalid('metadata', 'metadata must be an object of strings.');
    const entries = Object.entries(body.metadata);
    if (entries.length > 50) return invalid('metadata', 'metadata has at most 50 keys.');
    for (const [k, v] of entries) {
      if (k.length === 0 || k.length > 40 || typeof v !== 'string' || v.length > 500)
        return invalid(`metadata[${k}]`, 'metadata keys are 1-40 characters and values strings of at most 500.');
      metadata[k] = v;
    }
  }
  return {
    ok: true,
    value: {
      amount: body.amount,
      currency: body.currency.toLowerCase(),
      payment_method: body.payment_method,
      capture: true,
      metadata,
    },
  };
}

export function parseRefundParams(body: unknown): Parsed<RefundParams> {
  if (!isRecord(body)) return invalid('body', 'The body must be a JSON object.');
  const unknown = unknownParameter(body, REFUND_FIELDS);
  if (unknown) return unknown;
  if (typeof body.payment_intent !== 'string' || !/^pi_[A-Za-z0-9]{1,64}$/.test(body.payment_intent))
    return invalid('payment_intent', 'payment_intent must be a PaymentIntent id.');
  if (body.amount !== undefined && !isAmount(body.amount))
    return invalid('amount', 'amount must be a positive integer (minor units).');
  return { ok: true, value: { payment_intent: body.payment_intent, amount: body.amount } };
}
