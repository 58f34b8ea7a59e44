// The trace collector's entry point: the only file that reads process.env and listens.
import { createLogger, loadConfigOrExit, serve, ServiceMetrics, traceCollectorSpec } from '@shop/platform';
import { createCollector } from './createCollector.ts';

const config = loadConfigOrExit({ name: 'trace-collector', spec: traceCollectorSpec }, process.env);
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
  ops: { host: config.OPS_HOST, port: config.OPS_PORT },
  logger,
  lifecycle: { draining: false },
  shutdownTimeoutMs: 2000,
  exitWithParent: config.SHOP_SUPERVISED,
});
