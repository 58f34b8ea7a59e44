// The load balancer's entry point: the only file of the balancer that reads process.env and listens.
import { ConfigError, createLogger, lbSpec, loadConfigOrExit, parsePeerUrls, type ConfigOf } from '@shop/platform';
import { startTelemetry } from '@shop/telemetry';
import { createBalancer, type BalancerOptions } from './createBalancer.ts';

type LbConfig = ConfigOf<typeof lbSpec>;

function checkClientTimeouts(config: LbConfig): void {
  if (config.CLIENT_HEADERS_TIMEOUT_MS > config.CLIENT_REQUEST_TIMEOUT_MS)
    throw new ConfigError([
      'CLIENT_HEADERS_TIMEOUT_MS must not exceed CLIENT_REQUEST_TIMEOUT_MS: the headers are part of the request',
    ]);
}

/** The balancer's options from its configuration. */
function balancerOptions(config: LbConfig, logger: BalancerOptions['logger']): BalancerOptions {
  return {
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
  };
}

const config = loadConfigOrExit({ name: 'lb', spec: lbSpec, check: checkClientTimeouts }, process.env);
const identity = { service: 'lb', instance: config.INSTANCE_ID, region: config.REGION };
const logger = createLogger({ ...identity, level: config.LOG_LEVEL });
const telemetry = startTelemetry({
  ...identity,
  endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT,
  sampleRatio: config.OTEL_TRACES_SAMPLER_ARG,
});
const balancer = createBalancer(balancerOptions(config, logger));
balancer.server.listen(config.PORT, config.HOST, () => logger.info({ port: config.PORT }, 'load balancer listening'));
// OPS_HOST (loopback by default), whatever HOST is: what it tells is for the operators.
if (config.OPS_PORT > 0)
  balancer.ops.listen(config.OPS_PORT, config.OPS_HOST, () =>
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
  setTimeout(() => process.exit(1), config.SHUTDOWN_TIMEOUT_MS).unref();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
if (config.SHOP_SUPERVISED) {
  process.stdin.on('data', () => undefined);
  process.stdin.once('end', stop);
}
