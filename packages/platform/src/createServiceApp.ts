// The app factory every service (and the gateway) builds on: a Fastify instance composed of one
// plugin per concern (plugins/): admission, request context (caller identity, deadline, tracing),
// connections, access log, problems, OpenAPI, faults and the ops endpoints.
import { randomUUID } from 'node:crypto';
import type { RequestListener, Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import Fastify, { LogController } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Criticality } from '@shop/mesh';
import type { AppError } from './errors.ts';
import { registerFaults } from './faults.ts';
import { LazyLogger } from './lazyLogger.ts';
import type { Logger } from './logger.ts';
import type { ServiceMetrics } from './metrics.ts';
import { registerAccessLog } from './plugins/accessLog.ts';
import { registerAdmission } from './plugins/admission.ts';
import { registerConnections } from './plugins/connections.ts';
import { registerOpenApi } from './plugins/openapiRoute.ts';
import { registerOpsEndpoints } from './plugins/opsEndpoints.ts';
import { frameworkErrors, registerProblems } from './plugins/problems.ts';
import { registerRequestContext } from './plugins/requestContext.ts';
import type { Lifecycle, ReadinessCheck, ServiceApp } from './serviceApp.ts';
import { createValidatorCompiler } from './validation.ts';

export type { Lifecycle, ReadinessCheck, ServiceApp } from './serviceApp.ts';
export { CLIENT_ADDRESS_HEADER } from './plugins/callerIdentity.ts';
export { requestSignal } from './plugins/deadline.ts';
export { normalise, sendProblem } from './plugins/problems.ts';

export interface ServiceAppOptions {
  service: string;
  instance: string;
  region: string;
  logger: Logger;
  metrics: ServiceMetrics;
  readiness: ReadinessCheck[];
  lifecycle?: Lifecycle;
  bodyLimit?: number;
  readinessTimeoutMs?: number;
  /** Translate adapter errors (pool exhausted, database down) into catalogued ones. */
  errorMappers?: Array<(error: unknown) => AppError | undefined>;
  /**
   * Serve mutual TLS: only clients with a certificate from `ca` get past the
   * handshake, and routes may name which caller identities they accept
   * (`config: { callers: ['order'] }`). Without it the app speaks plain HTTP
   * and caller rules are not enforced (local tests through inject()).
   */
  tls?: { key: string; cert: string; ca: string };
  /**
   * Admission control (plugins/admission.ts): the ceiling of the adaptive
   * concurrency limit. Past the limit a short queue by criticality, then 503
   * OVERLOADED + Retry-After at once instead of an answer too late to matter.
   * Health, readiness and metrics are always admitted.
   */
  maxConcurrentRequests?: number;
  /**
   * At the platform's entry (the gateway): how much a request matters, from its
   * route, whatever it claims. Without it the mesh's x-criticality is believed.
   */
  criticalityOf?: (method: string, url: string) => Criticality;
  /**
   * Requests that do not count against maxConcurrentRequests (by raw URL):
   * long-lived ones the app caps on its own, such as event streams.
   */
  unadmitted?: (url: string) => boolean;
  /**
   * Refuse paths not in canonical form (default): behind the gateway nothing
   * legitimate sends one. The gateway itself sets false, and canonicalises.
   */
  canonicalPathsOnly?: boolean;
  /**
   * Honour the mesh's deadline header (default). An edge facing the public sets
   * false: from outside the header is a client's say-so, and a client must not be
   * able to make the edge answer 504.
   */
  acceptDeadlineHeader?: boolean;
}

/** The mesh identity allowed to inject faults: the launcher, which runs chaos. */
const CHAOS_CALLER = 'launcher';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function mtlsServer(tls: { key: string; cert: string; ca: string }) {
  const options = { ...tls, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3' } as const;
  return (handler: RequestListener) => createTlsServer(options, handler) as unknown as Server;
}

function createFastify(options: ServiceAppOptions, bodyLimit: number): ServiceApp {
  return Fastify({
    ...(options.tls ? { serverFactory: mtlsServer(options.tls) } : {}),
    loggerInstance: options.logger,
    childLoggerFactory: (logger, bindings, childOptions) =>
      new LazyLogger(logger as Logger, bindings, childOptions) as unknown as Logger,
    // The access log writes one line per request with route, status and time.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'correlationId' }),
    bodyLimit,
    requestIdHeader: false,
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    frameworkErrors,
  }).withTypeProvider<TypeBoxTypeProvider>();
}

/**
 * The Fastify instance every service builds on: problem+json errors from one
 * catalogue, schema validation naming the field, body limits, correlation and
 * trace ids on every log line, health, readiness and Prometheus metrics.
 * It never listens; `serve()` does (and serves the ops endpoints on the ops port).
 */
export function createServiceApp(options: ServiceAppOptions): ServiceApp {
  const lifecycle = options.lifecycle ?? { draining: false };
  const bodyLimit = options.bodyLimit ?? 1_048_576;
  const app = createFastify(options, bodyLimit);
  app.setValidatorCompiler(createValidatorCompiler());
  // Hook order is the plugins' order: admission first, so shed work costs nothing more.
  registerAdmission(app, options);
  registerRequestContext(app, { ...options, mtls: options.tls !== undefined });
  registerConnections(app, { lifecycle, bodyLimit });
  registerAccessLog(app, options.metrics);
  registerProblems(app, options);
  registerOpenApi(app, { title: `${options.service} service`, version: '1' });
  // Chaos faults need a caller we can name: only under mTLS, only the launcher.
  if (options.tls) registerFaults(app, { callers: [CHAOS_CALLER] });
  registerOpsEndpoints(app, { ...options, lifecycle });
  return app;
}
