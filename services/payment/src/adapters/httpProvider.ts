/**
 * The payment provider (Stripe's API shape) over HTTP (PaymentProvider): what
 * each answer proves about the money. Anything that proves nothing is an
 * `unknown` outcome, and the payment stays pending for the reconciler.
 */
import { Agent } from 'undici';
import type {
  ChargeLookup,
  ChargeOutcome,
  PaymentProvider,
  ProviderChargeRequest,
  ProviderRefundRequest,
  RefundLookup,
  RefundOutcome,
} from '../domain/provider.ts';
import { callProvider, type Answer, type Json, type ProviderCall } from './providerHttp.ts';

type Call = (call: ProviderCall) => Promise<Answer | { failure: string }>;

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

/** The provider over HTTP, each call bounded by `timeoutMs`. */
export function createHttpProvider(options: { baseUrl: string; timeoutMs: number }): PaymentProvider {
  const agent = new Agent({ connections: 32, keepAliveTimeout: 4000, connect: { timeout: options.timeoutMs } });
  const endpoint = { base: options.baseUrl.replace(/\/+$/, ''), agent, timeoutMs: options.timeoutMs };
  const call: Call = (request) => callProvider(endpoint, request);
  return {
    charge: (req, signal) => charge(call, req, signal),
    findCharge: (key, signal) => findCharge(call, key, signal),
    refund: (req, signal) => refund(call, req, signal),
    findRefund: (key, signal) => findRefund(call, key, signal),
    close: () => agent.close(),
  };
}

async function charge(call: Call, req: ProviderChargeRequest, signal?: AbortSignal): Promise<ChargeOutcome> {
  const answer = await call({
    method: 'POST',
    path: '/v1/payment_intents',
    body: {
      amount: req.amountMinor,
      currency: req.currency.toLowerCase(),
      payment_method: req.paymentMethod,
      capture: true,
      metadata: req.metadata,
    },
    idempotencyKey: req.idempotencyKey,
    signal,
  });
  if ('failure' in answer) return { kind: 'unknown', reason: answer.failure };
  const body = answer.body;
  if (answer.status === 200 && isRecord(body) && typeof body.id === 'string') {
    return body.status === 'succeeded'
      ? { kind: 'succeeded', providerRef: body.id }
      : { kind: 'unknown', reason: `intent ${body.id} is ${String(body.status)}` };
  }
  const error = errorOf(body);
  if (answer.status === 402 && error?.type === 'card_error') return declined(error);
  return provedNothingHappened(answer)
    ? { kind: 'failed', reason: describe(answer) }
    : { kind: 'unknown', reason: describe(answer) };
}

function declined(error: Json): ChargeOutcome {
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

/**
 * GET `<list path>?idempotency_key=…`: what the provider made under our key. `none` proves it made
 * nothing; an unreadable or failed answer proves nothing (`unknown`).
 */
async function findByKey(
  call: Call,
  lookup: { listPath: string; idempotencyKey: string; signal: AbortSignal | undefined },
): Promise<{ kind: 'unknown'; reason: string } | { kind: 'none' } | { kind: 'item'; item: unknown }> {
  const answer = await call({
    method: 'GET',
    path: `${lookup.listPath}?idempotency_key=${encodeURIComponent(lookup.idempotencyKey)}`,
    signal: lookup.signal,
  });
  if ('failure' in answer) return { kind: 'unknown', reason: answer.failure };
  if (answer.status !== 200 || !isRecord(answer.body) || !Array.isArray(answer.body.data))
    return { kind: 'unknown', reason: describe(answer) };
  const item: unknown = answer.body.data[0];
  return item === undefined ? { kind: 'none' } : { kind: 'item', item };
}

async function findCharge(call: Call, idempotencyKey: string, signal?: AbortSignal): Promise<ChargeLookup> {
  const found = await findByKey(call, { listPath: '/v1/payment_intents', idempotencyKey, signal });
  if (found.kind === 'unknown') return found;
  if (found.kind === 'none') return { kind: 'not_found' };
  const intent = found.item;
  if (!isRecord(intent) || typeof intent.id !== 'string') return { kind: 'unknown', reason: 'unreadable intent' };
  if (intent.status === 'succeeded') return { kind: 'found', outcome: { kind: 'succeeded', providerRef: intent.id } };
  const lastError = isRecord(intent.last_payment_error) ? intent.last_payment_error : undefined;
  if (intent.status === 'requires_payment_method' && lastError) {
    const declineCode = typeof lastError.decline_code === 'string' ? lastError.decline_code : 'card_declined';
    return { kind: 'found', outcome: { kind: 'declined', declineCode, providerRef: intent.id } };
  }
  return { kind: 'unknown', reason: `intent ${intent.id} is ${String(intent.status)}` };
}

async function refund(call: Call, req: ProviderRefundRequest, signal?: AbortSignal): Promise<RefundOutcome> {
  const answer = await call({
    method: 'POST',
    path: '/v1/refunds',
    body: { payment_intent: req.providerRef, amount: req.amountMinor },
    idempotencyKey: req.idempotencyKey,
    signal,
  });
  if ('failure' in answer) return { kind: 'unknown', reason: answer.failure };
  const body = answer.body;
  if (answer.status === 200 && isRecord(body) && typeof body.id === 'string' && body.status === 'succeeded')
    return { kind: 'succeeded', providerRef: body.id };
  return provedNothingHappened(answer)
    ? { kind: 'failed', reason: describe(answer) }
    : { kind: 'unknown', reason: describe(answer) };
}

async function findRefund(call: Call, idempotencyKey: string, signal?: AbortSignal): Promise<RefundLookup> {
  const found = await findByKey(call, { listPath: '/v1/refunds', idempotencyKey, signal });
  if (found.kind === 'unknown') return found;
  if (found.kind === 'none') return { kind: 'not_found' };
  const refund = found.item;
  if (isRecord(refund) && typeof refund.id === 'string' && refund.status === 'succeeded')
    return { kind: 'found', providerRef: refund.id };
  return { kind: 'unknown', reason: 'unreadable refund' };
}
