// Admission plugin: the first onRequest hook decides what gets in before anything is spent on it.
// A path not in canonical form is refused. Then the adaptive limit (admission/): in flight up to a
// limit found from measured latency, a short queue by criticality past it, and past that a 503
// OVERLOADED with Retry-After at once instead of an answer too late to matter. Probes always get in.
import { Counter, Gauge, Histogram } from 'prom-client';
import type { FastifyRequest } from 'fastify';
import { CRITICALITY_HEADER, criticalityOfRank, criticalityRank, DEADLINE_HEADER, type Criticality } from '@shop/mesh';
import { AdmissionQueue, type ShedReason } from '../admission/admissionQueue.ts';
import { GradientLimit } from '../admission/gradientLimit.ts';
import { AppError } from '../errors.ts';
import type { ServiceMetrics } from '../metrics.ts';
import { isCanonicalPath } from '../paths.ts';
import { OPS_PATHS, type ServiceApp } from '../serviceApp.ts';
import { sendProblem } from './problems.ts';

export interface AdmissionOptions {
  metrics: ServiceMetrics;
  /** The most requests the adaptive limit may allow in flight (default 1000). */
  maxConcurrentRequests?: number;
  /** Requests that do not count against the limit (by raw URL): long-lived ones the app caps itself. */
  unadmitted?: (url: string) => boolean;
  /** Refuse paths not in canonical form (default true); the gateway canonicalises instead. */
  canonicalPathsOnly?: boolean;
  /**
   * The entry's rule: criticality from the route, whatever the request says. Without it the
   * mesh's x-criticality header is believed (only mesh peers reach a service).
   */
  criticalityOf?: (method: string, url: string) => Criticality;
  /** Believe the mesh's deadline header when queueing (default true; not at a public edge). */
  acceptDeadlineHeader?: boolean;
  /** How long a request may wait for its place: CoDel's target and interval (admissionQueue.ts; defaults 10 and 100 ms). */
  queueWait?: { targetMs: number; intervalMs: number };
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

const NOT_CANONICAL = 'The request path is not in canonical form (dot segments, empty segments or escaped letters)';

const SHED_DETAIL: Record<ShedReason, string> = {
  'queue-full': 'The server is at its limit and its queue is full',
  displaced: 'The server is at its limit and more critical work took this request’s place',
  'queue-timeout': 'The server is at its limit and could not start this request in time',
  'no-time': 'The server is at its limit and the caller has no time left to wait',
};

/** Registers the hook that admits, queues or sheds, and the admission metrics. */
export function registerAdmission(app: ServiceApp, options: AdmissionOptions): void {
  const canonicalOnly = options.canonicalPathsOnly !== false;
  const queue = createQueue(options);
  const admitted = new Counter({
    name: 'http_requests_admitted_total',
    help: 'Requests admitted, by the criticality they were served at',
    labelNames: ['criticality'],
    registers: [options.metrics.registry],
  });
  app.decorateRequest('criticality', 'default');
  const rankOf = ranking(options);
  const budgetOf = options.acceptDeadlineHeader === false ? () => undefined : budgetHeader;
  app.addHook('onRequest', (request, reply, done) => {
    const path = request.url;
    if (OPS_PATHS.has(path)) return done();
    // A path that would resolve to another route than the one it names reaches no handler: see paths.ts.
    if (canonicalOnly && !isCanonicalPath(pathOf(path)))
      return sendProblem(request, reply, new AppError('VALIDATION_FAILED', { detail: NOT_CANONICAL }));
    const rank = rankOf(request);
    request.criticality = criticalityOfRank(rank);
    if (options.unadmitted?.(path)) return done();
    let decided = false;
    let waiting = false;
    const leave = queue.enter(rank, budgetOf(request), (release, reason) => {
      decided = true;
      if (waiting) reply.raw.off('close', leave);
      if (!release) {
        const overloaded = new AppError('OVERLOADED', { retryAfter: 1, detail: SHED_DETAIL[reason!] });
        return sendProblem(request, reply, overloaded);
      }
      reply.raw.once('close', release);
      admitted.inc({ criticality: request.criticality });
      done();
    });
    // Queued: a client that leaves while it waits takes its place in the queue with it.
    if (!decided) {
      waiting = true;
      reply.raw.once('close', leave);
    }
  });
}

function ranking(options: AdmissionOptions): (request: FastifyRequest) => number {
  const { criticalityOf } = options;
  if (criticalityOf) return (request) => criticalityRank(criticalityOf(request.method, request.url));
  return (request) => criticalityRank(request.headers[CRITICALITY_HEADER]);
}

function budgetHeader(request: FastifyRequest): number | undefined {
  const value = request.headers[DEADLINE_HEADER];
  return typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : undefined;
}

function createQueue(options: AdmissionOptions): AdmissionQueue {
  const registers = [options.metrics.registry];
  const shed = new Counter({
    name: 'http_requests_shed_total',
    help: 'Requests refused by admission control, by criticality and reason',
    labelNames: ['criticality', 'reason'],
    registers,
  });
  const waited = new Histogram({
    name: 'http_admission_queue_wait_seconds',
    help: 'How long queued requests waited for admission',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25],
    registers,
  });
  const queue = new AdmissionQueue({
    limit: adaptiveLimit(options.maxConcurrentRequests),
    ...options.queueWait,
    listener: {
      shed: (rank, reason) => shed.inc({ criticality: criticalityOfRank(rank), reason }),
      waited: (ms) => waited.observe(ms / 1000),
    },
  });
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });
  gauge('http_requests_in_flight', 'Requests being handled', () => queue.inFlight);
  gauge('http_admission_limit', 'Requests the adaptive limit allows in flight now', () => queue.limit);
  gauge('http_admission_queued', 'Requests waiting for admission', () => queue.waiting);
  return queue;
}

/** Starts generous enough for a cold start's burst; the measured latency takes it from there. */
export function adaptiveLimit(max = 1000): GradientLimit {
  const ceiling = max > 0 ? max : 1000;
  return new GradientLimit({ initial: Math.min(64, ceiling), min: Math.min(8, ceiling), max: ceiling });
}
