// The overload scenarios in the bench report: figures by phase, the chart when
// drawn, and each target met or missed by how much, judged from the seconds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ColdStartResult } from './coldStart.ts';
import type { CpuTakenAwayResult } from './cpuTakenAway.ts';
import type { BenchResult } from './benchResult.ts';
import { renderMarkdown } from './report.ts';
import { cpuVerdicts } from './reportOverload.ts';
import type { SecondRow } from './seconds.ts';

/** `n` seconds of 100 arrivals each, shaped by `of(second)`. */
function seconds(n: number, of: (s: number) => Partial<SecondRow> = () => ({})): SecondRow[] {
  return Array.from({ length: n }, (_, second) => ({
    second,
    arrivals: 100,
    served: 100,
    shed: 0,
    failed: 0,
    answeredWithin1s: 100,
    p99Ms: 40,
    ...of(second),
  }));
}

function cpuRun(overrides: Partial<CpuTakenAwayResult> = {}): CpuTakenAwayResult {
  return {
    rate: 100,
    search: {
      rate: 100,
      p99Ms: 120,
      found: true,
      steps: [
        { rate: 50, p99Ms: 80, served: 1 },
        { rate: 100, p99Ms: 120, served: 1 },
        { rate: 150, p99Ms: 400, served: 0.97 },
      ],
    },
    quietP99Ms: 120,
    cores: 2,
    shoppers: 50,
    sources: 50,
    loadAverageAtStart: 0.42,
    phases: [
      { name: 'quiet', from: 0, to: 4, busyLoops: 0 },
      { name: '2 busy loops', from: 4, to: 8, busyLoops: 2, busyLoopCores: 1.5 },
      { name: '4 busy loops', from: 8, to: 12.2, busyLoops: 4, busyLoopCores: 1.62 },
      { name: 'after', from: 12.2, to: 20, busyLoops: 0 },
    ],
    seconds: seconds(20),
    failures: {},
    failuresAfterStop: {},
    checkouts: { acknowledged: 12, terminal: { confirmed: 11, cancelled: 1 }, open: {}, tookSec: 1.5 },
    ...overrides,
  };
}

function run(overrides: Partial<BenchResult>): BenchResult {
  return {
    date: '2026-12-05T15:00:00.000Z',
    machine: { cpus: 2, cpuModel: 'Test CPU', memoryGiB: 8, node: 'v24.0.0', platform: 'linux x64', loadAverage: 0.3 },
    settings: { connections: 50, durationSec: 5, warmupSec: 1, singleRequests: 2000 },
    scenarios: [],
    ...overrides,
  };
}

const targetLine = (markdown: string, start: string): string => {
  const line = markdown.split('\n').find((l) => l.startsWith(`- ${start}`));
  assert.ok(line, `no target line starting "${start}"`);
  return line;
};

test('a run that met every target says met on each, with the rate found and the load average', () => {
  const markdown = renderMarkdown(run({ cpuTakenAway: cpuRun() }), 'overload.svg');
  assert.match(
    markdown,
    /\*\*CPU taken away\*\*: the day mix .* at 100\/s \(the highest rate .*: 50\/s 80 ms, 100\/s 120 ms, 150\/s 400 ms; the quiet p99 is 120 ms\), from 50 shoppers on 50 loopback addresses; load average 0\.42 at the start/,
  );
  assert.match(markdown, /\| 4 busy loops \| 8\.0-12\.2 \| 400 \| 400 \| 0 \| 0 \| 100\.0% \| 40 \|/);
  assert.match(markdown, /\| after \| 12\.2-20\.0 \| 800 \|/);
  assert.match(markdown, /edges; they used 1\.5 cores on average with 2 and 1\.62 cores on average with 4\. /);
  assert.match(markdown, /!\[CPU taken away: [^\]]*\]\(overload\.svg\)/);
  assert.match(markdown, /<details><summary>Per second<\/summary>/);
  assert.match(targetLine(markdown, 'CPU taken away, while'), /100\.0% of arrivals .* \(target at least 99%: met\)\.$/);
  assert.match(targetLine(markdown, 'CPU taken away, acknowledged'), /: 12 of 12 \(target all: met\)\.$/);
  assert.match(
    targetLine(markdown, 'CPU taken away, after'),
    /served again after 0 s \(target within 5 s: met\); .* after the stop: 0 \(target none: met\)\.$/,
  );
});

test('misses say by how much: answers late under the loops, checkouts left open, a slow recovery, 504s after', () => {
  const slow = cpuRun({
    // Under the loops (seconds 4-11) half the arrivals wait past 1 s; after the stop, served again from second 19.
    seconds: seconds(20, (s) =>
      s >= 4 && s <= 12 ? { answeredWithin1s: 50 } : s >= 13 && s < 19 ? { served: 80, failed: 20 } : {},
    ),
    failuresAfterStop: { '504 UPSTREAM_TIMEOUT': 120 },
    checkouts: { acknowledged: 12, terminal: { confirmed: 9 }, open: { pending: 3 }, tookSec: 60 },
  });
  assert.deepEqual(cpuVerdicts(slow), {
    busyAnswered: 0.5,
    recoveredAfterSec: 6.8,
    failedAfterStop: 120,
    openCheckouts: 3,
  });
  const markdown = renderMarkdown(run({ cpuTakenAway: slow }));
  assert.match(targetLine(markdown, 'CPU taken away, while'), /50\.0% .*missed by 49\.0 points/);
  assert.match(targetLine(markdown, 'CPU taken away, acknowledged'), /9 of 12 \(target all: missed by 3\)/);
  assert.match(
    targetLine(markdown, 'CPU taken away, after'),
    /after 6\.8 s \(target within 5 s: missed by 1\.8 s\); .*: 120 \(504 UPSTREAM_TIMEOUT x120\) \(target none: missed by 120\)/,
  );
  assert.match(markdown, /and pending x3 not after 60 s/);
  assert.doesNotMatch(markdown, /!\[CPU taken away/, 'no chart unless one was drawn');
});

test('no recovery within the run is a miss that says so', () => {
  const never = cpuRun({ seconds: seconds(20, (s) => (s >= 13 ? { served: 50, shed: 50 } : {})) });
  assert.equal(cpuVerdicts(never).recoveredAfterSec, undefined);
  assert.match(
    targetLine(renderMarkdown(run({ cpuTakenAway: never })), 'CPU taken away, after'),
    /served again not within the run \(target within 5 s: missed\)/,
  );
});

test('a given rate is said to be given, and a failed scenario says it failed', () => {
  const given = cpuRun({ search: undefined, quietP99Ms: 70 });
  assert.match(
    renderMarkdown(run({ cpuTakenAway: given })),
    /at 100\/s \(given with --overload-rate; the quiet p99 70 ms/,
  );
  const failed = renderMarkdown(
    run({ cpuTakenAway: { error: 'no shopper could log in\nstack' }, coldStart: { error: 'x' } }),
  );
  assert.match(failed, /\*\*CPU taken away\*\* failed: no shopper could log in$/m);
  assert.match(targetLine(failed, 'CPU taken away'), /did not run to the end/);
  assert.match(targetLine(failed, 'Cold start'), /did not run to the end/);
});

test('the cold start is tabled for its first seconds and the rest, and judged on all of them', () => {
  const cold: ColdStartResult = {
    rate: 100,
    durationSec: 20,
    startSec: 14.2,
    loadAverageAtStart: 1.1,
    seconds: seconds(20, (s) => (s < 2 ? { answeredWithin1s: 40 } : {})),
    failures: { 'transport ECONNREFUSED': 3 },
  };
  const markdown = renderMarkdown(run({ coldStart: cold }));
  assert.match(markdown, /ready in 14\.2 s; load average 1\.1 before the start.*Failed: transport ECONNREFUSED x3\./);
  assert.match(markdown, /\| first 5 s \| 0-5 \| 500 \| 500 \| 0 \| 0 \| 76\.0% \| 40 \|/);
  assert.match(
    targetLine(markdown, 'Cold start'),
    /94\.0% of arrivals .* \(target at least 99%: missed by 5\.0 points\)/,
  );
});

test('a run without the overload scenarios has no such paragraphs or targets', () => {
  const markdown = renderMarkdown(run({}));
  assert.doesNotMatch(markdown, /CPU taken away|Cold start/);
});
