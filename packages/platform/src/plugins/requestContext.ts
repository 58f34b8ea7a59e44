// The request-context plugin: one onRequest hook (after admission) that runs its steps in order:
// caller identity, deadline, then the server span, which needs both. One hook, not three, keeps
// the per-request cost what it was before the steps had files of their own.
import type { TraceContext } from '../traceContext.ts';
import type { ServiceApp } from '../serviceApp.ts';
import { callerIdentity } from './callerIdentity.ts';
import { deadline } from './deadline.ts';
import { registerTracedHandlers, serverSpan } from './tracing.ts';

export interface RequestContextOptions {
  service: string;
  instance: string;
  /** Serving mutual TLS: callers are known and route caller rules enforced. */
  mtls: boolean;
  /** Honour the mesh's deadline header (default true). */
  acceptDeadlineHeader?: boolean;
}

/** Decorates requests with caller, client address, deadline, span and trace, and registers the hook. */
export function registerRequestContext(app: ServiceApp, options: RequestContextOptions): void {
  app.decorateRequest('trace', undefined as unknown as TraceContext);
  app.decorateRequest('caller', undefined);
  app.decorateRequest('clientAddress', '');
  app.decorateRequest('deadline', undefined);
  app.decorateRequest('span', undefined);
  app.decorateRequest('otelContext', undefined);
  registerTracedHandlers(app);
  const identify = callerIdentity(options.mtls);
  const limitTime = deadline(options.acceptDeadlineHeader !== false);
  const trace = serverSpan(options);
  app.addHook('onRequest', (request, reply, done) => {
    if (identify(request, reply) && limitTime(request, reply) && trace(request, reply)) done();
  });
}
