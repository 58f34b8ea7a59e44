import { ConfigError, createLogger, env, loadConfig, serve } from '@shop/platform';
import { startTelemetry } from '@shop/telemetry';
import { createSandbox } from './createSandbox.ts';

// The only file of the sandbox that reads process.env and listens.
const spec = {
  HOST: env.string({ default: '127.0.0.1' }),
  PORT: env.port({ default: 7190 }),
  INSTANCE_ID: env.string({
    default: 'payment-sandbox-1',
    pattern: /^[a-z0-9][a-z0-9-]{0,62}$/,
    description: 'a lowercase id like "payment-sandbox-1"',
  }),
  LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
  SHUTDOWN_TIMEOUT_MS: env.int({ default: 10_000, min: 100, max: 120_000 }),
  SANDBOX_LATENCY_MS: env.int({ default: 0, min: 0, max: 120_000 }),
  SANDBOX_ERROR_RATE: env.string({
    default: '0',
    pattern: /^(0(\.\d+)?|1(\.0+)?)$/,
    description: 'a fraction from 0 to 1',
  }),
  SHOP_SUPERVISED: env.bool({ default: false }),
  SANDBOX_DROP_RATE: env.string({
    default: '0',
    pattern: /^(0(\.\d+)?|1(\.0+)?)$/,
    description: 'a fraction from 0 to 1',
  }),
};

let config;
try {
  config = loadConfig(spec, process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`payment-sandbox: ${error.message}\n`);
  process.exit(78);
}
const logger = createLogger({
  service: 'payment-sandbox',
  instance: config.INSTANCE_ID,
  region: 'us-east',
  level: config.LOG_LEVEL,
});
const telemetry = startTelemetry({
  service: 'payment-sandbox',
  instance: config.INSTANCE_ID,
  region: 'us-east',
  endpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT,
});
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
  logger,
  lifecycle,
  shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  exitWithParent: config.SHOP_SUPERVISED,
  onClose: [() => telemetry.shutdown()],
});
logger.info({ port: config.PORT, host: config.HOST }, 'payment sandbox listening');
