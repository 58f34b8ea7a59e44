// Shared configuration pieces: each variable that more than one kind of process reads is
// declared here once, with its default and the line the docs show. Process kinds compose them
// (registry.ts); a piece that takes arguments does so only for a default that differs by kind.
import { env, type Spec } from '../config.ts';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const POSTGRES = ['postgres:', 'postgresql:'];
/** The schemes of an HTTP endpoint: a collector, a provider's API. */
export const HTTP = ['http:', 'https:'];

/** Where and who a process is, how it logs and stops, and its ops listener. */
export function processSpec(defaults: { port?: number; instanceId?: string; idExample: string }) {
  return {
    HOST: env.string({ default: '127.0.0.1', doc: 'address the service port listens on' }),
    PORT: env.port({ default: defaults.port, doc: 'the service port (0: any free port)' }),
    INSTANCE_ID: env.string({
      default: defaults.instanceId,
      pattern: /^[a-z0-9][a-z0-9-]{0,62}$/,
      description: `a lowercase id like "${defaults.idExample}"`,
      doc: 'this instance: in logs, metrics, spans and the registry',
    }),
    REGION: env.string({
      default: 'us-east',
      pattern: /^[a-z]+-[a-z]+$/,
      description: 'a region name like "us-east"',
      doc: 'the region this instance serves; peers are found in the same region',
    }),
    LOG_LEVEL: env.oneOf(LOG_LEVELS, { default: 'info', doc: 'pino level of the JSON logs' }),
    SHUTDOWN_TIMEOUT_MS: env.int({
      default: 10_000,
      min: 100,
      max: 120_000,
      doc: 'drain deadline after SIGTERM; past it the process exits non-zero',
    }),
    SHOP_SUPERVISED: env.bool({
      default: false,
      doc: 'set by the launcher: stdin is its pipe, and the process exits when the launcher is gone',
    }),
    OPS_HOST: env.string({
      default: '127.0.0.1',
      doc: 'address of the ops listener (loopback, or the pod network; never the public)',
    }),
    OPS_PORT: env.port({
      default: 0,
      doc: 'plain-HTTP ops listener: /health, /ready, /metrics without a client certificate (0: none)',
    }),
  } satisfies Spec;
}

/** Spans: where they go and how many are kept. */
export const telemetrySpec = {
  OTEL_EXPORTER_OTLP_ENDPOINT: env.optionalUrl({
    protocols: HTTP,
    doc: 'an OTLP/HTTP collector spans are exported to; unset: none',
  }),
  OTEL_TRACES_SAMPLER_ARG: env.ratio({
    default: 1,
    doc: "head sampling, ParentBased(TraceIdRatio): the share of new traces recorded; a request follows its parent's decision",
  }),
} satisfies Spec;

/** The mesh: mTLS certificates and discovery. */
export const meshSpec = {
  MESH_CERT_FILE: env.optionalString({
    doc: "this identity's certificate (PEM); with the key and CA it switches mTLS on",
  }),
  MESH_KEY_FILE: env.optionalString({ doc: "this identity's private key (PEM)" }),
  MESH_CA_FILE: env.optionalString({ doc: 'the mesh CA (PEM): peers must present a certificate it signed' }),
  REGISTRY_DATABASE_URL: env.optionalUrl({
    protocols: POSTGRES,
    doc: "discovery: register with heartbeats and follow peers' live instances; unset: the PEER_* lists only",
  }),
} satisfies Spec;

/** The service's own database and its bounded pool. */
export const databaseSpec = {
  DATABASE_URL: env.url({ protocols: POSTGRES, doc: 'its own database, as its own role' }),
  DATABASE_REPLICA_URLS: env.urlList({
    protocols: POSTGRES,
    doc: 'its role and database on streaming replicas: reads may go there, read-your-writes by x-consistency-token',
  }),
  DB_POOL_MAX: env.int({ default: 10, min: 1, max: 200, doc: 'connections in the pool' }),
  DB_ACQUIRE_TIMEOUT_MS: env.int({
    default: 1000,
    min: 10,
    max: 60_000,
    doc: 'longest wait for a pooled connection before 503 POOL_EXHAUSTED',
  }),
  DB_STATEMENT_TIMEOUT_MS: env.int({ default: 5000, min: 10, max: 600_000, doc: 'statement_timeout of each query' }),
} satisfies Spec;

/** The event bus: NATS JetStream, else the PostgreSQL event log. */
export const eventsSpec = {
  EVENTS_DATABASE_URL: env.optionalUrl({
    protocols: POSTGRES,
    doc: 'the PostgreSQL event log; producers relay their outbox to it, consumers read it',
  }),
  NATS_URL: env.optionalString({
    doc: 'the bus on NATS JetStream (one URL or several, comma-separated); wins over EVENTS_DATABASE_URL',
  }),
  EVENTS_NAMESPACE: env.string({
    default: 'shop',
    pattern: /^[a-z][a-z0-9]{0,31}$/,
    description: 'lowercase letters and digits',
    doc: 'keeps deployments sharing one NATS apart (the launcher passes its DB_PREFIX)',
  }),
} satisfies Spec;

/** Redis, shared by the instances of a kind; per-instance memory when unset. */
export const redisSpec = {
  REDIS_URL: env.optionalUrl({
    protocols: ['redis:', 'rediss:'],
    doc: 'shared caches, rate limits and read-your-writes floors (redis://); unset: in process, per instance',
  }),
} satisfies Spec;

/** An event consumer's poll: how soon it looks again without a wake-up (LISTEN/NOTIFY, a JetStream push). */
export function consumerPollInterval(doc: string) {
  return env.int({ default: 1000, min: 20, max: 60_000, doc });
}

/** What one request may cost the server: body size and requests in flight. */
export function httpSpec(defaults: { maxConcurrentRequests: number; min?: number; doc?: string }) {
  return {
    BODY_LIMIT_BYTES: env.int({
      default: 1_048_576,
      min: 1024,
      max: 50 * 1_048_576,
      doc: 'largest request body; past it, 413',
    }),
    MAX_CONCURRENT_REQUESTS: env.int({
      default: defaults.maxConcurrentRequests,
      min: defaults.min ?? 1,
      max: 100_000,
      doc: defaults.doc ?? 'admission control: past this many requests in flight, 503 + Retry-After at once',
    }),
  } satisfies Spec;
}

type PeerKey<S extends string> = `PEER_${Uppercase<S>}_URLS`;

/**
 * PEER_<SERVICE>_URLS: the starting list of a service's instances in this region (https:// under
 * mTLS), which discovery then follows. `required` ones stop the process when missing.
 */
export function peersSpec<const R extends string = never, const O extends string = never>(peers: {
  required?: readonly R[];
  optional?: readonly O[];
}) {
  const doc = (service: string): string => `comma-separated base URLs of the ${service} service's instances`;
  const key = <S extends string>(service: S): PeerKey<S> => `PEER_${service.toUpperCase()}_URLS` as PeerKey<S>;
  const required = (peers.required ?? []).map((s) => [key(s), env.string({ description: doc(s), doc: doc(s) })]);
  const optional = (peers.optional ?? []).map((s) => [key(s), env.optionalString({ doc: `${doc(s)} (optional)` })]);
  return Object.fromEntries([...required, ...optional]) as {
    [K in R as PeerKey<K>]: ReturnType<typeof env.string>;
  } & { [K in O as PeerKey<K>]: ReturnType<typeof env.optionalString> };
}

/** Keeps only `names` of a piece: for a process that shares a few of its variables. */
export function pick<S extends Spec, K extends keyof S>(spec: S, names: readonly K[]): Pick<S, K> {
  return Object.fromEntries(names.map((name) => [name, spec[name]])) as Pick<S, K>;
}

/** Everything every service instance reads beyond its own variables. */
export const baseServiceSpec = {
  ...processSpec({ idExample: 'user-1' }),
  ...telemetrySpec,
  ...meshSpec,
  ...databaseSpec,
  ...eventsSpec,
  ...httpSpec({ maxConcurrentRequests: 256 }),
  MESH_BREAKER_OPEN_MS: env.int({
    default: 1000,
    min: 100,
    max: 600_000,
    doc: "how long a destination's open circuit waits before a trial call (the seed's 30 s kept a recovered peer dark for half a minute; see decision 0011)",
  }),
} satisfies Spec;
