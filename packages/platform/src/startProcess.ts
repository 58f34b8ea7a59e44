// A process's start-up and its serving, shared by every entry point: the services (bootService),
// the gateway and the payment sandbox. Config, identity, logger and telemetry first; at the end
// the listeners from the process settings every kind declares, with telemetry closed last.
import { startTelemetry, type Telemetry } from '@shop/telemetry';
import type { ConfigOf, Spec } from './config.ts';
import { loadConfigOrExit } from './config/loadOrExit.ts';
import { createLogger, type Logger } from './logger.ts';
import { serve, type ServeOptions } from './serve.ts';
import type { Lifecycle, ServiceApp } from './serviceApp.ts';

/** The variables of processSpec and telemetrySpec that start-up and serving read. */
interface ProcessSettings {
  HOST: string;
  PORT: number;
  INSTANCE_ID: string;
  REGION: string;
  LOG_LEVEL: string;
  SHUTDOWN_TIMEOUT_MS: number;
  SHOP_SUPERVISED: boolean;
  OPS_HOST: string;
  OPS_PORT: number;
  OTEL_EXPORTER_OTLP_ENDPOINT: string | undefined;
  OTEL_TRACES_SAMPLER_ARG?: number;
}

/** A started process: its loaded config, who it is, its logger and its tracing. */
export interface StartedProcess<C> {
  config: C;
  identity: { service: string; instance: string; region: string };
  logger: Logger;
  telemetry: Telemetry;
}

/**
 * Loads the process's config (exit 78 naming the bad variables), then its identity, logger and
 * telemetry. `configName` is the name on a config error (default: `service`).
 */
export function startProcess<S extends Spec>(
  entry: { service: string; configName?: string; spec: S },
  env: Record<string, string | undefined>,
): StartedProcess<ConfigOf<S>> {
  const config = loadConfigOrExit({ name: entry.configName ?? entry.service, spec: entry.spec }, env);
  const settings = config as unknown as ProcessSettings;
  const identity = { service: entry.service, instance: settings.INSTANCE_ID, region: settings.REGION };
  const logger = createLogger({ ...identity, level: settings.LOG_LEVEL });
  const telemetry = startTelemetry({
    ...identity,
    endpoint: settings.OTEL_EXPORTER_OTLP_ENDPOINT,
    sampleRatio: settings.OTEL_TRACES_SAMPLER_ARG,
  });
  return { config, identity, logger, telemetry };
}

/**
 * Serves the app on HOST:PORT and its ops listener on OPS_HOST:OPS_PORT, drains on SIGTERM (or
 * the launcher's going away when SHOP_SUPERVISED) within SHUTDOWN_TIMEOUT_MS, runs `onClose` and
 * then shuts telemetry down; logs "`<announce>` listening" once up.
 */
export async function serveProcess(
  app: ServiceApp,
  started: StartedProcess<ProcessSettings>,
  hooks: { lifecycle: Lifecycle; announce?: string } & Pick<ServeOptions, 'onDrain' | 'onClose'>,
): Promise<void> {
  const { config, logger, telemetry } = started;
  await serve(app, {
    host: config.HOST,
    port: config.PORT,
    ops: { host: config.OPS_HOST, port: config.OPS_PORT },
    logger,
    lifecycle: hooks.lifecycle,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    exitWithParent: config.SHOP_SUPERVISED,
    onDrain: hooks.onDrain ?? [],
    onClose: [...(hooks.onClose ?? []), () => telemetry.shutdown()],
  });
  const listening = hooks.announce ? `${hooks.announce} listening` : 'listening';
  logger.info({ port: config.PORT, host: config.HOST, opsPort: config.OPS_PORT }, listening);
}
