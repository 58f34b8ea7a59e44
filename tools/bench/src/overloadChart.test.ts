// The chart in docs/performance.md: each series drawn over every second, the
// busy-loop phases shaded where they were, scales that hold the figures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { niceCeil, overloadChart } from './overloadChart.ts';
import type { Phase, SecondRow } from './seconds.ts';

function rows(n: number, p99 = (s: number) => 20 + s): SecondRow[] {
  return Array.from({ length: n }, (_, second) => ({
    second,
    arrivals: 100,
    served: second < n / 2 ? 100 : 60,
    shed: second < n / 2 ? 0 : 40,
    failed: 0,
    answeredWithin1s: 100,
    p99Ms: p99(second),
  }));
}

const phases: Phase[] = [
  { name: 'quiet', from: 0, to: 10, busyLoops: 0 },
  { name: '2 busy loops', from: 10, to: 20, busyLoops: 2 },
  { name: '4 busy loops', from: 20, to: 30, busyLoops: 4 },
  { name: 'after', from: 30, to: 40, busyLoops: 0 },
];

const polylines = (svg: string): string[][] =>
  [...svg.matchAll(/<polyline [^>]*points="([^"]*)"/g)].map((m) => m[1]!.split(' '));

test('an SVG document with the arrivals, served, shed, failed and p99 lines, one point per second', () => {
  const svg = overloadChart({ title: 'CPU taken away', seconds: rows(40), phases });
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg, /<\/svg>$/);
  const lines = polylines(svg);
  assert.equal(lines.length, 5);
  for (const points of lines) assert.equal(points.length, 40);
  for (const name of ['arrivals/s', 'served/s', 'shed/s (503 + Retry-After)', 'failed/s', 'p99'])
    assert.ok(svg.includes(`&#9632; ${name}<`), name);
});

test('only the phases with busy loops are shaded, from their start to their end, and named', () => {
  const svg = overloadChart({ title: 't', seconds: rows(40), phases });
  const bands = [...svg.matchAll(/<rect x="([\d.]+)" y="\d+" width="([\d.]+)"[^>]*fill="#d04a4a"/g)];
  assert.equal(bands.length, 2);
  // 40 s over 780 px (860 wide, 60 + 20 margins): 19.5 px a second, from x = 60.
  assert.deepEqual(
    bands.map((b) => [Number(b[1]), Number(b[2])]),
    [
      [255, 195],
      [450, 195],
    ],
  );
  assert.ok(svg.includes('>2 busy loops</text>') && svg.includes('>4 busy loops</text>'));
  assert.ok(!svg.includes('>quiet</text>'));
  const measured = overloadChart({
    title: 't',
    seconds: rows(40),
    phases: phases.map((p) => (p.busyLoops > 0 ? { ...p, busyLoopCores: 1.25 } : p)),
  });
  assert.ok(measured.includes('>1.25 cores used</text>'), 'the CPU the loops really took');
  assert.ok(!svg.includes('cores used'), 'none said when none was measured');
});

test('p99 is on a log scale that reaches the slowest second, with the 1 s line marked', () => {
  const svg = overloadChart({ title: 't', seconds: rows(10, (s) => (s === 5 ? 25_000 : 10)), phases: [] });
  assert.ok(svg.includes('>10 s</text>') && svg.includes('>100 s</text>'), 'ticks up to 10^5 ms');
  assert.match(svg, /stroke="#d04a4a" stroke-dasharray="4 3"\/>\n<text [^>]*>1 s<\/text>/);
  const p99 = polylines(svg)
    .at(-1)!
    .map((p) => Number(p.split(',')[1]));
  assert.ok(p99[5]! < p99[4]!, 'the slow second is drawn higher');
  assert.ok(
    p99.every((y) => y >= 270 && y <= 430),
    'inside the latency panel',
  );
});

test('the title is escaped, and the rate scale is a round number at or above the arrivals', () => {
  const svg = overloadChart({ title: 'a < b & "c"', seconds: rows(5), phases: [] });
  assert.ok(svg.includes('a &#60; b &#38; &#34;c&#34;'));
  assert.ok(svg.includes('>100/s</text>'));
  assert.deepEqual([0, 1, 3, 10, 11, 101, 240, 501].map(niceCeil), [1, 1, 5, 10, 20, 200, 500, 1000]);
});
