// npm run bench: every scenario side by side in one run, each with warm-up, a
// fixed duration and connection count, and ratios to bare node:http measured
// in the same run; then the real platform (product reads direct, through the
// gateway, through lb + gateway; checkout at a steady rate; event lag; one
// instance killed under load). Results: bench/results/<date>.json and .md,
// and the block in docs/performance.md.
import { cpus, loadavg, totalmem } from 'node:os';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { flagsOrExit } from '@shop/load';
import { runCheckout } from './checkout.ts';
import { countStatements } from './statements.ts';
import { runEventLag } from './eventRows.ts';
import { runFailover } from './failover.ts';
import { measure } from './measure.ts';
import { runMicro } from './micro.ts';
import { repoRoot, startPlatform, type Platform } from './platform.ts';
import { freePort, serversDir, startProcess, type Started } from './processes.ts';
import { startInspectorProfile } from './inspect.ts';
import { summarise, summariseDir, type CpuProfile } from './profile.ts';
import { latestOverload, runOverload } from './overload.ts';
import { runColdStart } from './coldStart.ts';
import { runCpuTakenAway } from './cpuTakenAway.ts';
import type { Crowd } from './arrivals.ts';
import type { BenchResult, ScenarioResult } from './benchResult.ts';
import { resultsDir, stampOf, writeResults } from './results.ts';
import { scenarios, type Running } from './scenarios.ts';
import { shopReads } from './shopReads.ts';

const values = flagsOrExit(
  'npm run bench --',
  'Every scenario side by side in one run, as ratios to bare node:http measured in the same run; results in bench/results/ and docs/performance.md.',
  {
    duration: { type: 'string', default: '5', numeric: true, help: 'seconds each saturated scenario is measured' },
    warmup: { type: 'string', default: '1', numeric: true, help: 'seconds of warm-up before each' },
    connections: { type: 'string', default: '50', numeric: true, help: 'connections of the saturating client' },
    single: {
      type: 'string',
      default: '2000',
      numeric: true,
      help: 'sequential requests for the one-in-flight latency',
    },
    only: {
      type: 'string',
      help: 'comma-separated scenario keys and parts (shop, checkout, failover, events, micro); bare always runs',
    },
    'checkout-rate': { type: 'string', default: '200', numeric: true, help: 'checkouts per second' },
    'checkout-duration': { type: 'string', default: '10', numeric: true, help: 'seconds of checkouts' },
    shoppers: { type: 'string', default: '150', numeric: true, help: 'shoppers prepared for the checkout' },
    'failover-rate': { type: 'string', default: '100', numeric: true, help: 'requests per second during the failover' },
    'failover-duration': { type: 'string', default: '12', numeric: true, help: 'seconds of the failover run' },
    'failover-kill-at': { type: 'string', default: '4', numeric: true, help: 'second at which an instance is killed' },
    'events-rate': { type: 'string', default: '1000', numeric: true, help: 'events per second for the event lag' },
    'events-duration': { type: 'string', default: '5', numeric: true, help: 'seconds of events' },
    overload: {
      type: 'boolean',
      default: false,
      help: 'also run the overload scenarios against the bench platform: CPU taken away, the steps to 3x saturation, and a cold start (about five minutes more)',
    },
    'overload-rate': {
      type: 'string',
      numeric: true,
      help: 'offer this rate in CPU taken away and cold start instead of searching for the highest the quiet platform serves with p99 under 250 ms',
    },
    'overload-seconds': {
      type: 'string',
      default: '20',
      numeric: true,
      help: 'seconds of the quiet phase, of each busy phase (the phase after is 1.5 times as long) and of the cold start',
    },
    'cpu-prof': {
      type: 'boolean',
      default: false,
      help: 'CPU-profile the two-hop fronts into the report (slows them: not for headline numbers)',
    },
    'no-docs': { type: 'boolean', default: false, help: 'leave the block in docs/performance.md alone' },
    statements: {
      type: 'boolean',
      default: false,
      help: "count the statements each service runs per checkout (pg_stat_statements in the bench platform's PostgreSQL)",
    },
    'profile-instance': {
      type: 'string',
      help: 'CPU-profile this platform instance (e.g. gateway-1, product-1, lb) through its inspector during the product read rows, summaries into the report (slows it: not for headline numbers)',
    },
  },
);
const settings = {
  durationSec: Number(values.duration),
  warmupSec: Number(values.warmup),
  connections: Number(values.connections),
  singleRequests: Number(values.single),
};
const only = values.only?.split(',');
const wants = (key: string): boolean => !only || only.includes(key);
const say = (line: string): void => void process.stdout.write(`bench: ${line}\n`);

const bench: BenchResult = {
  date: new Date().toISOString(),
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage: Math.round(loadavg()[0]! * 100) / 100,
  },
  settings,
  scenarios: [],
};
/** The shoppers and rate of the CPU-taken-away run, for the cold start after the platform stops. */
let overloadCrowd: { crowd: Crowd; rate: number } | undefined;
const stamp = stampOf(bench);
const profileRoot = join(resultsDir, 'profiles', stamp);

/** One row to measure: how to start it, and optionally a platform instance to CPU-profile through its inspector meanwhile. */
interface RowToMeasure {
  key: string;
  name: string;
  group: ScenarioResult['group'];
  start: () => Promise<Running>;
  profiled?: { instance: string; pid: number };
}

/** Measures one row into the run (a failure is recorded as the row's result), printing its headline figures. */
async function measureScenario(row: RowToMeasure): Promise<void> {
  const { key, name, group } = row;
  process.stdout.write(`bench: ${name} ... `);
  let running: Running | undefined;
  try {
    running = await row.start();
    let window = { from: 0, to: 0 };
    const profiler = row.profiled ? await startInspectorProfile(row.profiled.pid) : undefined;
    const result = await measure({
      target: running.target,
      processes: running.processes,
      elu: running.elu,
      onWindow: (from, to) => (window = { from, to }),
      ...settings,
    });
    if (profiler && row.profiled) await keepInstanceProfile(key, row.profiled.instance, await profiler.stop(), window);
    bench.scenarios.push({ key, name, group, result });
    process.stdout.write(
      `${result.requestsPerSec} req/s, p99 ${result.latencyMs.p99} ms, single p50 ${result.singleMs.p50} ms, ${result.cpuMicrosPerRequest} us CPU/req ${JSON.stringify(result.cpuMicrosByRole)}${result.elu ? ` elu ${JSON.stringify(result.elu)} starved ${JSON.stringify(result.starvedByRole)}` : ''}\n`,
    );
    await running.stop();
    running = undefined;
    // The saturated run only: not start-up, warm-up or the one-in-flight phase.
    if (values['cpu-prof'] && key.startsWith('chain'))
      (bench.profiles ??= {})[key] = await summariseDir(join(profileRoot, key), profileWindow(window));
  } catch (error) {
    const message = errorMessage(error);
    bench.scenarios.push({ key, name, group, result: { error: message } });
    process.stdout.write(`failed: ${message.split('\n')[0]}\n`);
  } finally {
    await running?.stop();
  }
}

type Window = { from: number; to: number };

function profileWindow(window: Window): { fromUs: number; toUs: number; inclusive: Record<string, RegExp> } {
  return { fromUs: window.from, toUs: window.to, inclusive: PROFILE_FOCUS };
}

/** Writes an instance's inspector profile under the run's profiles and keeps its summary for the report. */
async function keepInstanceProfile(key: string, instance: string, profile: CpuProfile, window: Window): Promise<void> {
  const file = join(profileRoot, key, `${instance}.cpuprofile`);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(profile));
  (bench.profiles ??= {})[key] = [summarise(file, profile, profileWindow(window))];
}

/** Inclusive shares worth reading in a front's profile. */
const PROFILE_FOCUS: Record<string, RegExp> = {
  'mesh client (packages/mesh: call, attempt, policies)':
    /mesh\/src\/(meshClient|call|attempt|attemptWait|policies|ejection|tracing|transport)\.ts/,
  'cockatiel policies': /cockatiel/,
  'undici (client side)': /node_modules\/undici\//,
  'OpenTelemetry (spans, context)': /@opentelemetry/,
  'platform kit hooks (createServiceApp.ts, plugins/)': /platform\/src\/(createServiceApp\.ts|plugins\/)/,
  'prom-client (metrics)': /prom-client/,
  'pg (client)': /node_modules\/pg/,
  Fastify: /node_modules\/fastify\//,
  'TLS (node:tls, _tls_wrap)': /node:(_tls|tls)/,
};

// 1. Baselines, the two-hop chains and the one-change-at-a-time diagnostics.
for (const scenario of scenarios.filter((s) => s.key === 'bare' || wants(s.key))) {
  await measureScenario({
    key: scenario.key,
    name: scenario.name,
    group: scenario.diagnostic ? 'diagnostic' : 'baseline',
    start: () => scenario.start({ profileDir: values['cpu-prof'] ? (key) => join(profileRoot, key) : undefined }),
  });
}

// The mesh client's own code per call, without sockets (robust where the socket rows are noisy).
if (wants('micro')) {
  say('mesh client code per call, no sockets ...');
  bench.micro = await runMicro({ seconds: 2, repeats: 2 });
  say(bench.micro.map((m) => `${m.case} ${m.cpuMicrosPerCall} us`).join(', '));
}

// 2. The real platform: reads, checkout, event lag on its PostgreSQL; then another with two product instances for the failover.
const dataRoot = join(repoRoot, '.data', 'bench');
const platformParts = [
  'shop',
  'product-direct',
  'product-gateway',
  'product-lb',
  'checkout',
  'events',
  'failover',
  'overload',
];
if (platformParts.some(wants)) {
  await rm(dataRoot, { recursive: true, force: true });
  const sinkPort = await freePort();
  let sink: Started | undefined;
  try {
    sink = await startProcess(join(serversDir, 'otlpSink.ts'), [String(sinkPort)]);
    const platformEnv = {
      // The built-in collector does not run: spans are made and exported by every process as usual, to a sink that discards them.
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${sinkPort}`,
      // Limits far above the offered load: the bench measures the path, not the limiter.
      RATE_LIMIT_USER_PER_SEC: '1000000',
      RATE_LIMIT_ANON_PER_SEC: '1000000',
      RATE_LIMIT_INVALID_TOKEN_PER_SEC: '1000000',
      // Every virtual user comes from 127.0.0.1: the per-address caps of the balancer and of sign-ups would measure themselves.
      CLIENT_MAX_CONNECTIONS: '100000',
      CLIENT_MAX_CONCURRENT_REQUESTS: '100000',
      SIGNUP_MAX_PER_ADDRESS: '1000000',
      SIGNUP_MAX_PER_SEC: '1000000',
      // The cold start reuses the CPU-taken-away shoppers' tokens minutes after they were issued.
      ACCESS_TOKEN_TTL_SEC: '3600',
      ...(values.statements ? { EMBEDDED_PG_STAT_STATEMENTS: 'true' } : {}),
    };
    bench.platform = {
      topology:
        '1 user, 1 product, 1 order, 1 payment, 1 notification, 1 gateway behind the lb; embedded PostgreSQL; mTLS',
      collector:
        'not run: OTEL_EXPORTER_OTLP_ENDPOINT points at a sink that discards spans, so every process still makes and exports its spans but the collector does not compete for the cores; rate limits set to 1,000,000/s, per-address caps of the balancer and of sign-ups lifted (every virtual user is 127.0.0.1)',
    };
    if (['shop', 'product-direct', 'product-gateway', 'product-lb', 'checkout', 'events', 'overload'].some(wants)) {
      say('starting the platform (1 product instance) ...');
      const start = () => startPlatform({ dataDir: join(dataRoot, 'reads'), products: 1, env: platformEnv });
      const platform = await start();
      try {
        await onPlatform(platform);
      } finally {
        await platform.stop();
      }
      if (overloadCrowd) await measureColdStart(start, overloadCrowd);
    }
    if (wants('failover')) {
      say('starting the platform (2 product instances) for the failover ...');
      try {
        const platform = await startPlatform({ dataDir: join(dataRoot, 'failover'), products: 2, env: platformEnv });
        try {
          bench.failover = await runFailover({
            platform,
            rate: Number(values['failover-rate']),
            durationSec: Number(values['failover-duration']),
            killAtSec: Number(values['failover-kill-at']),
            log: say,
          });
          say(
            `failover: ${bench.failover.failed} failed of ${bench.failover.requests}; last attempt on the dead instance at +${bench.failover.lastAttemptOnDeadMs ?? '-'} ms; replacement up at +${bench.failover.replacementUpMs ?? '-'} ms`,
          );
        } finally {
          await platform.stop();
        }
      } catch (error) {
        bench.failover = { error: errorMessage(error) };
        say(`failover failed: ${errorMessage(error).split('\n')[0]}`);
      }
    }
  } catch (error) {
    bench.platformError = errorMessage(error);
    say(`platform failed: ${errorMessage(error).split('\n')[0]}`);
  } finally {
    await sink?.stop();
  }
}

/** The rows and parts that run on the one-product platform. */
async function onPlatform(platform: Platform): Promise<void> {
  await measureShopReads(platform);
  if (wants('shop') || wants('checkout')) await measureCheckout(platform);
  if (values.overload && (wants('shop') || wants('overload'))) {
    const quietP99Ms = await measureCpuTakenAway(platform);
    say('overload: npm run load -- --overload against the bench platform ...');
    bench.overload = await runOverload(platform.lbUrl, stamp, quietP99Ms);
  }
  if (wants('shop') || wants('events')) {
    bench.events = await runEventLag({
      adminUrl: platform.adminUrl,
      natsUrl: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
      rate: Number(values['events-rate']),
      durationSec: Number(values['events-duration']),
      log: say,
    });
  }
}

/** Product reads direct, through the gateway and through lb + gateway; one instance profiled with --profile-instance. */
async function measureShopReads(platform: Platform): Promise<void> {
  for (const read of await shopReads(platform)) {
    if (!(wants('shop') || wants(read.key))) continue;
    const instance = values['profile-instance'];
    const pid = instance ? (await platform.state()).instances.find((i) => i.id === instance)?.pid : undefined;
    if (instance && pid === undefined)
      say(
        `no running instance ${instance} to profile; the bench platform has ${(await platform.state()).instances.map((i) => i.id).join(', ')}`,
      );
    await measureScenario({
      key: read.key,
      name: read.name,
      group: 'shop',
      start: () => Promise.resolve(read.running),
      profiled: instance && pid !== undefined ? { instance, pid } : undefined,
    });
  }
}

/** Checkout at a steady rate through the lb; with --statements, what each service's database ran per checkout. */
async function measureCheckout(platform: Platform): Promise<void> {
  say(
    `checkout at ${values['checkout-rate']}/s for ${values['checkout-duration']} s (preparing ${values.shoppers} shoppers first) ...`,
  );
  const counter = values.statements ? await countStatements(platform.adminUrl) : undefined;
  try {
    bench.checkout = await runCheckout({
      baseUrl: platform.lbUrl,
      processes: platform.processes,
      rate: Number(values['checkout-rate']),
      warmupSec: 2,
      durationSec: Number(values['checkout-duration']),
      shoppers: Number(values.shoppers),
      log: say,
      beforeLoad: () => counter?.reset() ?? Promise.resolve(),
    });
    if (counter) {
      bench.statements = await counter.read(bench.checkout.sent);
      say(
        `statements per checkout: ${bench.statements.total} (${Object.entries(bench.statements.perCheckout)
          .map(([s, n]) => `${s} ${n}`)
          .join(', ')})`,
      );
    }
    say(
      `checkout: p50 ${bench.checkout.checkoutMs.p50} ms, p99 ${bench.checkout.checkoutMs.p99} ms; ${JSON.stringify(bench.checkout.outcomes)}`,
    );
  } catch (error) {
    bench.checkout = { error: errorMessage(error) };
    say(`checkout failed: ${errorMessage(error).split('\n')[0]}`);
  } finally {
    await counter?.close();
  }
}

/** CPU taken away on the running platform; resolves to its quiet p99 (what the 3x step is held to), if it ran. */
async function measureCpuTakenAway(platform: Platform): Promise<number | undefined> {
  try {
    const { result, crowd } = await runCpuTakenAway({
      lbUrl: platform.lbUrl,
      rate: values['overload-rate'] === undefined ? undefined : Number(values['overload-rate']),
      phaseSec: Number(values['overload-seconds']),
      shoppers: 50,
      log: say,
    });
    bench.cpuTakenAway = result;
    overloadCrowd = { crowd, rate: result.rate };
    say(
      `CPU taken away: ${result.rate}/s, quiet p99 ${result.quietP99Ms} ms; failed ${JSON.stringify(result.failures)}; checkouts ${JSON.stringify(result.checkouts)}`,
    );
    return result.quietP99Ms;
  } catch (error) {
    bench.cpuTakenAway = { error: errorMessage(error) };
    say(`CPU taken away failed: ${errorMessage(error).split('\n')[0]}`);
    return undefined;
  }
}

/** The platform started again on the same data, offered the CPU-taken-away rate from its first ready second. */
async function measureColdStart(start: () => Promise<Platform>, from: { crowd: Crowd; rate: number }): Promise<void> {
  say('cold start: starting the platform again ...');
  try {
    bench.coldStart = await runColdStart({
      start,
      crowd: from.crowd,
      rate: from.rate,
      seconds: Number(values['overload-seconds']),
      log: say,
    });
    say(`cold start: failed ${JSON.stringify(bench.coldStart.failures)}`);
  } catch (error) {
    bench.coldStart = { error: errorMessage(error) };
    say(`cold start failed: ${errorMessage(error).split('\n')[0]}`);
  }
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

if (!bench.overload) bench.overload = await latestOverload();

const markdown = await writeResults(bench, { docs: !values['no-docs'] });
process.stdout.write(`\n${markdown}\n\nwritten to bench/results/${stamp}.{json,md}\n`);
process.exit(0);
