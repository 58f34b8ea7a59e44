import type { ServiceDatabase } from '@shop/data';
import type { MeshFiles } from './meshCertificates.ts';
import { SERVICES, type InstanceSpec } from './topology.ts';

export interface EnvContext {
  all: InstanceSpec[];
  databases: Map<string, ServiceDatabase>;
  /** A service's own URLs on the replicas (none without DATABASE_REPLICA_URLS). */
  replicaUrlsOf?: (service: string) => string[];
  /** Set when a real provider / SMTP server is configured; otherwise the region's stand-in is used. */
  paymentProviderUrl: string | undefined;
  smtpUrl: string | undefined;
  poolMax: number;
  logLevel: string;
  shutdownTimeoutMs: number;
  /** The bootstrap administrator (user instances only): made at their start if no administrator exists. */
  admin: { email: string; password: string };
  /** The key-encryption key sealing the user service's signing keys (user instances only). */
  signingKekFile: string;
  /** Certificates per identity when the mesh runs mTLS. */
  mesh: Map<string, MeshFiles> | undefined;
  /** Where every process sends its spans. */
  otlpEndpoint: string | undefined;
  /** Real engines, passed through to services and gateways when configured. */
  engines: Record<string, string | undefined>;
}

/**
 * Service settings set in the launcher's environment reach every process that
 * understands them: variables with these prefixes are passed through as they
 * are (e.g. CATALOG_SEED_COUNT=2000 npm start). Everything else an instance
 * gets is computed here.
 */
export const PASS_THROUGH =
  /^(NODE_COMPILE_CACHE|CATALOG_|CLIENT_|STREAMS_|MAX_STREAMS|CORS_|PRODUCT_|RESERVATION_|SANDBOX_|LOGIN_|PASSWORD_|ANALYTICS_|ACCESS_TOKEN_|REFRESH_TOKEN_|SAGA_|SIGNUP_|CART_|IDEMPOTENCY_|CHECKOUT_|RECONCILE_|PROVIDER_|NOTIFICATION_|MAIL_|RATE_LIMIT_|MAX_CONCURRENT_|MESH_|OTEL_TRACES_|DB_ACQUIRE_|DB_STATEMENT_|HEALTH_|UNHEALTHY_|HEALTHY_|EJECTION_)/;

export function passThrough(source: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(source).filter((e): e is [string, string] => PASS_THROUGH.test(e[0]) && e[1] !== undefined),
  );
}

/** Services speak mTLS when the mesh is on; the gateway's public side and the stand-ins stay HTTP. */
export function schemeOf(instance: InstanceSpec, mesh: boolean): 'http' | 'https' {
  return mesh && (SERVICES as readonly string[]).includes(instance.service) ? 'https' : 'http';
}

/**
 * Everything an instance needs to find its data and its peers, as environment
 * variables (the only way configuration reaches a process). Peers are the
 * instances of each service in the same region; the mesh's discovery replaces
 * these lists later without the services changing how they call.
 */
export function instanceEnv(instance: InstanceSpec, ctx: EnvContext): Record<string, string> {
  const sameRegion = ctx.all.filter((i) => i.region === instance.region);
  const urlsOf = (service: string): string =>
    sameRegion
      .filter((i) => i.service === service)
      .map((i) => `${schemeOf(i, ctx.mesh !== undefined)}://127.0.0.1:${i.port}`)
      .join(',');
  const sandbox = sameRegion.find((i) => i.service === 'payment-sandbox');
  const mailSink = sameRegion.find((i) => i.service === 'mail-sink');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOST: '127.0.0.1',
    PORT: String(instance.port),
    INSTANCE_ID: instance.id,
    REGION: instance.region,
    LOG_LEVEL: ctx.logLevel,
    SHUTDOWN_TIMEOUT_MS: String(Math.max(100, ctx.shutdownTimeoutMs - 500)),
    ...passThrough(process.env),
    ...(ctx.otlpEndpoint && instance.service !== 'trace-collector'
      ? { OTEL_EXPORTER_OTLP_ENDPOINT: ctx.otlpEndpoint }
      : {}),
    ...instance.env,
  };
  if (instance.service === 'lb') return { ...env, GATEWAY_URLS: urlsOf('gateway') };
  for (const service of SERVICES) env[`PEER_${service.toUpperCase()}_URLS`] = urlsOf(service);
  for (const [name, value] of Object.entries(ctx.engines)) if (value) env[name] = value;
  const registry = ctx.databases.get('registry');
  if (registry) env.REGISTRY_DATABASE_URL = registry.url;
  const certs = ctx.mesh?.get(instance.service);
  if (certs)
    Object.assign(env, { MESH_CERT_FILE: certs.certFile, MESH_KEY_FILE: certs.keyFile, MESH_CA_FILE: certs.caFile });
  if (instance.service === 'gateway') return env;
  if (!(SERVICES as readonly string[]).includes(instance.service)) return env;
  Object.assign(env, {
    DATABASE_URL: ctx.databases.get(instance.service)?.url ?? '',
    EVENTS_DATABASE_URL: ctx.databases.get('events')?.url ?? '',
    DB_POOL_MAX: String(ctx.poolMax),
    PAYMENT_PROVIDER_URL: ctx.paymentProviderUrl ?? (sandbox ? `http://127.0.0.1:${sandbox.port}` : ''),
    SMTP_URL: ctx.smtpUrl ?? (mailSink?.env?.SMTP_PORT ? `smtp://127.0.0.1:${mailSink.env.SMTP_PORT}` : ''),
  });
  if (instance.service === 'user')
    Object.assign(env, {
      ADMIN_EMAIL: ctx.admin.email,
      ADMIN_INITIAL_PASSWORD: ctx.admin.password,
      SIGNING_KEY_KEK_FILE: ctx.signingKekFile,
    });
  const replicas = ctx.replicaUrlsOf?.(instance.service) ?? [];
  if (replicas.length > 0) env.DATABASE_REPLICA_URLS = replicas.join(',');
  return env;
}
