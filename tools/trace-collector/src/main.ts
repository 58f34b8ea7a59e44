import { ConfigError, createLogger, env, loadConfig, serve, ServiceMetrics } from '@shop/platform';
import { createCollector } from './createCollector.ts';

let config;
try {
  config = loadConfig(
    {
      HOST: env.string({ default: '127.0.0.1' }),
      PORT: env.port(),
      INSTANCE_ID: env.string({ default: 'trace-collector' }),
      REGION: env.string({ default: 'us-east' }),
      LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
      TRACE_STORE_MAX_TRACES: env.int({ default: 2000, min: 10, max: 100_000 }),
    },
    process.env,
  );
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`trace-collector: ${error.message}\n`);
  process.exit(78);
}
const identity = { service: 'trace-collector', instance: config.INSTANCE_ID, region: config.REGION };
const logger = createLogger({ ...identity, level: config.LOG_LEVEL });
const app = createCollector({
  instance: config.INSTANCE_ID,
  region: config.REGION,
  logger,
  metrics: new ServiceMetrics(identity),
  maxTraces: config.TRACE_STORE_MAX_TRACES,
});
await serve(app, {
  host: config.HOST,
  port: config.PORT,
  logger,
  lifecycle: { draining: false },
  shutdownTimeoutMs: 2000,
  exitWithParent: process.env.SHOP_SUPERVISED === '1',
});
