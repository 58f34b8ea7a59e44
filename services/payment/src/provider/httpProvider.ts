import { Agent, request } from 'undici';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ChargeLookup, ChargeOutcome, PaymentProvider, RefundLookup, RefundOutcome } from '../domain/ports.ts';

interface Answer {
  status: number;
  body: unknown;
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function errorOf(body: unknown): Json | undefined {
  return isRecord(body) && isRecord(body.error) ? body.error : undefined;
}

function describe(answer: Answer): string {
  const error = errorOf(answer.body);
  const code = error && typeof error.code === 'string' ? ` ${error.code}` : '';
  return `provider answered ${answer.status}${code}`;
}

/**
 * What an answer to a mutating call proves. Only answers that say nothing
 * happened may become `failed`: the provider's own error body on a 500
 * (api_error: nothing charged) or a refused request (invalid_request_error).
 * An idempotency conflict, a proxy's bare 5xx or anything unreadable proves
 * nothing, so it is `unknown` and the payment stays pending.
 */
function provedNothingHappened(answer: Answer): boolean {
  const error = errorOf(answer.body);
  if (!error) return false;
  if (answer.status >= 500) return error.type === 'api_error';
  return answer.status === 400 && error.type === 'invalid_request_error';
}

const tracer = trace.getTracer('shop-payment-provider');

/** The provider (Stripe's API shape) over HTTP, each call bounded by `timeoutMs`. */
export function createHttpProvider(options: { baseUrl: string; timeoutMs: number }): PaymentProvider {
  const agent = new Agent({ connections: 32, keepAliveTimeout: 4000, connect: { timeout: options.timeoutMs } });
  const base = options.baseUrl.replace(/\/+$/, '');

  const call = async (
    method: 'GET' | 'POST',
    path: string,
    body: Json | undefined,
    idempotencyKey: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<Answer | { failure: string }> => {
    const timeout = AbortSignal.timeout(options.timeoutMs);
    // The provider is outside the mesh, but a trace should still show the hop to it.
    const span = tracer.startSpan(`${method} payment-provider`, {
      kind: SpanKind.CLIENT,
      attributes: {
        'http.request.method': method,
        'url.path': path.split('?')[0] ?? path,
        'peer.service': 'payment-provider',
      },
    });
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
    };
    propagation.inject(trace.setSpan(context.active(), span), headers);
    try {
      const response = await request(`${base}${path}`, {
        method,
        dispatcher: agent,
        signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
        headers,
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      span.setAttribute('http.response.status_code', response.statusCode);
      const text = await response.body.text();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { status: response.statusCode, body: parsed };
    } catch (error) {
      const reason = timeout.aborted
        ? `no answer within ${options.timeoutMs} ms`
        : error instanceof Error
          ? `${error.name}: ${error.message}`
          : String(error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: reason });
      return { failure: reason };
    } finally {
      span.end();
    }
  };

  return {
    async charge(req, signal): Promise<ChargeOutcome> {
      const answer = await call(
        'POST',
        '/v1/payment_intents',
        {
          amount: req.amountMinor,
          currency: req.currency.toLowerCase(),
          payment_method: req.paymentMethod,
          capture: true,
          metadata: req.metadata,
        },
        req.idempotencyKey,
        signal,
      );
      if ('failure' in answer) return { kind: 'unknown', reason: answer.failure };
      const body = answer.body;
      if (answer.status === 200 && isRecord(body) && typeof body.id === 'string') {
        return body.status === 'succeeded'
          ? { kind: 'succeeded', providerRef: body.id }
          : { kind: 'unknown', reason: `intent ${body.id} is ${String(body.status)}` };
      }
      const error = errorOf(body);
      if (answer.status === 402 && error?.type === 'card_error') {
        const declineCode =
          typeof error.decline_code === 'string'
            ? error.decline_code
            : typeof error.code === 'string'
              ? error.code
              : 'card_declined';
        return {
          kind: 'declined',
          declineCode,
          providerRef: typeof error.payment_intent === 'string' ? error.payment_intent : null,
        };
      }
      return provedNothingHappened(answer)
        ? { kind: 'failed', reason: describe(answer) }
        : { kind: 'unknown', reason: describe(answer) };
    },

    async findCharge(idempotencyKey, signal): Promise<ChargeLookup> {
      const answer = await call(
        'GET',
        `/v1/payment_intents?idempotency_key=${encodeURIComponent(idempotencyKey)}`,
        undefined,
        undefined,
        signal,
      );
      if ('failure' in answer) return { kind: 'unknown', reason: answer.failure };
      if (answer.status !== 200 || !isRecord(answer.body) || !Array.isArray(answer.body.data))
        return { kind: 'unknown', reason: describe(answer) };
      const intent: unknown = answer.body.data[0];
      if (intent === undefined) return { kind: 'not_found' };
      if (!isRecord(intent) || typeof intent.id !== 'string') return { kind: 'unknown', reason: 'unreadable intent' };
      if (intent.status === 'succeeded')
        return { kind: 'found', outcome: { kind: 'succeeded', providerRef: intent.id } };
      const lastError = isRecord(intent.last_payment_error) ? intent.last_payment_error : undefined;
      if (intent.status === 'requires_payment_method' && lastError) {
        const declineCode = typeof lastError.decline_code === 'string' ? lastError.decline_code : 'card_declined';
        return { kind: 'found', outcome: { kind: 'declined', declineCode, providerRef: intent.id } };
      }
      return { kind: 'unknown', reason: `intent ${intent.id} is ${String(intent.status)}` };
    },

    async refund(req, signal): Promise<RefundOutcome> {
      const answer = await call(
        'POST',
        '/v1/refunds',
        { payment_intent: req.providerRef, amount: req.amountMinor },
        req.idempotencyKey,
        signal,
      );
      if ('failure' in answer) return { kind: 'unknown', reason: answer.failure };
      const body = answer.body;
      if (answer.status === 200 && isRecord(body) && typeof body.id === 'string' && body.status === 'succeeded')
        return { kind: 'succeeded', providerRef: body.id };
      return provedNothingHappened(answer)
        ? { kind: 'failed', reason: describe(answer) }
        : { kind: 'unknown', reason: describe(answer) };
    },

    async findRefund(idempotencyKey, signal): Promise<RefundLookup> {
      const answer = await call(
        'GET',
        `/v1/refunds?idempotency_key=${encodeURIComponent(idempotencyKey)}`,
        undefined,
        undefined,
        signal,
      );
      if ('failure' in answer) return { kind: 'unknown', reason: answer.failure };
      if (answer.status !== 200 || !isRecord(answer.body) || !Array.isArray(answer.body.data))
        return { kind: 'unknown', reason: describe(answer) };
      const refund: unknown = answer.body.data[0];
      if (refund === undefined) return { kind: 'not_found' };
      if (isRecord(refund) && typeof refund.id === 'string' && refund.status === 'succeeded')
        return { kind: 'found', providerRef: refund.id };
      return { kind: 'unknown', reason: 'unreadable refund' };
    },

    async close() {
      await agent.close();
    },
  };
}
