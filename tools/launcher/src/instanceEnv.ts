import type { ServiceDatabase } from '@shop/data';
import type { MeshFiles } from './meshCertificates.ts';
import { declares, type ProcessKind } from '@shop/platform';
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
 * Variables the runtime reads, not the program: every instance gets them, whatever its kind
 * declares. PATH for anything a process spawns; NODE_COMPILE_CACHE, Node's on-disk compile
 * cache shared by every instance (about 40% off each start).
 */
export const RUNTIME_VARIABLES: readonly string[] = ['PATH', 'NODE_COMPILE_CACHE'];

/**
 * Settings set in the launcher's environment reach every process whose kind declares them
 * (e.g. CATALOG_SEED_COUNT=2000 npm start reaches the product instances, and only them).
 * What the launcher computes for an instance (ports, peers, databases) wins over these.
 */
export function passThrough(kind: ProcessKind, source: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(source).filter(
      (e): e is [string, string] => e[1] !== undefined && (RUNTIME_VARIABLES.includes(e[0]) || declares(kind, e[0])),
    ),
  );
}

/** Only what `kind` declares (and the runtime's own): nothing undeclared reaches a process. */
export function declaredOnly(kind: ProcessKind, env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter(([name]) => RUNTIME_VARIABLES.includes(name) || declares(kind, name)),
  );
}

/** Services speak mTLS when the mesh is on; the gateway's public side and the stand-ins stay HTTP. */
export function schemeOf(instance: InstanceSpec, mesh: boolean): 'http' | 'https' {
  return mesh && (SERVICES as readonly string[]).includes(instance.service) ? 'https' : 'http';
}

/**
 * Everything an instance needs to find its data and its peers, as environment
 * variables (the only way configuration reaches a process), limited to the names
 * its kind declares. Peers are the instances of each service in the same region;
 * the mesh's discovery replaces these lists later without the services changing how they call.
 */
export function instanceEnv(instance: InstanceSpec, ctx: EnvContext): Record<string, string> {
  const env: Record<string, string> = {
    ...passThrough(instance.service, process.env),
    PATH: process.env.PATH ?? '',
    HOST: '127.0.0.1',
    PORT: String(instance.port),
    ...(instance.opsPort === undefined ? {} : { OPS_PORT: String(instance.opsPort) }),
    INSTANCE_ID: instance.id,
    REGION: instance.region,
    LOG_LEVEL: ctx.logLevel,
    SHUTDOWN_TIMEOUT_MS: String(Math.max(100, ctx.shutdownTimeoutMs - 500)),
    ...(ctx.otlpEndpoint && instance.service !== 'trace-collector'
      ? { OTEL_EXPORTER_OTLP_ENDPOINT: ctx.otlpEndpoint }
      : {}),
    ...instance.env,
    ...meshEnv(instance, ctx),
    ...(isService(instance) ? serviceEnv(instance, ctx) : {}),
  };
  return declaredOnly(instance.service, env);
}

function isService(instance: InstanceSpec): boolean {
  return (SERVICES as readonly string[]).includes(instance.service);
}

/** Peers, engines, discovery and certificates: what gateways and services share (the lb: its gateways). */
function meshEnv(instance: InstanceSpec, ctx: EnvContext): Record<string, string> {
  const sameRegion = ctx.all.filter((i) => i.region === instance.region);
  const urlsOf = (service: string): string =>
    sameRegion
      .filter((i) => i.service === service)
      .map((i) => `${schemeOf(i, ctx.mesh !== undefined)}://127.0.0.1:${i.port}`)
      .join(',');
  if (instance.service === 'lb') return { GATEWAY_URLS: urlsOf('gateway') };
  const env: Record<string, string> = {};
  for (const service of SERVICES) env[`PEER_${service.toUpperCase()}_URLS`] = urlsOf(service);
  for (const [name, value] of Object.entries(ctx.engines)) if (value) env[name] = value;
  const registry = ctx.databases.get('registry');
  if (registry) env.REGISTRY_DATABASE_URL = registry.url;
  const certs = ctx.mesh?.get(instance.service);
  if (certs)
    Object.assign(env, { MESH_CERT_FILE: certs.certFile, MESH_KEY_FILE: certs.keyFile, MESH_CA_FILE: certs.caFile });
  return env;
}

/** A shop service's database, event log, stand-ins and (user instances) its secrets. */
function serviceEnv(instance: InstanceSpec, ctx: EnvContext): Record<string, string> {
  const sameRegion = ctx.all.filter((i) => i.region === instance.region);
  const sandbox = sameRegion.find((i) => i.service === 'payment-sandbox');
  const mailSink = sameRegion.find((i) => i.service === 'mail-sink');
  const env: Record<string, string> = {
    DATABASE_URL: ctx.databases.get(instance.service)?.url ?? '',
    EVENTS_DATABASE_URL: ctx.databases.get('events')?.url ?? '',
    DB_POOL_MAX: String(ctx.poolMax),
    PAYMENT_PROVIDER_URL: ctx.paymentProviderUrl ?? (sandbox ? `http://127.0.0.1:${sandbox.port}` : ''),
    SMTP_URL: ctx.smtpUrl ?? (mailSink?.env?.SMTP_PORT ? `smtp://127.0.0.1:${mailSink.env.SMTP_PORT}` : ''),
  };
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
