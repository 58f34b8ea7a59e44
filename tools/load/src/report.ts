// The HTML report of `npm run load`: a summary, per-second charts of
// outcomes and latency, a table by request kind, and for --overload the
// steps with the verdict (which the bench quotes back with verdictOf).
import { percentile, type Stats } from './stats.ts';

const escape = (s: string): string => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

function chart(title: string, series: Array<{ name: string; color: string; values: number[] }>, unit: string): string {
  const width = 860;
  const height = 220;
  const pad = 40;
  const n = Math.max(1, ...series.map((s) => s.values.length));
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const x = (i: number): number => pad + (i / Math.max(1, n - 1)) * (width - 2 * pad);
  const y = (v: number): number => height - pad - (v / max) * (height - 2 * pad);
  const lines = series
    .map(
      (s) =>
        `<polyline fill="none" stroke="${s.color}" stroke-width="1.6" points="${s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"/>`,
    )
    .join('');
  const legend = series
    .map((s, i) => `<text x="${pad + i * 130}" y="16" fill="${s.color}" font-size="12">■ ${escape(s.name)}</text>`)
    .join('');
  const axis = `<line x1="${pad}" y1="${height - pad}" x2="${width - pad}" y2="${height - pad}" stroke="#999"/><line x1="${pad}" y1="${pad}" x2="${pad}" y2="${height - pad}" stroke="#999"/>
<text x="4" y="${pad + 4}" font-size="11">${max.toFixed(max < 10 ? 1 : 0)} ${unit}</text><text x="4" y="${height - pad}" font-size="11">0</text>
<text x="${width - pad - 40}" y="${height - 8}" font-size="11">${n} s</text>`;
  return `<h2>${escape(title)}</h2><svg width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">${legend}${axis}${lines}</svg>`;
}

export function renderReport(title: string, stats: Stats, summary: Array<[string, string]>, extra = ''): string {
  const b = stats.buckets;
  const rows = [...stats.byKind]
    .map(
      ([kind, s]) =>
        `<tr><td>${escape(kind)}</td><td>${s.ok + s.failed}</td><td>${s.ok}</td><td>${s.failed}</td><td>${percentile(s.latencies, 50).toFixed(1)}</td><td>${percentile(s.latencies, 90).toFixed(1)}</td><td>${percentile(s.latencies, 99).toFixed(1)}</td><td>${escape(
          [...s.statuses]
            .sort((a, b) => b[1] - a[1])
            .map(([k, v]) => `${k}: ${v}`)
            .join(', '),
        )}</td></tr>`,
    )
    .join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${escape(title)}</title><style>body{font:13px system-ui,sans-serif;margin:20px;max-width:900px}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}</style></head><body>
<h1>${escape(title)}</h1>
<table>${summary.map(([k, v]) => `<tr><th>${escape(k)}</th><td>${escape(v)}</td></tr>`).join('')}</table>
${chart(
  'Throughput (per second)',
  [
    { name: 'offered', color: '#888', values: b.map((x) => x.offered) },
    { name: 'succeeded', color: '#2a8f4f', values: b.map((x) => x.ok) },
    { name: 'shed (503/429)', color: '#c58b2a', values: b.map((x) => x.shed) },
    { name: 'rejected (4xx)', color: '#8e5bd0', values: b.map((x) => x.rejected) },
    { name: 'errors (5xx)', color: '#d04a4a', values: b.map((x) => x.errors) },
  ],
  'req/s',
)}
${chart(
  'Latency by second of start',
  [
    { name: 'p50', color: '#4a7bd0', values: b.map((x) => percentile(x.latencies, 50)) },
    { name: 'p90', color: '#8e5bd0', values: b.map((x) => percentile(x.latencies, 90)) },
    { name: 'p99', color: '#d04a4a', values: b.map((x) => percentile(x.latencies, 99)) },
  ],
  'ms',
)}
${chart('Server errors per second', [{ name: 'errors (5xx, transport)', color: '#d04a4a', values: b.map((x) => x.errors) }], '/s')}
<h2>By request kind</h2><table><tr><th>kind</th><th>requests</th><th>ok</th><th>failed</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th><th>statuses</th></tr>${rows}</table>
${extra}
</body></html>`;
}

/** One step of the overload run: offered rate, and what came back per second. */
export interface OverloadStep {
  factor: number;
  offered: number;
  goodput: number;
  shed: number;
  errors: number;
  p99Admitted: number;
}

const OVERLOAD_TARGET =
  "Target: at 3x saturation, goodput at least 95% of peak, and the admitted requests' p99 within 2x the quiet p99.";
/** Targets earlier reports stated, so that their verdicts can still be read back. */
const EARLIER_TARGETS = ['Target: at 3x saturation, goodput at least 90% of peak.'];

/** The platform's p99 when it is not overloaded, and what it was measured on (for the verdict to say). */
export interface QuietP99 {
  ms: number;
  of: string;
}

/**
 * The 3x step against the targets: goodput at least 95% of the best step's, and the admitted requests' p99 at
 * most twice the quiet p99. "met: ..." or "missed: ...", each part saying by how much it missed.
 */
export function overloadVerdict(steps: OverloadStep[], quiet: QuietP99): string {
  const last = steps.at(-1);
  const peak = Math.max(0, ...steps.map((r) => r.goodput));
  if (!last || peak === 0) return 'missed: goodput at 3x is 0% of peak (no step served anything)';
  const share = (last.goodput / peak) * 100;
  const goodputMet = share >= 95;
  const ratio = quiet.ms > 0 ? last.p99Admitted / quiet.ms : Infinity;
  const p99Met = ratio <= 2;
  const goodput = `goodput at 3x is ${share.toFixed(0)}% of peak${goodputMet ? '' : ` (target 95%: missed by ${(95 - share).toFixed(0)} points)`}`;
  const p99 = `admitted p99 at 3x ${last.p99Admitted.toFixed(1)} ms, ${ratio.toFixed(1)}x the quiet p99 (${quiet.ms.toFixed(1)} ms, ${quiet.of})${p99Met ? '' : ` (target 2x: missed by ${(last.p99Admitted - 2 * quiet.ms).toFixed(1)} ms)`}`;
  return `${goodputMet && p99Met ? 'met' : 'missed'}: ${goodput}; ${p99}`;
}

/** The overload steps table and the target's verdict sentence, for renderReport's `extra`. */
export function overloadSection(steps: OverloadStep[], verdict: string): string {
  const rows = steps
    .map(
      (r) =>
        `<tr><td>${r.factor}x</td><td>${r.offered}</td><td>${r.goodput}</td><td>${r.shed}</td><td>${r.errors}</td><td>${r.p99Admitted.toFixed(1)}</td></tr>`,
    )
    .join('');
  return `<h2>Overload steps</h2><table><tr><th>offered</th><th>req/s</th><th>goodput/s</th><th>shed/s</th><th>errors/s</th><th>p99 admitted ms</th></tr>${rows}</table><p>${escape(OVERLOAD_TARGET)} ${escape(verdict)}.</p>`;
}

/** The verdict an overload report states (what overloadSection wrote), or undefined for another report. */
export function verdictOf(html: string): string | undefined {
  for (const target of [OVERLOAD_TARGET, ...EARLIER_TARGETS]) {
    const stated = `<p>${escape(target)} `;
    const at = html.indexOf(stated);
    if (at < 0) continue;
    const sentence = unescape(html.slice(at + stated.length, html.indexOf('</p>', at)));
    return sentence.endsWith('.') ? sentence.slice(0, -1) : undefined;
  }
  return undefined;
}

const unescape = (s: string): string => s.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
