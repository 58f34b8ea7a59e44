// Tracing: each request gets a server span, child of the caller's (W3C trace context), its trace
// id on every log line and in x-trace-id, and its handler runs inside the span's context so the
// calls it makes are the span's children. The span ends in the access log's onResponse hook.
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { withCriticality, withDeadline } from '@shop/mesh';
import type { ServiceApp } from '../serviceApp.ts';
import { newTraceContext, parseTraceparent } from '../traceContext.ts';
import type { RequestStep } from './callerIdentity.ts';

const tracer = trace.getTracer('shop-platform');

/**
 * Runs every route's handler inside its request's trace context. (Wrapping the handler, rather
 * than entering the context in a hook, survives async body parsing.)
 */
export function registerTracedHandlers(app: ServiceApp): void {
  app.addHook('onRoute', (route) => {
    const handler = route.handler;
    route.handler = function traced(this: unknown, request, reply) {
      return request.otelContext
        ? context.with(request.otelContext, () => handler.call(this as never, request, reply))
        : handler.call(this as never, request, reply);
    };
  });
}

/** Starts the server span (after caller and deadline are known) and sets the trace and ids. */
export function serverSpan(identity: { service: string; instance: string }): RequestStep {
  return (request, reply) => {
    const parent = propagation.extract(ROOT_CONTEXT, request.headers);
    const route = request.routeOptions.url ?? 'unmatched';
    const attributes = {
      'http.request.method': request.method,
      'http.route': route,
      'service.name': identity.service,
      'service.instance.id': identity.instance,
      ...(request.caller ? { 'mesh.caller': request.caller } : {}),
    };
    const span = tracer.startSpan(`${request.method} ${route}`, { kind: SpanKind.SERVER, attributes }, parent);
    request.span = span;
    request.otelContext = withCriticality(
      withDeadline(trace.setSpan(parent, span), request.deadline),
      request.criticality,
    );
    const spanContext = span.spanContext();
    if (trace.isSpanContextValid(spanContext)) {
      request.trace = {
        traceId: spanContext.traceId,
        parentSpanId: trace.getSpanContext(parent)?.spanId,
        sampled: true,
      };
    } else {
      const traceparent = request.headers.traceparent;
      request.trace = parseTraceparent(typeof traceparent === 'string' ? traceparent : undefined) ?? newTraceContext();
    }
    request.log = request.log.child({ traceId: request.trace.traceId });
    void reply.header('x-request-id', request.id);
    void reply.header('x-trace-id', request.trace.traceId);
    return true;
  };
}

/** Ends the request's server span with its status (an error status from 500 up). */
export function endServerSpan(request: FastifyRequest, reply: FastifyReply): void {
  const span = request.span;
  if (!span) return;
  span.setAttribute('http.response.status_code', reply.statusCode);
  if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}
