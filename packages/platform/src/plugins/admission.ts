// Admission plugin: the first onRequest hook decides what gets in before anything is spent on it.
// A path not in canonical form is refused; past the concurrency limit new work is shed at once
// with 503 + Retry-After instead of queueing until everything times out. Probes always get in.
import { Counter, Gauge } from 'prom-client';
import { AppError } from '../errors.ts';
import type { ServiceMetrics } from '../metrics.ts';
import { isCanonicalPath } from '../paths.ts';
import { OPS_PATHS, type ServiceApp } from '../serviceApp.ts';
import { sendProblem } from './problems.ts';

export interface AdmissionOptions {
  metrics: ServiceMetrics;
  /** Past this many requests in flight, new ones get 503 + Retry-After (default: no limit). */
  maxConcurrentRequests?: number;
  /** Requests that do not count against the limit (by raw URL): long-lived ones the app caps itself. */
  unadmitted?: (url: string) => boolean;
  /** Refuse paths not in canonical form (default true); the gateway canonicalises instead. */
  canonicalPathsOnly?: boolean;
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

const NOT_CANONICAL = 'The request path is not in canonical form (dot segments, empty segments or escaped letters)';

/** Counts requests in flight and registers the hook that sheds past the limit. */
export function registerAdmission(app: ServiceApp, options: AdmissionOptions): void {
  const limit = options.maxConcurrentRequests ?? Number.POSITIVE_INFINITY;
  const canonicalOnly = options.canonicalPathsOnly !== false;
  let inFlight = 0;
  const shed = new Counter({
    name: 'http_requests_shed_total',
    help: 'Requests refused by admission control',
    registers: [options.metrics.registry],
  });
  new Gauge({
    name: 'http_requests_in_flight',
    help: 'Requests being handled',
    registers: [options.metrics.registry],
    collect() {
      this.set(inFlight);
    },
  });
  app.addHook('onRequest', (request, reply, done) => {
    const path = request.url;
    if (OPS_PATHS.has(path)) return done();
    // A path that would resolve to another route than the one it names reaches no handler: see paths.ts.
    if (canonicalOnly && !isCanonicalPath(pathOf(path)))
      return sendProblem(request, reply, new AppError('VALIDATION_FAILED', { detail: NOT_CANONICAL }));
    if (options.unadmitted?.(path)) return done();
    if (inFlight >= limit) {
      shed.inc();
      const overloaded = new AppError('OVERLOADED', { retryAfter: 1, detail: `Over ${limit} requests in flight` });
      return sendProblem(request, reply, overloaded);
    }
    inFlight += 1;
    reply.raw.once('close', () => {
      inFlight -= 1;
    });
    done();
  });
}
