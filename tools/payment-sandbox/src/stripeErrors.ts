import type { FastifyReply } from 'fastify';

/** Stripe's error body: `{ error: { type, code, message, ... } }`, never problem+json (this is the outside world). */
export interface StripeError {
  type: 'card_error' | 'invalid_request_error' | 'idempotency_error' | 'api_error';
  code?: string;
  decline_code?: string;
  param?: string;
  /** On a decline: the intent that was created and declined. */
  payment_intent?: string;
  message: string;
}

export function errorBody(error: StripeError): { error: StripeError } {
  return { error };
}

export function sendError(reply: FastifyReply, status: number, error: StripeError): FastifyReply {
  return reply.status(status).send(errorBody(error));
}

export const apiError: StripeError = {
  type: 'api_error',
  message: 'An error occurred with our connection to Stripe. Nothing was charged.',
};

/** The one Idempotency-Key header value, or a reason it is unusable. */
export function idempotencyKey(
  headers: Record<string, string | string[] | undefined>,
): { key: string } | { error: StripeError } {
  const value = headers['idempotency-key'];
  if (typeof value !== 'string' || value.length === 0)
    return {
      error: {
        type: 'invalid_request_error',
        code: 'idempotency_key_required',
        param: 'Idempotency-Key',
        message: 'This endpoint requires an Idempotency-Key header.',
      },
    };
  if (value.length > 255)
    return {
      error: {
        type: 'invalid_request_error',
        code: 'idempotency_key_invalid',
        param: 'Idempotency-Key',
        message: 'Idempotency keys are at most 255 characters.',
      },
    };
  return { key: value };
}
