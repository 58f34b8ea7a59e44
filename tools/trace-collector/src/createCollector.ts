import { AppError, createServiceApp, Type, type Logger, type ServiceApp, type ServiceMetrics } from '@shop/platform';
import { parseExport } from './otlp.ts';
import { TraceStore } from './traceStore.ts';
import { renderWaterfall } from './waterfall.ts';

/**
 * The built-in trace collector, used when no OTEL_EXPORTER_OTLP_ENDPOINT is
 * configured: every process exports OTLP/HTTP JSON here; it keeps recent
 * traces in memory and shows one as a waterfall.
 */
export function createCollector(options: {
  instance: string;
  region: string;
  logger: Logger;
  metrics: ServiceMetrics;
  maxTraces?: number;
}): ServiceApp {
  const store = new TraceStore(options.maxTraces ?? 2000);
  const app = createServiceApp({
    service: 'trace-collector',
    instance: options.instance,
    region: options.region,
    logger: options.logger,
    metrics: options.metrics,
    readiness: [],
    bodyLimit: 8 * 1_048_576,
  });
  const TraceId = Type.Object({ traceId: Type.String({ pattern: '^[0-9a-f]{32}$' }) });

  app.post('/v1/traces', (request) => {
    try {
      store.add(parseExport(request.body));
    } catch (error) {
      throw new AppError('VALIDATION_FAILED', {
        detail: `Not an OTLP/JSON trace export: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
    return {};
  });
  app.get(
    '/traces',
    { schema: { querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }) } },
    (request) => ({ traces: store.recent(request.query.limit ?? 50) }),
  );
  app.get('/traces/:traceId', { schema: { params: TraceId } }, (request) => {
    const spans = store.get(request.params.traceId);
    if (!spans) throw new AppError('NOT_FOUND', { detail: `No trace ${request.params.traceId} (yet, or any more)` });
    return { traceId: request.params.traceId, spans };
  });
  app.get('/traces/:traceId/view', { schema: { params: TraceId } }, (request, reply) => {
    const spans = store.get(request.params.traceId);
    if (!spans) throw new AppError('NOT_FOUND', { detail: `No trace ${request.params.traceId}` });
    return reply.type('text/html; charset=utf-8').send(renderWaterfall(request.params.traceId, spans));
  });
  return app;
}
