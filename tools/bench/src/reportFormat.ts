// Small pieces every part of the bench report uses: a view of one run's
// measurements with ratios to its bare baseline, and the number formats.
import type { Measurement } from './measure.ts';
import type { BenchResult, Failed } from './benchResult.ts';

/** True for a result that ran; false for a failure or an absent part. */
export const ok = <T extends object>(r: T | Failed | undefined): r is T => r !== undefined && !('error' in r);

/** One run as the report reads it: a scenario's measurement by key, and ratios to bare node:http of the same run. */
export interface RunView {
  bench: BenchResult;
  get(key: string): Measurement | undefined;
  ratioOf(m: Measurement | undefined): number | undefined;
  /** The ratio to bare with two decimals, or "-" without one. */
  ratio(m: Measurement | undefined): string;
}

export function viewOf(bench: BenchResult): RunView {
  const get = (key: string): Measurement | undefined => {
    const r = bench.scenarios.find((s) => s.key === key)?.result;
    return ok(r) ? r : undefined;
  };
  const bare = get('bare');
  const ratioOf = (m: Measurement | undefined): number | undefined =>
    m && bare ? m.requestsPerSec / bare.requestsPerSec : undefined;
  return { bench, get, ratioOf, ratio: (m) => ratioOf(m)?.toFixed(2) ?? '-' };
}

/** The first line of an error message: a table cell or a sentence holds no stack. */
export function firstLine(message: string): string {
  return message.split('\n')[0]!;
}

/** Counts by outcome, "201 x727, 422 x1", or "none". */
export function outcomes(counts: Record<string, number>): string {
  const entries = Object.entries(counts);
  return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${k} x${v}`).join(', ');
}

export function signed(n: number, digits = 3): string {
  return `${n >= 0 ? '+' : ''}${n.toFixed(digits)}`;
}

/** "met", or "missed by <gap> <unit>". */
export function verdict(met: boolean, gap: number, unit: string): string {
  return met ? 'met' : `missed by ${gap.toFixed(unit === 'ms' && Math.abs(gap) >= 10 ? 1 : 3)} ${unit}`;
}
