// Access log: one onResponse hook per request that counts it (http_requests_total, duration),
// ends its server span and writes one log line with route, status and time. Probes log at debug.
import type { ServiceMetrics } from '../metrics.ts';
import { OPS_PATHS, type ServiceApp } from '../serviceApp.ts';
import { endServerSpan } from './tracing.ts';

/** Registers the hook; Fastify's own request logging is off (see createServiceApp's logController). */
export function registerAccessLog(app: ServiceApp, metrics: ServiceMetrics): void {
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const labels = { method: request.method, route, status: String(reply.statusCode) };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    endServerSpan(request, reply);
    const level = OPS_PATHS.has(route) ? 'debug' : reply.statusCode >= 500 ? 'error' : 'info';
    const ms = Math.round(reply.elapsedTime * 100) / 100;
    request.log[level]({ method: request.method, route, url: request.url, status: reply.statusCode, ms }, 'request');
    done();
  });
}
