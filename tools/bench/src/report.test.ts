// What a reader of the bench report relies on: every row with its figures,
// ratios to the bare baseline of the same run, targets met or missed by how
// much, the machine's load, and failures said as failures. The inputs are
// small hand-built runs shaped like what bench.ts passes to renderMarkdown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CheckoutResult } from './checkout.ts';
import type { FailoverResult } from './failover.ts';
import type { Measurement } from './measure.ts';
import type { BenchResult, ScenarioResult } from './benchResult.ts';
import { renderMarkdown } from './report.ts';

function measurement(overrides: Partial<Measurement> = {}): Measurement {
  return {
    requestsPerSec: 10_000,
    latencyMs: { p50: 3, p90: 7, p99: 15 },
    singleMs: { p50: 0.2, p99: 0.9 },
    errors: 0,
    cpuCores: 0.9,
    cpuByRole: { server: 0.9 },
    cpuMicrosPerRequest: 20,
    cpuMicrosByRole: { server: 20 },
    generatorCores: 0.8,
    peakMemoryMiB: 70,
    starvedByRole: { server: 0.1 },
    ...overrides,
  };
}

function scenario(key: string, result: ScenarioResult['result'], group: ScenarioResult['group'] = 'baseline') {
  return { key, name: `${key} row`, group, result };
}

function run(overrides: Partial<BenchResult> = {}): BenchResult {
  return {
    date: '2026-12-05T08:00:00.000Z',
    machine: { cpus: 2, cpuModel: 'Test CPU', memoryGiB: 8, node: 'v24.0.0', platform: 'linux x64', loadAverage: 1.27 },
    settings: { connections: 50, durationSec: 5, warmupSec: 1, singleRequests: 2000 },
    scenarios: [scenario('bare', measurement())],
    ...overrides,
  };
}

function checkout(overrides: Partial<CheckoutResult> = {}): CheckoutResult {
  return {
    rate: 200,
    durationSec: 10,
    shoppers: 150,
    prepareSec: 6.2,
    offered: 2000,
    sent: 1990,
    checkoutMs: { p50: 21, p90: 33.5, p99: 44.4, max: 61 },
    placedMs: { p50: 20.5, p99: 43.1 },
    singleMs: { p50: 9, p99: 12, statuses: { '201': 50 } },
    arrivalToDoneMs: { p50: 30.2, p99: 58.8 },
    outcomes: { '201': 1990, 'no free shopper': 10 },
    cartOutcomes: { '200': 1990 },
    cpuCores: 1.79,
    cpuByRole: {},
    peakMemoryMiB: 2131,
    ...overrides,
  };
}

function failover(overrides: Partial<FailoverResult> = {}): FailoverResult {
  return {
    rate: 100,
    durationSec: 12,
    killAtSec: 4,
    killed: 'product-1',
    requests: 1200,
    failed: 0,
    failedByStatus: {},
    failedBeforeKill: 0,
    failuresFromMs: undefined,
    failuresToMs: undefined,
    attemptsOnDead: 2,
    lastAttemptOnDeadMs: 1042,
    replacementUpMs: 1163,
    latencyMs: { beforeP50: 3.6, beforeP99: 8, afterP50: 2.9, afterP99: 26.6 },
    ...overrides,
  };
}

/** The table row (a line starting with `| <first cell> |`), split into its cells. */
function cells(markdown: string, first: string): string[] {
  const line = markdown.split('\n').find((l) => l.startsWith(`| ${first} |`));
  assert.ok(line, `no row for ${first} in:\n${markdown}`);
  return line
    .split('|')
    .slice(1, -1)
    .map((c) => c.trim());
}

/** The line of the targets list that starts with `- <start>`. */
function target(markdown: string, start: string): string {
  const line = markdown.split('\n').find((l) => l.startsWith(`- ${start}`));
  assert.ok(line, `no target line "${start}" in:\n${markdown}`);
  return line;
}

test('every scenario outside the diagnostics has a row with all its figures, in the order run', () => {
  const markdown = renderMarkdown(
    run({
      scenarios: [
        scenario('bare', measurement()),
        scenario(
          'fastify',
          measurement({
            requestsPerSec: 8123,
            latencyMs: { p50: 4, p90: 9, p99: 21 },
            singleMs: { p50: 0.1234, p99: 1.5 },
            cpuCores: 1.1,
            generatorCores: 0.45,
            cpuMicrosPerRequest: 33,
            peakMemoryMiB: 88,
            errors: 3,
          }),
        ),
        scenario('product-direct', measurement({ requestsPerSec: 2500 }), 'shop'),
      ],
    }),
  );
  assert.deepEqual(cells(markdown, 'fastify row'), [
    'fastify row',
    '8123',
    '0.81',
    '4 / 9 / 21',
    '0.123 / 1.500',
    '1.1 (+0.45)',
    '33',
    '88',
    '3',
  ]);
  assert.equal(cells(markdown, 'product-direct row')[1], '2500');
  const order = ['bare row', 'fastify row', 'product-direct row'].map((n) => markdown.indexOf(`| ${n} |`));
  assert.deepEqual(
    order,
    [...order].sort((a, b) => a - b),
  );
});

test('ratios are to the bare baseline of the same run, in the table and in the targets', () => {
  const markdown = renderMarkdown(
    run({
      scenarios: [
        scenario('bare', measurement({ requestsPerSec: 20_000 })),
        scenario('product-gateway', measurement({ requestsPerSec: 7000 }), 'shop'),
        scenario('product-lb', measurement({ requestsPerSec: 5000 }), 'shop'),
      ],
    }),
  );
  assert.equal(cells(markdown, 'bare row')[2], '1.00');
  assert.equal(cells(markdown, 'product-gateway row')[2], '0.35');
  assert.equal(cells(markdown, 'product-lb row')[2], '0.25');
  assert.match(target(markdown, 'Gateway -> service'), /: 0\.35 of bare node:http \(target at least 0\.30: met\)/);
  assert.match(
    target(markdown, 'Product read through load balancer'),
    /: 0\.25 of bare \(target at least 0\.25: met\)/,
  );
});

test('without a bare row that ran, no ratio is made up', () => {
  const markdown = renderMarkdown(
    run({
      scenarios: [scenario('bare', { error: 'EADDRINUSE' }), scenario('fastify', measurement())],
    }),
  );
  assert.equal(cells(markdown, 'fastify row')[2], '-');
});

test('a failed scenario says so with the first line of its error, in its own row', () => {
  const markdown = renderMarkdown(
    run({
      scenarios: [
        scenario('bare', measurement()),
        scenario('moleculer-nats', { error: 'connect ECONNREFUSED 127.0.0.1:4222\n    at stack frame' }),
      ],
    }),
  );
  const row = cells(markdown, 'moleculer-nats row');
  assert.equal(row[1], 'failed: connect ECONNREFUSED 127.0.0.1:4222');
  assert.equal(row.length, 9, 'a failed row keeps the table its nine columns');
  assert.doesNotMatch(markdown, /at stack frame/);
});

test('the machine, its load average at the start and the settings head the report', () => {
  const markdown = renderMarkdown(run());
  const first = markdown.split('\n')[0]!;
  assert.match(first, /on 2 x Test CPU, 8 GiB, Node v24\.0\.0/);
  assert.match(first, /load average 1\.27 at the start \(above ~0\.5 .* every figure is noisy\)/);
  assert.match(first, /50 connections for 5 s after 1 s warm-up; one-in-flight latency over 2000 sequential requests/);
});

test('missed targets say by how much; met ones say met', () => {
  const markdown = renderMarkdown(
    run({
      scenarios: [
        scenario('bare', measurement({ requestsPerSec: 10_000 })),
        scenario('product-gateway', measurement({ requestsPerSec: 2200 }), 'shop'),
        scenario('product-lb', measurement({ requestsPerSec: 3000 }), 'shop'),
      ],
      checkout: checkout({ checkoutMs: { p50: 400, p90: 900, p99: 1659.3, max: 1700 } }),
    }),
  );
  assert.match(
    target(markdown, 'Gateway -> service'),
    /0\.22 of bare node:http \(target at least 0\.30: missed by 0\.080 of bare\)/,
  );
  assert.match(target(markdown, 'Product read through load balancer'), /0\.30 of bare \(target at least 0\.25: met\)/);
  assert.match(
    target(markdown, 'Checkout p99 at 200 checkouts/s'),
    /1659\.3 ms \(target under 50 ms: missed by 1609\.3 ms\) \(10 arrivals found every shopper busy and were not sent\)/,
  );
});

test('the mesh cost per call is the mesh chain less the kit-with-Pool chain, one in flight', () => {
  const markdown = renderMarkdown(
    run({
      scenarios: [
        scenario('bare', measurement()),
        scenario('chain-raw', measurement({ singleMs: { p50: 0.25, p99: 1 } }), 'diagnostic'),
        scenario('chain-kit-pool', measurement({ singleMs: { p50: 0.3, p99: 1.1 } }), 'diagnostic'),
        scenario('chain-mesh', measurement({ singleMs: { p50: 0.33, p99: 1.3 } })),
      ],
    }),
  );
  const line = target(markdown, 'Mesh cost per call');
  assert.match(line, /against the same platform-kit front calling through a plain keep-alive undici Pool/);
  assert.match(line, /\+0\.030 ms p50 \(target at most \+0\.05: met\)/);
  assert.match(line, /\+0\.200 ms p99 \(target at most \+0\.10: missed by 0\.100 ms\)/);
  assert.match(line, /Against the raw chain, which also drops the kit front: \+0\.080 ms p50, \+0\.300 ms p99\./);
});

test('the two-hop chain compares with Moleculer by throughput', () => {
  const markdown = renderMarkdown(
    run({
      scenarios: [
        scenario('bare', measurement({ requestsPerSec: 10_000 })),
        scenario('chain-mesh', measurement({ requestsPerSec: 3500 })),
        scenario('moleculer-nats', measurement({ requestsPerSec: 4000 })),
        scenario('moleculer-tcp', measurement({ requestsPerSec: 3000 })),
      ],
    }),
  );
  assert.match(
    target(markdown, 'Two hops through the full mesh'),
    /0\.35 of bare \(target at least 0\.30: met\); behind Moleculer over NATS \(0\.40\) by 500 req\/s, and over TCP\./,
  );
});

test('diagnostic chains get their own table with their make-up, and the effect of each change', () => {
  const markdown = renderMarkdown(
    run({
      scenarios: [
        scenario('bare', measurement({ requestsPerSec: 20_000 })),
        scenario(
          'chain-raw',
          measurement({
            requestsPerSec: 10_000,
            cpuMicrosPerRequest: 80,
            cpuMicrosByRole: { front: 50, back: 30 },
            cpuByRole: { front: 0.8, back: 0.5 },
            elu: { front: 0.9, back: 0.6 },
            starvedByRole: { front: 0.1, back: 0.2 },
          }),
          'diagnostic',
        ),
        scenario(
          'chain-raw-tls',
          measurement({ requestsPerSec: 6000, cpuMicrosPerRequest: 140, singleMs: { p50: 0.25, p99: 1 } }),
          'diagnostic',
        ),
      ],
    }),
  );
  assert.equal(markdown.includes('| chain-raw row |'), false, 'diagnostics stay out of the main table');
  assert.deepEqual(cells(markdown, 'chain-raw'), [
    'chain-raw',
    'bare Fastify',
    'undici Pool',
    'no',
    '-',
    '10000',
    '0.50',
    '0.200 / 0.900',
    '50 + 30',
    '0.8 / 0.5',
    '0.9 / 0.6',
    '0.1 / 0.2',
  ]);
  assert.equal(cells(markdown, 'chain-raw-tls')[3], 'yes');
  assert.match(
    markdown,
    /Each change on its own: mTLS on the raw chain: \+60 µs CPU per request, throughput x0\.60, one in flight \+0\.05 ms p50\./,
  );
});

test('a change measured while a process waited for a CPU is flagged as not meaningful', () => {
  const markdown = renderMarkdown(
    run({
      scenarios: [
        scenario('bare', measurement()),
        scenario('chain-raw', measurement({ starvedByRole: { front: 0.5 } }), 'diagnostic'),
        scenario('chain-raw-tls', measurement(), 'diagnostic'),
      ],
    }),
  );
  assert.match(markdown, /mTLS on the raw chain: .* \(not meaningful: a process waited 50% of the run for a CPU\)/);
});

test('a failed diagnostic chain says so in its row', () => {
  const markdown = renderMarkdown(
    run({
      scenarios: [
        scenario('bare', measurement()),
        scenario('chain-mesh', { error: 'TLS handshake\nmore' }, 'diagnostic'),
      ],
    }),
  );
  const row = cells(markdown, 'chain-mesh');
  assert.equal(row[5], 'failed: TLS handshake');
  assert.equal(row.length, 12);
});

test('checkout and failover figures appear, and a failed one says it failed', () => {
  const good = renderMarkdown(run({ checkout: checkout(), failover: failover() }));
  assert.match(good, /POST \/orders p50 \/ p90 \/ p99 \/ max 21 \/ 33\.5 \/ 44\.4 \/ 61 ms/);
  assert.match(good, /checkout answers: 201 x1990, no free shopper x10; cart answers: 200 x1990/);
  assert.match(target(good, 'Checkout p99 at 200'), /44\.4 ms \(target under 50 ms: met\)/);
  assert.match(good, /product-1 SIGKILLed at 4 s of 12 s\. 0 of 1200 requests failed\./);
  assert.match(
    good,
    /the last 1042 ms after the kill; the launcher's replacement answered on the same port 1163 ms after/,
  );

  const failed = renderMarkdown(
    run({ checkout: { error: 'no shopper could sign up\nstack' }, failover: { error: 'launcher exited\nlog' } }),
  );
  assert.match(failed, /\*\*Checkout\*\* failed: no shopper could sign up$/m);
  assert.match(failed, /\*\*Failover\*\* failed: launcher exited$/m);
  assert.match(target(failed, 'Checkout p99'), /not in this run/);
});

test('failover failures are broken down by status and by when they were sent', () => {
  const markdown = renderMarkdown(
    run({
      failover: failover({
        failed: 7,
        failedByStatus: { '502': 5, transport: 2 },
        failuresFromMs: 3,
        failuresToMs: 240,
        failedBeforeKill: 1,
        attemptsOnDead: 0,
        replacementUpMs: undefined,
      }),
    }),
  );
  assert.match(
    markdown,
    /7 of 1200 requests failed \(502 x5, transport x2, sent from 3 to 240 ms after the kill; 1 of them before the kill/,
  );
  assert.match(
    markdown,
    /sent no attempt to the dead instance; the launcher's replacement answered on the same port not within the run/,
  );
});

test('a platform that did not start is said, with the first line of why', () => {
  const markdown = renderMarkdown(run({ platformError: 'launcher exited with 1:\nlots of log' }));
  assert.match(markdown, /^The platform did not start: launcher exited with 1:$/m);
  assert.doesNotMatch(markdown, /lots of log/);
});

test('event lag rows carry each backend figures, and a failed backend says so', () => {
  const markdown = renderMarkdown(
    run({
      events: [
        {
          backend: 'postgres',
          rate: 1000,
          publishedRate: 998,
          events: 5006,
          p50Ms: 5.08,
          p90Ms: 7.92,
          p99Ms: 13.69,
          maxMs: 39.51,
          missing: 0,
        },
        { backend: 'jetstream', error: 'nats down\ntrace' },
      ],
    }),
  );
  assert.deepEqual(cells(markdown, 'postgres'), [
    'postgres',
    '1000 / 998',
    '5006',
    '5.08',
    '7.92',
    '13.69',
    '39.51',
    '0',
  ]);
  assert.equal(cells(markdown, 'jetstream')[1], 'failed: nats down');
});

test('the mesh client micro costs are given against the raw undici call', () => {
  const markdown = renderMarkdown(
    run({
      micro: [
        { case: 'undici', what: '', calls: 1, cpuMicrosPerCall: 10.1 },
        { case: 'mesh', what: '', calls: 1, cpuMicrosPerCall: 23.7 },
      ],
    }),
  );
  assert.match(
    markdown,
    /a raw undici request\(\) 10\.1 µs; the mesh client \(P2C, breaker, retry budget, bulkhead, deadline\) 23\.7 µs \(\+13\.6\); with its recording span and traceparent -\./,
  );
});

test('statements per checkout give the total, each service and the most frequent', () => {
  const markdown = renderMarkdown(
    run({
      statements: {
        checkouts: 940,
        perCheckout: { order: 38.3, product: 18.7 },
        total: 57,
        top: [{ service: 'order', perCheckout: 6, query: 'BEGIN' }],
      },
    }),
  );
  assert.match(
    markdown,
    /open loop's 940 checkouts.*: 57 in all: order 38\.3, product 18\.7\. Most frequent: 6 order: `BEGIN`\./,
  );
});

test('CPU profiles list busy time by owner, inclusive shares and top functions', () => {
  const markdown = renderMarkdown(
    run({
      profiles: {
        'chain-mesh': [
          {
            file: '/tmp/front.cpuprofile',
            sampledMs: 4000,
            idleShare: 0.25,
            busyByArea: {},
            busyByOwner: { undici: 0.4, fastify: 0.2 },
            topSelf: [{ fn: 'writev node:net:1', share: 0.123 }],
            inclusive: { 'cockatiel policies': 0.05, Fastify: 0 },
          },
        ],
      },
    }),
  );
  assert.match(
    markdown,
    /^- chain-mesh: idle 25% of 4000 ms sampled; busy time by owner .* undici 40%, fastify 20%; inclusive: cockatiel policies 5%; top functions: writev node:net:1 12\.3%\.$/m,
  );
});

test('the overload verdict is quoted when there is one, and how to get it when there is not', () => {
  const withVerdict = renderMarkdown(
    run({ overload: { command: 'npm run load -- --overload', report: 'bench/load/x.html', verdict: 'met (93%)' } }),
  );
  assert.match(
    target(withVerdict, 'At 3x saturation'),
    /: met \(93%\) \(npm run load -- --overload; report bench\/load\/x\.html\)\./,
  );
  assert.match(target(renderMarkdown(run()), 'At 3x saturation'), /not part of this run/);
});

test('a gateway row without a bare baseline says there is no ratio rather than failing the report', () => {
  const markdown = renderMarkdown(
    run({
      scenarios: [scenario('bare', { error: 'EADDRINUSE' }), scenario('product-gateway', measurement(), 'shop')],
    }),
  );
  assert.match(target(markdown, 'Gateway -> service'), /no ratio: bare node:http did not run/);
});
