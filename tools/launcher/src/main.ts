import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, env, loadConfig } from '@shop/platform';
import { startDataLayer, type DataLayer } from './dataLayer.ts';
import { Supervisor } from './supervisor.ts';
import { SERVICES, TopologyError, loadTopology, supportInstances, type Topology } from './topology.ts';
import { instanceEnv, schemeOf } from './instanceEnv.ts';
import { issueMeshCertificates } from './meshCertificates.ts';
import { adminPasswordProblem, loadOrCreateAdminCredentials, loadOrCreateSigningKek } from './accountSecrets.ts';
import { restrictLogs, restrictPki } from './permissions.ts';
import { createProber } from './probe.ts';
import { renderTable } from './table.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
// Every instance loads much the same modules: Node's on-disk compile cache
// (shared by all of them and kept across runs) takes about 40% off each
// process's start, which is what a restarted instance costs its neighbours.
process.env.NODE_COMPILE_CACHE ??= join(repoRoot, 'node_modules', '.cache', 'node-compile');

const spec = {
  TOPOLOGY: env.string({ default: 'laptop', description: 'a topology name under topology/ or a path to a .json file' }),
  DATABASE_URL: env.optionalUrl({ protocols: ['postgres:', 'postgresql:'] }),
  /** Admin URLs of streaming replicas of DATABASE_URL's server; each service gets its own role and database on them. */
  DATABASE_REPLICA_URLS: env.urlList({ protocols: ['postgres:', 'postgresql:'] }),
  SHOP_DATA_DIR: env.string({ default: join(repoRoot, '.data') }),
  EMBEDDED_PG_PORT: env.port({ default: 5433 }),
  /** Load pg_stat_statements into the embedded server (the bench's --statements counts each service's statements with it). */
  EMBEDDED_PG_STAT_STATEMENTS: env.bool({ default: false }),
  DB_PREFIX: env.string({
    default: 'shop',
    pattern: /^[a-z][a-z0-9_]{0,20}$/,
    description: 'lowercase letters, digits and _',
  }),
  INSTANCE_DB_POOL_MAX: env.int({ default: 10, min: 1, max: 100 }),
  LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { default: 'info' }),
  SHOP_LOG_STDOUT: env.bool({ default: false }),
  READY_TIMEOUT_MS: env.int({ default: 30_000, min: 1000, max: 600_000 }),
  PAYMENT_PROVIDER_URL: env.optionalUrl({ protocols: ['http:', 'https:'] }),
  SMTP_URL: env.optionalUrl({ protocols: ['smtp:', 'smtps:'] }),
  SHOP_MTLS: env.bool({ default: true }),
  OTEL_EXPORTER_OTLP_ENDPOINT: env.optionalUrl({ protocols: ['http:', 'https:'] }),
  REDIS_URL: env.optionalUrl({ protocols: ['redis:', 'rediss:'] }),
  NATS_URL: env.optionalUrl({ protocols: ['nats:', 'tls:'] }),
  /** The bootstrap administrator, made by the user service at start while no administrator exists (README, "Administrators"). */
  ADMIN_EMAIL: env.string({
    default: 'admin@shop.local',
    pattern: /^[^\s@]+@[^\s@]+\.[^\s@]+$/,
    description: 'an email address',
  }),
  /** Its initial password; unset: made at random once per data directory, kept in <data dir>/admin-credentials.json (0600). */
  ADMIN_PASSWORD: env.optionalString(),
  SHUTDOWN_TIMEOUT_MS: env.int({ default: 10_000, min: 100, max: 120_000 }),
};

const started = performance.now();
const say = (line: string): void => {
  process.stdout.write(`[launcher ${new Date().toISOString().slice(11, 23)}] ${line}\n`);
};

async function main(): Promise<void> {
  const config = loadConfig(spec, process.env);
  if (config.DATABASE_REPLICA_URLS.length > 0 && !config.DATABASE_URL)
    throw new ConfigError([
      'DATABASE_REPLICA_URLS needs DATABASE_URL: they are replicas of that server (the embedded PostgreSQL has none)',
    ]);
  const adminPasswordRefused =
    config.ADMIN_PASSWORD === undefined ? undefined : adminPasswordProblem(config.ADMIN_EMAIL, config.ADMIN_PASSWORD);
  if (adminPasswordRefused) throw new ConfigError([adminPasswordRefused]);
  const topology: Topology = await loadTopology(config.TOPOLOGY, repoRoot);
  const instances = [
    ...supportInstances(topology, repoRoot, {
      sandbox: !config.PAYMENT_PROVIDER_URL,
      mailSink: !config.SMTP_URL,
      collector: !config.OTEL_EXPORTER_OTLP_ENDPOINT,
    }),
    ...topology.instances,
  ];
  const collector = instances.find((i) => i.service === 'trace-collector');
  const otlpEndpoint =
    config.OTEL_EXPORTER_OTLP_ENDPOINT ?? (collector ? `http://127.0.0.1:${collector.port}` : undefined);
  const logDir = join(config.SHOP_DATA_DIR, 'logs');
  await mkdir(logDir, { recursive: true, mode: 0o700 });
  await restrictLogs(logDir);
  say(
    `Node ${process.version}; topology "${topology.name}": ${instances.length} processes; ${config.DATABASE_URL ? `external PostgreSQL${config.DATABASE_REPLICA_URLS.length > 0 ? ` with ${config.DATABASE_REPLICA_URLS.length} replica(s)` : ''}` : 'embedded PostgreSQL'}`,
  );

  let dataLayer: DataLayer | undefined;
  let supervisor: Supervisor | undefined;
  let stopping: Promise<void> | undefined;
  let closeProber: (() => Promise<void>) | undefined;
  const stateFile = join(config.SHOP_DATA_DIR, 'launcher.json');

  const stop = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      say(`${reason}: stopping ${instances.length} processes`);
      const waves: Record<string, number> = {
        lb: 0,
        gateway: 1,
        'payment-sandbox': 3,
        'mail-sink': 3,
        'trace-collector': 4,
      };
      await supervisor?.stop(config.SHUTDOWN_TIMEOUT_MS, (spec) => waves[spec.service] ?? 2);
      await closeProber?.();
      await dataLayer?.stop();
      await rm(stateFile, { force: true });
      say('stopped; no process left behind');
    })();
    return stopping;
  };
  // Ctrl-C under npm arrives twice (from the terminal and forwarded by npm):
  // only a signal more than a second after the first means "stop waiting".
  let firstSignalAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (firstSignalAt !== undefined) {
      if (Date.now() - firstSignalAt < 1000) return;
      say('second signal: killing everything now');
      supervisor?.killAll();
      void dataLayer?.stop().finally(() => process.exit(130));
      return;
    }
    firstSignalAt = Date.now();
    void stop(signal).then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    dataLayer = await startDataLayer({
      dataDir: config.SHOP_DATA_DIR,
      externalUrl: config.DATABASE_URL,
      replicaUrls: config.DATABASE_REPLICA_URLS,
      embeddedPort: config.EMBEDDED_PG_PORT,
      ...(config.EMBEDDED_PG_STAT_STATEMENTS
        ? { embeddedSettings: { shared_preload_libraries: 'pg_stat_statements' } }
        : {}),
      prefix: config.DB_PREFIX,
      // The embedded event log lives in its own database, as a broker would on its own servers.
      services: [...SERVICES, 'events', 'registry'],
      log: say,
    });
    const databases = dataLayer.databases;
    const pki = join(config.SHOP_DATA_DIR, 'pki');
    const mesh = config.SHOP_MTLS ? await issueMeshCertificates(pki, [...SERVICES, 'gateway', 'launcher']) : undefined;
    if (mesh) say(`mesh: mTLS between services, certificates from the local CA in ${pki}`);
    const signingKekFile = await loadOrCreateSigningKek(join(pki, 'signing-kek'));
    await restrictPki(pki);
    const admin = await loadOrCreateAdminCredentials(
      join(config.SHOP_DATA_DIR, 'admin-credentials.json'),
      config.ADMIN_EMAIL,
      config.ADMIN_PASSWORD,
    );
    // Where the password is, never the password: this output often ends up in a file.
    say(
      `administrator: ${admin.email}, initial password in ${admin.source} (used only if no administrator exists yet); npm run admin -- promote|demote <email> changes roles`,
    );
    const prober = await createProber(mesh?.get('launcher'));
    closeProber = () => prober.close();
    say(
      `PostgreSQL ready at ${dataLayer.describe}; databases ${[...databases.values()].map((d) => d.database).join(', ')}`,
    );

    const writeState = (): Promise<void> =>
      writeFile(
        stateFile,
        `${JSON.stringify({ pid: process.pid, topology: topology.name, postgres: { kind: dataLayer?.kind, pid: dataLayer?.pid, port: dataLayer?.port }, instances: supervisor?.status() ?? [] }, null, 2)}\n`,
      );

    supervisor = new Supervisor({
      logDir,
      probe: (instance) => prober.probe(instance),
      logToStdout: config.SHOP_LOG_STDOUT,
      log: (line) => {
        say(line);
        void writeState().catch(() => undefined);
      },
      env: (instance) =>
        instanceEnv(instance, {
          all: instances,
          databases,
          replicaUrlsOf: (service) => dataLayer?.replicaUrlsOf(service) ?? [],
          paymentProviderUrl: config.PAYMENT_PROVIDER_URL,
          smtpUrl: config.SMTP_URL,
          poolMax: config.INSTANCE_DB_POOL_MAX,
          logLevel: config.LOG_LEVEL,
          shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
          admin: { email: admin.email, password: admin.password },
          signingKekFile,
          mesh,
          otlpEndpoint,
          engines: {
            REDIS_URL: config.REDIS_URL,
            NATS_URL: config.NATS_URL,
            EVENTS_NAMESPACE: config.DB_PREFIX.replaceAll('_', ''),
          },
        }),
    });
    supervisor.start(instances);
    await supervisor.waitUntilReady(config.READY_TIMEOUT_MS);
    await writeState();
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const schemes = new Map(instances.map((i) => [i.id, schemeOf(i, mesh !== undefined)]));
    process.stdout.write(
      `\n${renderTable(supervisor.status(), dataLayer, (i) => `${schemes.get(i.id) ?? 'http'}://127.0.0.1:${i.port}`)}\n`,
    );
    say(`all ${instances.length} processes ready in ${seconds} s; logs in ${logDir}; Ctrl-C stops everything`);
    const lbs = instances.filter((i) => i.service === 'lb');
    if (lbs.length > 0) say(`the shop: ${lbs.map((i) => `http://127.0.0.1:${i.port}`).join(', ')}`);
    if (collector) say(`traces: http://127.0.0.1:${collector.port}/traces (waterfall: /traces/<trace id>/view)`);
  } catch (error) {
    say(`start failed: ${error instanceof Error ? error.message : String(error)}`);
    await stop('start failed');
    process.exit(1);
  }
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof TopologyError) {
    process.stderr.write(`launcher: ${error.message}\n`);
    process.exit(78);
  }
  process.stderr.write(`launcher: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
