// The CPU-taken-away run as a picture (docs/overload.svg): served, shed and
// failed per second above, p99 per second below on a log scale with the 1 s
// line, and the busy-loop phases shaded across both. Plain SVG text, so the
// bench needs no charting dependency and the file diffs as text.
import type { Phase, SecondRow } from './seconds.ts';

export interface ChartInput {
  title: string;
  seconds: readonly SecondRow[];
  phases: readonly Phase[];
}

const WIDTH = 860;
const LEFT = 60;
const RIGHT = 20;
const THROUGHPUT = { top: 50, bottom: 230 };
const LATENCY = { top: 270, bottom: 430 };
const HEIGHT = 470;

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const fixed = (n: number): string => n.toFixed(1);

/** The smallest 1, 2 or 5 times a power of ten at or above `v` (at least 1). */
export function niceCeil(v: number): number {
  if (!(v > 1)) return 1;
  const power = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 5, 10].map((m) => m * power).find((n) => n >= v - 1e-9) ?? 10 * power;
}

export function overloadChart(input: ChartInput): string {
  const n = Math.max(1, input.seconds.length);
  const x = (second: number): number => LEFT + (second / n) * (WIDTH - LEFT - RIGHT);
  const rateMax = niceCeil(Math.max(1, ...input.seconds.map((r) => r.arrivals)));
  const rateY = (v: number): number =>
    THROUGHPUT.bottom - (Math.min(v, rateMax) / rateMax) * (THROUGHPUT.bottom - THROUGHPUT.top);
  const decades = Math.max(3, Math.ceil(Math.log10(Math.max(1, ...input.seconds.map((r) => r.p99Ms)))));
  const msY = (ms: number): number =>
    LATENCY.bottom - (Math.log10(Math.max(1, ms)) / decades) * (LATENCY.bottom - LATENCY.top);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="system-ui, sans-serif" font-size="11">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${LEFT}" y="18" font-size="13" font-weight="bold">${escape(input.title)}</text>`,
    ...phaseShading(input.phases, x),
    ...rateAxis(rateMax, rateY),
    ...latencyAxis(decades, msY),
    ...timeAxis(n, x),
    ...rateSeries(input.seconds, x, rateY),
    line(
      input.seconds.map((r) => [x(r.second + 0.5), msY(r.p99Ms)]),
      '#4a7bd0',
    ),
    ...legend(),
    '</svg>',
  ].join('\n');
}

/** A band behind both panels for each phase with busy loops, darker with more of them, its name and the CPU they took. */
function phaseShading(phases: readonly Phase[], x: (s: number) => number): string[] {
  const most = Math.max(1, ...phases.map((p) => p.busyLoops));
  return phases
    .filter((p) => p.busyLoops > 0)
    .flatMap((p) => [
      `<rect x="${fixed(x(p.from))}" y="${THROUGHPUT.top}" width="${fixed(x(p.to) - x(p.from))}" height="${LATENCY.bottom - THROUGHPUT.top}" fill="#d04a4a" fill-opacity="${(0.06 + 0.1 * (p.busyLoops / most)).toFixed(2)}"/>`,
      `<text x="${fixed(x(p.from) + 4)}" y="${THROUGHPUT.top + 12}" fill="#9a3030">${escape(p.name)}</text>`,
      ...(p.busyLoopCores === undefined
        ? []
        : [
            `<text x="${fixed(x(p.from) + 4)}" y="${THROUGHPUT.top + 25}" fill="#9a3030">${p.busyLoopCores} cores used</text>`,
          ]),
    ]);
}

function rateAxis(max: number, y: (v: number) => number): string[] {
  return [0, max / 2, max].flatMap((v) => [
    `<line x1="${LEFT}" y1="${fixed(y(v))}" x2="${WIDTH - RIGHT}" y2="${fixed(y(v))}" stroke="#ddd"/>`,
    `<text x="${LEFT - 6}" y="${fixed(y(v) + 4)}" text-anchor="end">${v}/s</text>`,
  ]);
}

function latencyAxis(decades: number, y: (ms: number) => number): string[] {
  const ticks = Array.from({ length: decades + 1 }, (_, k) => 10 ** k);
  return [
    ...ticks.flatMap((ms) => [
      `<line x1="${LEFT}" y1="${fixed(y(ms))}" x2="${WIDTH - RIGHT}" y2="${fixed(y(ms))}" stroke="${ms === 1000 ? '#d04a4a' : '#ddd'}"${ms === 1000 ? ' stroke-dasharray="4 3"' : ''}/>`,
      `<text x="${LEFT - 6}" y="${fixed(y(ms) + 4)}" text-anchor="end">${ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`}</text>`,
    ]),
    `<text x="${LEFT}" y="${LATENCY.top - 8}">p99 of the answered (served or shed), by second of arrival; log scale</text>`,
  ];
}

function timeAxis(n: number, x: (s: number) => number): string[] {
  const every = n > 60 ? 10 : 5;
  const ticks = Array.from({ length: Math.floor(n / every) + 1 }, (_, k) => k * every);
  return [
    ...ticks.map((s) => `<text x="${fixed(x(s))}" y="${LATENCY.bottom + 16}" text-anchor="middle">${s} s</text>`),
    `<line x1="${LEFT}" y1="${THROUGHPUT.bottom}" x2="${WIDTH - RIGHT}" y2="${THROUGHPUT.bottom}" stroke="#999"/>`,
    `<line x1="${LEFT}" y1="${LATENCY.bottom}" x2="${WIDTH - RIGHT}" y2="${LATENCY.bottom}" stroke="#999"/>`,
  ];
}

const SERIES: Array<{ name: string; color: string; pick: (r: SecondRow) => number; dashed?: boolean }> = [
  { name: 'arrivals/s', color: '#888', pick: (r) => r.arrivals, dashed: true },
  { name: 'served/s', color: '#2a8f4f', pick: (r) => r.served },
  { name: 'shed/s (503 + Retry-After)', color: '#c58b2a', pick: (r) => r.shed },
  { name: 'failed/s', color: '#d04a4a', pick: (r) => r.failed },
];

function rateSeries(rows: readonly SecondRow[], x: (s: number) => number, y: (v: number) => number): string[] {
  return SERIES.map((s) =>
    line(
      rows.map((r) => [x(r.second + 0.5), y(s.pick(r))]),
      s.color,
      s.dashed,
    ),
  );
}

function legend(): string[] {
  const items = [...SERIES.map((s) => ({ name: s.name, color: s.color })), { name: 'p99', color: '#4a7bd0' }];
  let at = LEFT;
  return items.map((item) => {
    const text = `<text x="${at}" y="36" fill="${item.color}">&#9632; ${escape(item.name)}</text>`;
    at += 24 + item.name.length * 6;
    return text;
  });
}

function line(points: Array<[number, number]>, color: string, dashed = false): string {
  return `<polyline fill="none" stroke="${color}" stroke-width="1.6"${dashed ? ' stroke-dasharray="3 3"' : ''} points="${points.map(([px, py]) => `${fixed(px)},${fixed(py)}`).join(' ')}"/>`;
}
