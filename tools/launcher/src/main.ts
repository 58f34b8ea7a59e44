// npm start: the launcher's entry point. Reads its own configuration, starts the data layer and
// every instance of the topology as its own process, prints the table, and stops it all in order.
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '@shop/platform';
import { launcherSpec, type LauncherConfig } from './config.ts';
import { connectionsFor, startDataLayer, type DataLayer } from './dataLayer.ts';
import { Supervisor } from './supervisor.ts';
import {
  SERVICES,
  TopologyError,
  loadTopology,
  supportInstances,
  type InstanceSpec,
  type Topology,
} from './topology.ts';
import { instanceEnv, schemeOf, type EnvContext } from './instanceEnv.ts';
import { issueMeshCertificates } from './meshCertificates.ts';
import { adminPasswordProblem, loadOrCreateAdminCredentials, loadOrCreateSigningKek } from './accountSecrets.ts';
import { restrictLogs, restrictPki } from './permissions.ts';
import { createProber } from './probe.ts';
import { launcherStatePath, writeLauncherState } from './state.ts';
import { renderTable } from './table.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
// Every instance loads much the same modules: Node's on-disk compile cache
// (shared by all of them and kept across runs) takes about 40% off each
// process's start, which is what a restarted instance costs its neighbours.
process.env.NODE_COMPILE_CACHE ??= join(repoRoot, 'node_modules', '.cache', 'node-compile');

const started = performance.now();
const say = (line: string): void => {
  process.stdout.write(`[launcher ${new Date().toISOString().slice(11, 23)}] ${line}\n`);
};

/** The order processes stop in: the balancer first, the trace collector last. */
const STOP_WAVES: Record<string, number> = {
  lb: 0,
  gateway: 1,
  'payment-sandbox': 3,
  'mail-sink': 3,
  'trace-collector': 4,
};

/** The launcher's configuration, with the rules that span variables. */
function readConfig(): LauncherConfig {
  const config = loadConfig(launcherSpec(repoRoot), process.env);
  if (config.DATABASE_REPLICA_URLS.length > 0 && !config.DATABASE_URL)
    throw new ConfigError([
      'DATABASE_REPLICA_URLS needs DATABASE_URL: they are replicas of that server (the embedded PostgreSQL has none)',
    ]);
  const refused =
    config.ADMIN_PASSWORD === undefined ? undefined : adminPasswordProblem(config.ADMIN_EMAIL, config.ADMIN_PASSWORD);
  if (refused) throw new ConfigError([refused]);
  return config;
}

/** The topology's instances and the stand-ins for whatever real one is not configured. */
function allInstances(config: LauncherConfig, topology: Topology): InstanceSpec[] {
  const wanted = {
    sandbox: !config.PAYMENT_PROVIDER_URL,
    mailSink: !config.SMTP_URL,
    collector: !config.OTEL_EXPORTER_OTLP_ENDPOINT,
  };
  return [...supportInstances(topology, repoRoot, wanted), ...topology.instances];
}

/** What the launcher is running: stopped in order, at most once. */
interface Running {
  dataLayer?: DataLayer;
  supervisor?: Supervisor;
  closeProber?: () => Promise<void>;
}

function stopper(config: LauncherConfig, running: Running, count: number): (reason: string) => Promise<void> {
  let stopping: Promise<void> | undefined;
  return (reason) => {
    stopping ??= (async () => {
      say(`${reason}: stopping ${count} processes`);
      await running.supervisor?.stop(config.SHUTDOWN_TIMEOUT_MS, (spec) => STOP_WAVES[spec.service] ?? 2);
      await running.closeProber?.();
      await running.dataLayer?.stop();
      await rm(launcherStatePath(config.SHOP_DATA_DIR), { force: true });
      say('stopped; no process left behind');
    })();
    return stopping;
  };
}

/**
 * Ctrl-C under npm arrives twice (from the terminal and forwarded by npm):
 * only a signal more than a second after the first means "stop waiting".
 */
function handleSignals(running: Running, stop: (reason: string) => Promise<void>): void {
  let firstSignalAt: number | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (firstSignalAt !== undefined) {
      if (Date.now() - firstSignalAt < 1000) return;
      say('second signal: killing everything now');
      running.supervisor?.killAll();
      void running.dataLayer?.stop().finally(() => process.exit(130));
      return;
    }
    firstSignalAt = Date.now();
    void stop(signal).then(() => process.exit(0));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** PostgreSQL (embedded or external) with a database and role per service, the event log and the registry. */
function startData(config: LauncherConfig, instances: InstanceSpec[]): Promise<DataLayer> {
  return startDataLayer({
    dataDir: config.SHOP_DATA_DIR,
    externalUrl: config.DATABASE_URL,
    replicaUrls: config.DATABASE_REPLICA_URLS,
    embeddedPort: config.EMBEDDED_PG_PORT,
    maxConnections: connectionsFor(instances, config.INSTANCE_DB_POOL_MAX),
    ...(config.EMBEDDED_PG_STAT_STATEMENTS
      ? { embeddedSettings: { shared_preload_libraries: 'pg_stat_statements' } }
      : {}),
    prefix: config.DB_PREFIX,
    // The embedded event log lives in its own database, as a broker would on its own servers.
    services: [...SERVICES, 'events', 'registry'],
    log: say,
  });
}

/** Certificates, the signing-key KEK and the bootstrap administrator: made once per data directory. */
async function prepareSecrets(config: LauncherConfig) {
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
  return { mesh, signingKekFile, admin };
}

/** What instanceEnv needs beside the instance: the same for every instance of this run. */
function envContext(
  config: LauncherConfig,
  parts: { instances: InstanceSpec[]; dataLayer: DataLayer; secrets: Awaited<ReturnType<typeof prepareSecrets>> },
): EnvContext {
  const { instances, dataLayer, secrets } = parts;
  const collector = instances.find((i) => i.service === 'trace-collector');
  return {
    all: instances,
    databases: dataLayer.databases,
    replicaUrlsOf: (service) => dataLayer.replicaUrlsOf(service),
    paymentProviderUrl: config.PAYMENT_PROVIDER_URL,
    smtpUrl: config.SMTP_URL,
    poolMax: config.INSTANCE_DB_POOL_MAX,
    logLevel: config.LOG_LEVEL,
    shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS,
    admin: { email: secrets.admin.email, password: secrets.admin.password },
    signingKekFile: secrets.signingKekFile,
    mesh: secrets.mesh,
    otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT ?? (collector ? `http://127.0.0.1:${collector.port}` : undefined),
    engines: {
      REDIS_URL: config.REDIS_URL,
      NATS_URL: config.NATS_URL,
      EVENTS_NAMESPACE: config.DB_PREFIX.replaceAll('_', ''),
    },
  };
}

/** .data/launcher.json: what runs where (each instance with its port, ops port and pid), for tools and tests. */
function stateWriter(config: LauncherConfig, topology: Topology, running: Running): () => Promise<void> {
  return () =>
    writeLauncherState(config.SHOP_DATA_DIR, {
      pid: process.pid,
      topology: topology.name,
      postgres: { kind: running.dataLayer?.kind, pid: running.dataLayer?.pid, port: running.dataLayer?.port },
      instances: running.supervisor?.status() ?? [],
    });
}

function announceReady(
  instances: InstanceSpec[],
  parts: { supervisor: Supervisor; dataLayer: DataLayer; mtls: boolean; logDir: string },
): void {
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const schemes = new Map(instances.map((i) => [i.id, schemeOf(i, parts.mtls)]));
  const urlOf = (i: { id: string; port: number }): string => `${schemes.get(i.id) ?? 'http'}://127.0.0.1:${i.port}`;
  process.stdout.write(`\n${renderTable(parts.supervisor.status(), parts.dataLayer, urlOf)}\n`);
  say(`all ${instances.length} processes ready in ${seconds} s; logs in ${parts.logDir}; Ctrl-C stops everything`);
  const lbs = instances.filter((i) => i.service === 'lb');
  if (lbs.length > 0) say(`the shop: ${lbs.map((i) => `http://127.0.0.1:${i.port}`).join(', ')}`);
  const collector = instances.find((i) => i.service === 'trace-collector');
  if (collector) say(`traces: http://127.0.0.1:${collector.port}/traces (waterfall: /traces/<trace id>/view)`);
}

async function start(
  config: LauncherConfig,
  topology: Topology,
  instances: InstanceSpec[],
  running: Running,
): Promise<void> {
  const logDir = join(config.SHOP_DATA_DIR, 'logs');
  const dataLayer = await startData(config, instances);
  running.dataLayer = dataLayer;
  const secrets = await prepareSecrets(config);
  const prober = await createProber(secrets.mesh?.get('launcher'));
  running.closeProber = () => prober.close();
  say(
    `PostgreSQL ready at ${dataLayer.describe}; databases ${[...dataLayer.databases.values()].map((d) => d.database).join(', ')}`,
  );
  const writeState = stateWriter(config, topology, running);
  const context = envContext(config, { instances, dataLayer, secrets });
  const supervisor = new Supervisor({
    logDir,
    probe: (instance) => prober.probe(instance),
    logToStdout: config.SHOP_LOG_STDOUT,
    log: (line) => {
      say(line);
      void writeState().catch(() => undefined);
    },
    env: (instance) => instanceEnv(instance, context),
  });
  running.supervisor = supervisor;
  supervisor.start(instances);
  await supervisor.waitUntilReady(config.READY_TIMEOUT_MS);
  await writeState();
  announceReady(instances, { supervisor, dataLayer, mtls: secrets.mesh !== undefined, logDir });
}

async function main(): Promise<void> {
  const config = readConfig();
  const topology = await loadTopology(config.TOPOLOGY, repoRoot);
  const instances = allInstances(config, topology);
  const logDir = join(config.SHOP_DATA_DIR, 'logs');
  await mkdir(logDir, { recursive: true, mode: 0o700 });
  await restrictLogs(logDir);
  const database = config.DATABASE_URL
    ? `external PostgreSQL${config.DATABASE_REPLICA_URLS.length > 0 ? ` with ${config.DATABASE_REPLICA_URLS.length} replica(s)` : ''}`
    : 'embedded PostgreSQL';
  say(`Node ${process.version}; topology "${topology.name}": ${instances.length} processes; ${database}`);
  const running: Running = {};
  const stop = stopper(config, running, instances.length);
  handleSignals(running, stop);
  try {
    await start(config, topology, instances, running);
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
