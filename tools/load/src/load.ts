// npm run load: open-loop load against the running platform. Requests start
// on a fixed schedule (evenly spaced at the offered rate), whether or not
// earlier ones have answered, so a slow server shows up as latency instead of
// quietly slowing the generator down. Bounded in time and in-flight count.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flagsOrExit } from './cli.ts';
import { PROFILES, ShopMix, prepareShoppers } from './mix.ts';
import { openLoop } from './openLoop.ts';
import { ShopClient } from './shop.ts';
import { percentile, Stats } from './stats.ts';
import { overloadSection, overloadVerdict, renderReport, type OverloadStep } from './report.ts';
import { seeded } from './zipf.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const values = flagsOrExit(
  'npm run load --',
  'Open-loop load against the running platform (start it with npm start), with an HTML report in bench/load/.',
  {
    target: { type: 'string', default: 'http://127.0.0.1:8080', help: "the shop's public URL (the load balancer)" },
    rate: { type: 'string', default: '200', numeric: true, help: 'offered requests per second, evenly spaced' },
    duration: { type: 'string', default: '30', numeric: true, help: 'seconds of load after the ramp starts' },
    ramp: { type: 'string', default: '5', numeric: true, help: 'seconds to ramp up to the rate' },
    users: { type: 'string', default: '50', numeric: true, help: 'shoppers to sign up and log in first' },
    profile: { type: 'string', default: 'black-friday', oneOf: Object.keys(PROFILES), help: 'the traffic mix' },
    seed: { type: 'string', default: '1', numeric: true, help: 'random seed (the same seed, the same requests)' },
    sources: {
      type: 'string',
      numeric: true,
      help: 'loopback addresses the shoppers send from, as many real shoppers would (the platform caps sign-ups, connections and requests in flight per address); default 128 for a loopback target on Linux, else 1',
    },
    'max-inflight': {
      type: 'string',
      default: '4000',
      numeric: true,
      help: 'past this many in flight, arrivals are dropped and counted',
    },
    overload: {
      type: 'boolean',
      default: false,
      help: 'find saturation, then step offered load up to 3x it and report goodput',
    },
    'step-duration': { type: 'string', default: '8', numeric: true, help: 'seconds per overload step' },
    'quiet-p99': {
      type: 'string',
      numeric: true,
      help: "the platform's quiet p99 in ms, which the 3x step's admitted p99 is held to (npm run bench -- --overload passes the day mix's at its highest rate under 250 ms); default: the 0.5x step's",
    },
    out: { type: 'string', help: 'where to write the HTML report' },
  },
);

const profile = PROFILES[values.profile]!;
const random = seeded(Number(values.seed));
const maxInflight = Number(values['max-inflight']);

// One connection per request in flight, as that many shoppers would have: a smaller pool would queue
// requests in the generator, where the platform's admission control cannot see them.
// Linux routes all of 127.0.0.0/8 to the loopback interface; other systems bind 127.0.0.1 only.
const loopback = /^https?:\/\/(127\.[\d.]+|localhost)(:|\/|$)/.test(values.target) && process.platform === 'linux';
const client = new ShopClient(values.target, maxInflight, Number(values.sources ?? (loopback ? 128 : 1)));
const run = Date.now().toString(36);

process.stdout.write(`load: preparing ${values.users} shoppers and the catalogue at ${values.target}\n`);
const users = await prepareShoppers(client, run, Number(values.users));
const loggedIn = users.filter((u) => u.token).length;
const productIds = await client.productIds(1000);
if (productIds.length === 0) {
  process.stderr.write(
    `load: no products at ${values.target}: is the platform running (npm start), and is --target its load balancer?\n`,
  );
  process.exit(1);
}
const mix = new ShopMix({ client, users, productIds, random, profile });
process.stdout.write(`load: ${loggedIn}/${users.length} shoppers logged in, ${productIds.length} products\n`);

function progressLine(stats: Stats): (p: { elapsedSec: number; inflight: number; rate: number }) => void {
  return ({ elapsedSec, inflight, rate }) => {
    const last = stats.buckets.slice(-5);
    const done = last.reduce((s, b) => s + b.latencies.length, 0);
    const sum = (f: (b: Stats['buckets'][number]) => number) => stats.buckets.reduce((s, b) => s + f(b), 0);
    process.stdout.write(
      `\r  t=${elapsedSec.toFixed(0)}s offered ${rate.toFixed(0)}/s  in flight ${inflight}  errors ${sum((b) => b.errors)}  shed ${sum((b) => b.shed)}  dropped ${sum((b) => b.dropped)}  p99(5s) ${percentile(
        last.flatMap((b) => b.latencies),
        99,
      ).toFixed(1)} ms (${done} done)   `,
    );
  };
}

const outDir = join(repoRoot, 'bench', 'load');
await mkdir(outDir, { recursive: true });
const stamp = new Date().toISOString().replaceAll(':', '-').slice(0, 19);

if (!values.overload) {
  const stats = new Stats(performance.now());
  const rate = Number(values.rate);
  const ramp = Number(values.ramp);
  process.stdout.write(`load: ${values.profile} at ${rate}/s for ${values.duration}s (ramp ${ramp}s)\n`);
  await openLoop({
    stats,
    seconds: Number(values.duration),
    rateAt: (t) => (ramp > 0 && t < ramp ? rate * Math.max(0.05, t / ramp) : rate),
    next: () => mix.next(),
    maxInflight,
    onProgress: progressLine(stats),
  });
  process.stdout.write('\n');
  const all = stats.buckets.flatMap((b) => b.latencies);
  const ok = stats.buckets.reduce((s, b) => s + b.ok, 0);
  const shed = stats.buckets.reduce((s, b) => s + b.shed, 0);
  const rejected = stats.buckets.reduce((s, b) => s + b.rejected, 0);
  const errors = stats.buckets.reduce((s, b) => s + b.errors, 0);
  const dropped = stats.buckets.reduce((s, b) => s + b.dropped, 0);
  const summary: Array<[string, string]> = [
    ['target', values.target],
    ['profile', `${values.profile} (${profile.map(([k, w]) => `${k} ${w}`).join(', ')})`],
    [
      'offered',
      `${rate}/s for ${values.duration} s, ramp ${ramp} s, ${users.length} shoppers from ${client.sources} address${client.sources === 1 ? '' : 'es'}`,
    ],
    [
      'requests',
      `${all.length}: ${ok} ok, ${rejected} rejected (4xx), ${shed} shed (503/429), ${errors} server errors; ${dropped} dropped by the generator`,
    ],
    [
      'latency p50 / p90 / p99',
      `${percentile(all, 50).toFixed(1)} / ${percentile(all, 90).toFixed(1)} / ${percentile(all, 99).toFixed(1)} ms`,
    ],
  ];
  const file = values.out ?? join(outDir, `${stamp}-${values.profile}.html`);
  await writeFile(file, renderReport(`Load: ${values.profile}`, stats, summary));
  process.stdout.write(`${summary.map(([k, v]) => `  ${k}: ${v}`).join('\n')}\nreport: ${file}\n`);
} else {
  // Saturation first: closed loops with more and more requests in flight, until
  // throughput stops growing. (A fixed concurrency measures concurrency /
  // latency, which can sit far below what the platform can serve.)
  const closedLoop = async (inFlight: number, seconds: number): Promise<number> => {
    const end = performance.now() + seconds * 1000;
    const settleAt = performance.now() + 1000;
    let ok = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (performance.now() < end) {
          const status = await mix.operation('browse', users[Math.floor(random() * users.length)]!);
          if (status !== undefined && status < 400 && performance.now() >= settleAt && performance.now() < end) ok += 1;
        }
      }),
    );
    return ok / (seconds - 1);
  };
  let saturation = 0;
  let atInFlight = 0;
  for (const inFlight of [16, 32, 64, 128, 256]) {
    const throughput = await closedLoop(inFlight, 4);
    process.stdout.write(`load: closed loop, ${inFlight} in flight: ${throughput.toFixed(0)} req/s\n`);
    if (throughput < saturation * 1.05) break;
    saturation = throughput;
    atInFlight = inFlight;
  }
  process.stdout.write(
    `load: saturation ~${saturation.toFixed(0)} req/s (browse, closed loop, ${atInFlight} in flight)\n`,
  );
  const steps = [0.5, 1, 1.5, 2, 2.5, 3];
  const stepSeconds = Number(values['step-duration']);
  const rows: OverloadStep[] = [];
  const all = new Stats(performance.now());
  for (const factor of steps) {
    const stats = new Stats(performance.now());
    const rate = saturation * factor;
    process.stdout.write(`  step ${factor}x: ${rate.toFixed(0)}/s for ${stepSeconds}s\n`);
    // Goodput is answers that succeeded per second of the step, counted when
    // they arrive: a request answered after its step (queued) is not goodput.
    const window = { from: performance.now() + 1000, to: performance.now() + stepSeconds * 1000 };
    let good = 0;
    const next = () => {
      const request = mix.next('browse');
      return {
        kind: request.kind,
        send: async () => {
          const status = await request.send();
          const at = performance.now();
          if (status !== undefined && status < 400 && at >= window.from && at < window.to) good += 1;
          return status;
        },
      };
    };
    await openLoop({ stats, seconds: stepSeconds, rateAt: () => rate, next, maxInflight });
    const measured = stats.buckets.slice(1, stepSeconds);
    const secs = Math.max(1, measured.length);
    const row = {
      factor,
      offered: Math.round(rate),
      goodput: Math.round(good / ((window.to - window.from) / 1000)),
      shed: Math.round(measured.reduce((s, b) => s + b.shed, 0) / secs),
      errors: Math.round(measured.reduce((s, b) => s + b.errors, 0) / secs),
      p99Admitted: percentile(
        measured.flatMap((b) => b.admitted),
        99,
      ),
    };
    rows.push(row);
    for (const b of stats.buckets) all.buckets.push({ ...b, second: all.buckets.length });
    process.stdout.write(
      `    goodput ${row.goodput}/s, shed ${row.shed}/s, errors ${row.errors}/s, p99 admitted ${row.p99Admitted.toFixed(1)} ms\n`,
    );
  }
  const quietP99 =
    values['quiet-p99'] === undefined
      ? { ms: rows[0]!.p99Admitted, of: `the ${steps[0]}x step` }
      : { ms: Number(values['quiet-p99']), of: 'given by --quiet-p99' };
  const verdict = overloadVerdict(rows, quietP99);
  const table = overloadSection(rows, verdict);
  const file = values.out ?? join(outDir, `${stamp}-overload.html`);
  await writeFile(
    file,
    renderReport(
      'Overload: offered load stepped to 3x saturation',
      all,
      [
        ['target', values.target],
        ['saturation', `${saturation.toFixed(0)} req/s`],
        ['verdict', verdict],
      ],
      table,
    ),
  );
  process.stdout.write(`overload: ${verdict}\nreport: ${file}\n`);
}
await client.close();
process.exit(0);
