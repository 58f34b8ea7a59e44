// Ops endpoints: /health (alive), /ready (dependencies reachable and not draining) and /metrics
// (Prometheus). Served on the service port and, with no client certificate, on the ops port.
import Fastify, { LogController } from 'fastify';
import { AppError } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { ServiceMetrics } from '../metrics.ts';
import type { Lifecycle, ReadinessCheck, ServiceApp } from '../serviceApp.ts';
import { frameworkErrors, registerProblems } from './problems.ts';

export interface OpsEndpointsOptions {
  service: string;
  instance: string;
  logger: Logger;
  metrics: ServiceMetrics;
  readiness: ReadinessCheck[];
  lifecycle: Lifecycle;
  /** How long one readiness check may take before it counts as failing (default 1000 ms). */
  readinessTimeoutMs?: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** What the app's ops endpoints answer from: `createOpsApp` serves the same on the ops port. */
    opsEndpoints?: OpsEndpointsOptions;
  }
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new Error('timed out'));
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

async function checkAll(options: OpsEndpointsOptions): Promise<Array<{ name: string; ok: boolean; error?: string }>> {
  const timeoutMs = options.readinessTimeoutMs ?? 1000;
  return Promise.all(
    options.readiness.map(async (dependency) => {
      const signal = AbortSignal.timeout(timeoutMs);
      try {
        await raceAbort(dependency.check(signal), signal);
        return { name: dependency.name, ok: true };
      } catch (error) {
        return { name: dependency.name, ok: false, error: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
}

/** Adds /health, /ready and /metrics to `app` and remembers what they answer from. */
export function registerOpsEndpoints(app: ServiceApp, options: OpsEndpointsOptions): void {
  app.decorate('opsEndpoints', options);
  app.get('/health', () => ({ status: 'ok', service: options.service, instance: options.instance }));
  app.get('/ready', async (_request, reply) => {
    if (options.lifecycle.draining) throw new AppError('SHUTTING_DOWN', { retryAfter: 1 });
    const results = await checkAll(options);
    const failing = results.filter((r) => !r.ok);
    if (failing.length > 0) {
      throw new AppError('NOT_READY', {
        retryAfter: 1,
        detail: `Unreachable: ${failing.map((f) => f.name).join(', ')}`,
        extensions: { checks: results },
      });
    }
    return reply.send({ status: 'ready', checks: results });
  });
  app.get('/metrics', async (_request, reply) => {
    const body = await options.metrics.registry.metrics();
    return reply.type(options.metrics.registry.contentType).send(body);
  });
}

/**
 * The ops listener's app: plain HTTP, only the ops endpoints (and problem+json for anything
 * else), no admission, tracing or access log. A Kubernetes probe or a stock Prometheus reaches
 * it without a client certificate; bind it to loopback or the pod network, never the public.
 */
export function createOpsApp(options: OpsEndpointsOptions): ServiceApp {
  const app = Fastify({
    loggerInstance: options.logger,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    forceCloseConnections: true,
    frameworkErrors,
  }) as unknown as ServiceApp;
  registerProblems(app);
  registerOpsEndpoints(app, options);
  return app;
}
