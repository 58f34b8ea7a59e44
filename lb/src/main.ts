import { ConfigError, createLogger, env, loadConfig, parsePeerUrls } from '@shop/platform';
import { startTelemetry } from '@shop/telemetry';
import { CLIENT_DEFAULTS, createBalancer } from './createBalancer.ts';

const spec = {
  HOST: env.string({ default: '127.0.0.1' }),
  PORT: env.port({ default: 8080 }),
  INSTANCE_ID: env.string({ default: 'lb-1' }),
  OTEL_TRACES_SAMPLER_ARG: env.ratio({ default: 1 }),
  REGION: env.string({ default: 'us-east' }),
  LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
  GATEWAY_URLS: env.string({ description: 'comma-separated base URLs of the gateway instances' }),
  HEALTH_INTERVAL_MS: env.int({ default: 10_000, min: 100, max: 600_000 }),
  HEALTH_TIMEOUT_MS: env.int({ default: 2000, min: 50, max: 60_000 }),
  /** /ready, not /health: a draining gateway is alive but must leave rotation. */
  HEALTH_PATH: env.string({ default: '/ready', pattern: /^\/[\w./-]*$/ }),
  UNHEALTHY_THRESHOLD: env.int({ default: 3, min: 1, max: 100 }),
  HEALTHY_THRESHOLD: env.int({ default: 2, min: 1, max: 100 }),
  EJECTION_MS: env.int({ default: 1000, min: 10, max: 600_000 }),
  UPSTREAM_TIMEOUT_MS: env.int({ default: 15_000, min: 100, max: 600_000 }),
  BODY_LIMIT_BYTES: env.int({ default: 1_048_576, min: 1024, max: 50 * 1_048_576 }),
  /** 0 (default): 256 per gateway, what the balancer's connections to them carry. */
  MAX_CONCURRENT_REQUESTS: env.int({ default: 0, min: 0, max: 100_000 }),
  // What a client (by its address; the balancer is the public entry) may hold open: see ClientLimits.
  CLIENT_HEADERS_TIMEOUT_MS: env.int({ default: CLIENT_DEFAULTS.headersTimeoutMs, min: 100, max: 600_000 }),
  CLIENT_REQUEST_TIMEOUT_MS: env.int({ default: CLIENT_DEFAULTS.requestTimeoutMs, min: 100, max: 600_000 }),
  CLIENT_BODY_TIMEOUT_MS: env.int({ default: CLIENT_DEFAULTS.bodyTimeoutMs, min: 100, max: 600_000 }),
  CLIENT_KEEP_ALIVE_TIMEOUT_MS: env.int({ default: CLIENT_DEFAULTS.keepAliveTimeoutMs, min: 100, max: 600_000 }),
  CLIENT_MAX_CONNECTIONS: env.int({ default: CLIENT_DEFAULTS.maxConnections, min: 1, max: 100_000 }),
  CLIENT_MAX_CONCURRENT_REQUESTS: env.int({ default: CLIENT_DEFAULTS.maxInFlight, min: 1, max: 100_000 }),
  /** The operators' listener on loopback (/lb/status, /health, /ready); 0 (default): none. */
  OPS_PORT: env.port({ default: 0 }),
};

let config;
try {
  config = loadConfig(spec, process.env);
  if (config.CLIENT_HEADERS_TIMEOUT_MS > config.CLIENT_REQUEST_TIMEOUT_MS)
    throw new ConfigError([
      'CLIENT_HEADERS_TIMEOUT_MS must not exceed CLIENT_REQUEST_TIMEOUT_MS: the headers are part of the request',
    ]);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`lb: ${error.message}\n`);
  process.exit(78);
}
const logger = createLogger({
  service: 'lb',
  instance: config.INSTANCE_ID,
  region: config.REGION,
  level: config.LOG_LEVEL,
});
const telemetry = startTelemetry({
  service: 'lb',
  instance: config.INSTANCE_ID,
  region: config.REGION,
  endpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT,
  sampleRatio: config.OTEL_TRACES_SAMPLER_ARG,
});
const balancer = createBalancer({
  backends: parsePeerUrls(config.GATEWAY_URLS),
  policy: {
    unhealthyThreshold: config.UNHEALTHY_THRESHOLD,
    healthyThreshold: config.HEALTHY_THRESHOLD,
    baseEjectionMs: config.EJECTION_MS,
    maxEjectionMs: 30_000,
  },
  healthIntervalMs: config.HEALTH_INTERVAL_MS,
  healthTimeoutMs: config.HEALTH_TIMEOUT_MS,
  healthPath: config.HEALTH_PATH,
  upstreamTimeoutMs: config.UPSTREAM_TIMEOUT_MS,
  bodyLimitBytes: config.BODY_LIMIT_BYTES,
  ...(config.MAX_CONCURRENT_REQUESTS > 0 ? { maxInFlight: config.MAX_CONCURRENT_REQUESTS } : {}),
  client: {
    headersTimeoutMs: config.CLIENT_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: config.CLIENT_REQUEST_TIMEOUT_MS,
    bodyTimeoutMs: config.CLIENT_BODY_TIMEOUT_MS,
    keepAliveTimeoutMs: config.CLIENT_KEEP_ALIVE_TIMEOUT_MS,
    maxConnections: config.CLIENT_MAX_CONNECTIONS,
    maxInFlight: config.CLIENT_MAX_CONCURRENT_REQUESTS,
  },
  logger,
});
balancer.server.listen(config.PORT, config.HOST, () => logger.info({ port: config.PORT }, 'load balancer listening'));
// Loopback only, whatever HOST is: what it tells is for the operators on this machine.
if (config.OPS_PORT > 0)
  balancer.ops.listen(config.OPS_PORT, '127.0.0.1', () =>
    logger.info({ port: config.OPS_PORT }, 'load balancer ops listening'),
  );

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void balancer
    .close()
    .then(() => telemetry.shutdown())
    .then(() => process.exit(0));
  setTimeout(() => process.exit(1), 5000).unref();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
if (process.env.SHOP_SUPERVISED === '1') {
  process.stdin.on('data', () => undefined);
  process.stdin.once('end', stop);
}
