// The only file of the sandbox that reads process.env and listens.
import { createLogger, loadConfigOrExit, paymentSandboxSpec, serve } from '@shop/platform';
import { startTelemetry } from '@shop/telemetry';
import { createSandbox } from './createSandbox.ts';

const config = loadConfigOrExit({ name: 'payment-sandbox', spec: paymentSandboxSpec }, process.env);
const identity = { service: 'payment-sandbox', instance: config.INSTANCE_ID, region: config.REGION };
const logger = createLogger({ ...identity, level: config.LOG_LEVEL });
const telemetry = startTelemetry({ ...identity, endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
const lifecycle = { draining: false };
const app = createSandbox({
  logger,
  lifecycle,
  instance: config.INSTANCE_ID,
  faults: {
    latencyMs: config.SANDBOX_LATENCY_MS,
    errorRate: Number(config.SANDBOX_ERROR_RATE),
    dropRate: Number(config.SANDBOX_DROP_RATE),
  },
});
await serve(app, {
  host: config.HOST,
  port: config.PORT,
  ops: { host: config.OPS_HOST, port: config.OPS_PORT },
  logger,
  lifecycle,
  shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  exitWithParent: config.SHOP_SUPERVISED,
  onClose: [() => telemetry.shutdown()],
});
logger.info({ port: config.PORT, host: config.HOST }, 'payment sandbox listening');
