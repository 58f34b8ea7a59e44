// The launcher's own variables (npm start). What it passes on to the processes it runs is each
// process kind's spec in the platform's registry; these are only what it reads for itself.
import { join } from 'node:path';
import { env, pick, processSpec, redisSpec, type ConfigOf, type Spec } from '@shop/platform';

const POSTGRES = ['postgres:', 'postgresql:'];

/** Everything the launcher reads but where things are. */
const launcherSettings = {
  EMBEDDED_PG_PORT: env.port({ default: 5433, doc: 'port of the embedded PostgreSQL' }),
  EMBEDDED_PG_STAT_STATEMENTS: env.bool({
    default: false,
    doc: 'load pg_stat_statements into the embedded PostgreSQL (npm run bench -- --statements counts with it)',
  }),
  DB_PREFIX: env.string({
    default: 'shop',
    pattern: /^[a-z][a-z0-9_]{0,20}$/,
    description: 'lowercase letters, digits and _',
    doc: 'prefix of database and role names, and the namespace of the event streams',
  }),
  INSTANCE_DB_POOL_MAX: env.int({
    default: 10,
    min: 1,
    max: 100,
    doc: "each instance's DB_POOL_MAX (an external server needs max_connections above instances x (pool + 5))",
  }),
  ...pick(processSpec({ idExample: 'launcher' }), ['LOG_LEVEL', 'SHUTDOWN_TIMEOUT_MS']),
  SHOP_LOG_STDOUT: env.bool({ default: false, doc: 'mirror instance logs to the terminal' }),
  READY_TIMEOUT_MS: env.int({
    default: 30_000,
    min: 1000,
    max: 600_000,
    doc: 'how long every process has to become ready',
  }),
  PAYMENT_PROVIDER_URL: env.optionalUrl({
    protocols: ['http:', 'https:'],
    doc: 'a real payment provider; unset: the sandbox at portBase + 90',
  }),
  SMTP_URL: env.optionalUrl({
    protocols: ['smtp:', 'smtps:'],
    doc: 'a real SMTP server; unset: the mail sink (SMTP at portBase + 91, mailbox at portBase + 92)',
  }),
  SHOP_MTLS: env.bool({ default: true, doc: 'mTLS between services, certificates from <data dir>/pki' }),
  OTEL_EXPORTER_OTLP_ENDPOINT: env.optionalUrl({
    protocols: ['http:', 'https:'],
    doc: 'an OTLP/HTTP collector every process exports to; unset: the built-in one at portBase + 93',
  }),
  ...redisSpec,
  NATS_URL: env.optionalUrl({
    protocols: ['nats:', 'tls:'],
    doc: 'the event bus on NATS JetStream; unset: the PostgreSQL event log',
  }),
  ADMIN_EMAIL: env.string({
    default: 'admin@shop.local',
    pattern: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
    description: 'an email address',
    doc: 'the bootstrap administrator, made by the user service at start while no administrator exists',
  }),
  ADMIN_PASSWORD: env.optionalString({
    doc: 'its initial password; unset: made at random once per data directory, kept in <data dir>/admin-credentials.json (0600)',
  }),
} satisfies Spec;

/** The launcher's spec; `repoRoot` places the default data directory. */
export function launcherSpec(repoRoot: string) {
  return {
    TOPOLOGY: env.string({
      default: 'laptop',
      description: 'a topology name under topology/ or a path to a .json file',
      doc: 'what runs where',
    }),
    DATABASE_URL: env.optionalUrl({
      protocols: POSTGRES,
      doc: 'admin URL of an existing PostgreSQL (databases and roles are made on it); unset: the embedded one',
    }),
    DATABASE_REPLICA_URLS: env.urlList({
      protocols: POSTGRES,
      doc: "admin URLs of streaming replicas of DATABASE_URL's server; each service reads its own database there",
    }),
    SHOP_DATA_DIR: env.string({
      default: join(repoRoot, '.data'),
      doc: 'PostgreSQL data, pki/, logs/, launcher.json (what runs where)',
    }),
    ...launcherSettings,
  };
}

export type LauncherConfig = ConfigOf<ReturnType<typeof launcherSpec>>;
