/**
 * One HTTP call to the payment provider (outside the mesh): bounded by a
 * timeout, traced as a client span, the answer's JSON parsed. A call that got
 * no answer is a failure with its reason, never an exception.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { request, type Agent } from 'undici';

export interface Answer {
  status: number;
  body: unknown;
}

export type Json = Record<string, unknown>;

export interface ProviderCall {
  method: 'GET' | 'POST';
  path: string;
  body?: Json;
  idempotencyKey?: string;
  signal?: AbortSignal;
}

/** Where and how calls go. */
export interface ProviderEndpoint {
  base: string;
  agent: Agent;
  timeoutMs: number;
}

const tracer = trace.getTracer('shop-payment-provider');

export async function callProvider(
  endpoint: ProviderEndpoint,
  call: ProviderCall,
): Promise<Answer | { failure: string }> {
  const timeout = AbortSignal.timeout(endpoint.timeoutMs);
  // The provider is outside the mesh, but a trace should still show the hop to it.
  const span = tracer.startSpan(`${call.method} payment-provider`, {
    kind: SpanKind.CLIENT,
    attributes: {
      'http.request.method': call.method,
      'url.path': call.path.split('?')[0] ?? call.path,
      'peer.service': 'payment-provider',
    },
  });
  try {
    const response = await request(`${endpoint.base}${call.path}`, {
      method: call.method,
      dispatcher: endpoint.agent,
      signal: call.signal ? AbortSignal.any([timeout, call.signal]) : timeout,
      headers: headersOf(call, span),
      ...(call.body ? { body: JSON.stringify(call.body) } : {}),
    });
    span.setAttribute('http.response.status_code', response.statusCode);
    return { status: response.statusCode, body: parseJson(await response.body.text()) };
  } catch (error) {
    const reason = timeout.aborted
      ? `no answer within ${endpoint.timeoutMs} ms`
      : error instanceof Error
        ? `${error.name}: ${error.message}`
        : String(error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: reason });
    return { failure: reason };
  } finally {
    span.end();
  }
}

function headersOf(call: ProviderCall, span: Span): Record<string, string> {
  const headers: Record<string, string> = {
    accept: 'application/json',
    ...(call.body ? { 'content-type': 'application/json' } : {}),
    ...(call.idempotencyKey ? { 'idempotency-key': call.idempotencyKey } : {}),
  };
  propagation.inject(trace.setSpan(context.active(), span), headers);
  return headers;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
