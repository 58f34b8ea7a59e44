import type { IncomingMessage, ServerResponse } from 'node:http';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';

const tracer = trace.getTracer('shop-lb');

/**
 * The balancer's server span for one forwarded request, continuing the
 * client's trace: its context replaces the client's traceparent in `headers`
 * (what goes to the gateway), and it ends with the answer. If the client
 * leaves first, the caller ends it (on the response's close, which it already listens to).
 */
export function traceForward(
  req: IncomingMessage,
  res: ServerResponse,
  headers: Record<string, string | string[]>,
): Span {
  const method = req.method ?? 'GET';
  const span = tracer.startSpan(
    `lb ${method}`,
    {
      kind: SpanKind.SERVER,
      attributes: { 'http.request.method': method, 'url.path': (req.url ?? '/').split('?')[0] ?? '/' },
    },
    propagation.extract(ROOT_CONTEXT, req.headers),
  );
  delete headers.traceparent;
  delete headers.tracestate;
  propagation.inject(trace.setSpan(context.active(), span), headers);
  res.once('finish', () => {
    span.setAttribute('http.response.status_code', res.statusCode);
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });
  return span;
}
