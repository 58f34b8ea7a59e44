import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';

export interface TelemetryOptions {
  service: string;
  instance: string;
  region: string;
  /** OTLP/HTTP base URL (the built-in collector or any OpenTelemetry collector). */
  endpoint: string | undefined;
  /**
   * Head sampling (OTEL_TRACES_SAMPLER_ARG): the share of traces started here
   * that are recorded and exported, decided once by trace id; a request that
   * arrives with a parent follows the parent's decision, so a trace is whole or
   * absent. Default 1 (every trace, what a laptop wants); busy deployments lower it.
   */
  sampleRatio?: number;
}

export interface Telemetry {
  /** Exports what is buffered now (tests, and before a planned exit). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/**
 * Turns on tracing for this process: W3C trace context propagation, async
 * context tracking, and batched OTLP/HTTP export. The platform, mesh, data
 * layer and balancer create spans through the OpenTelemetry API only; with no
 * endpoint configured nothing leaves the process.
 * Call once, from a process's main.
 */
export function startTelemetry(options: TelemetryOptions): Telemetry {
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  // Without an endpoint spans are still made (so one trace id follows a request
  // through every process and its log lines) but nothing is exported.
  // Unsampled spans still carry the trace id through every process and log
  // line; they are just not recorded. The decision is made the same way with
  // or without an endpoint here: it travels on to processes that do export.
  const provider = new TracerProvider({
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.sampleRatio ?? 1) }),
    resource: resourceFromAttributes({
      'service.name': options.service,
      'service.instance.id': options.instance,
      'cloud.region': options.region,
    }),
    spanProcessors: options.endpoint
      ? [
          new BatchSpanProcessor({
            exporter: new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/$/, '')}/v1/traces` }),
            scheduledDelayMillis: 500,
            maxQueueSize: 4096,
          }),
        ]
      : [],
  });
  trace.setGlobalTracerProvider(provider);
  // Exporting is best effort at exit: never hold a shutdown for more than a second.
  const bounded = (work: Promise<void>): Promise<void> =>
    Promise.race([work.catch(() => undefined), new Promise<void>((resolve) => setTimeout(resolve, 1000).unref())]);
  return { flush: () => provider.forceFlush(), shutdown: () => bounded(provider.shutdown()) };
}
