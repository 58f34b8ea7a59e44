import { context, propagation, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { RawPeerRequest, RawPeerResponse } from './types.ts';

// One client span per call, around the policies: retries are events on it,
// and its context travels to the callee as traceparent. With no tracer
// provider registered, OpenTelemetry hands out a non-recording span and this
// costs next to nothing. Plain functions over the span: no wrapper per call.

/** The mesh's tracer: its name lets a process mute the client spans alone (the bench does). */
const tracer = trace.getTracer('shop-mesh');

/** Starts the client span of one call from `caller` to `service`. */
export function startCallSpan(service: string, caller: string, req: RawPeerRequest): Span {
  return tracer.startSpan(`${req.method} ${service}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      'http.request.method': req.method,
      'url.path': req.path.split('?')[0] ?? req.path,
      'peer.service': service,
      'mesh.caller': caller,
    },
  });
}

/** The request's headers plus the span's trace context (a copy: the caller's object is left alone). */
export function tracedHeaders(
  span: Span,
  own: RawPeerRequest['headers'],
): Record<string, string | string[] | undefined> {
  const headers: Record<string, string | string[] | undefined> = { ...own };
  propagation.inject(trace.setSpan(context.active(), span), headers);
  return headers;
}

/** Attempt number `attempt` (2 and up) is a retry. */
export function spanRetried(span: Span, attempt: number): void {
  span.addEvent('retry', { attempt });
}

/** Ends the span of a call that got an answer. */
export function spanAnswered(span: Span, response: RawPeerResponse, attempts: number): void {
  span.setAttributes({
    'http.response.status_code': response.status,
    'server.address': response.upstream,
    'mesh.attempts': attempts,
  });
  span.end();
}

/** Ends the span of a call that failed (a kept 5xx answer included). */
export function spanFailed(span: Span, error: unknown, attempts: number): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  span.setAttribute('mesh.attempts', attempts);
  span.end();
}
