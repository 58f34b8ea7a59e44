// The overload scenarios' arithmetic, apart from any I/O: arrivals folded into
// per-second rows, and the targets judged on those rows (so a stored
// run is judged again by the same code when its report is rendered anew).
import { percentile, type AnswerClass } from '@shop/load';

/** One arrival of an open loop: when it was due, how long until its answer, and what the answer counts as. */
export interface Arrival {
  /** Seconds from the run's start to when the arrival was due. */
  at: number;
  /** From when it was due to its answer (a starved generator's lateness included). */
  ms: number;
  class: AnswerClass;
  /** "503 OVERLOADED", "transport ECONNRESET", "dropped by the generator": kept for failures only. */
  label: string;
}

/** One second of a run, by when its arrivals were due. */
export interface SecondRow {
  second: number;
  arrivals: number;
  served: number;
  /** Refused with 503 (or 429), Retry-After and problem+json. */
  shed: number;
  /** Every other 5xx, resets, timeouts, and arrivals the generator could not send. */
  failed: number;
  /** Served or shed within 1 s of being due. */
  answeredWithin1s: number;
  /** p99 of the answered (served or shed), ms. */
  p99Ms: number;
}

/** A stretch of the run with a given number of busy loops. */
export interface Phase {
  name: string;
  /** Seconds from the run's start, as they happened (a starved timer fires late). */
  from: number;
  to: number;
  busyLoops: number;
  /** Cores the busy loops really used during the phase, on average (their CPU seconds over its length). */
  busyLoopCores?: number;
}

export const ANSWER_WITHIN_MS = 1000;

/** Folds arrivals into `seconds` rows (second 0 to seconds - 1; later arrivals are left out). */
export function perSecond(arrivals: readonly Arrival[], seconds: number): SecondRow[] {
  const latencies = Array.from({ length: seconds }, () => [] as number[]);
  const rows: SecondRow[] = latencies.map((_, second) => ({
    second,
    arrivals: 0,
    served: 0,
    shed: 0,
    failed: 0,
    answeredWithin1s: 0,
    p99Ms: 0,
  }));
  for (const a of arrivals) {
    const row = rows[Math.floor(a.at)];
    if (!row) continue;
    row.arrivals += 1;
    row[a.class] += 1;
    if (a.class === 'failed') continue;
    latencies[row.second]!.push(a.ms);
    if (a.ms <= ANSWER_WITHIN_MS) row.answeredWithin1s += 1;
  }
  for (const row of rows) row.p99Ms = Math.round(percentile(latencies[row.second]!, 99) * 10) / 10;
  return rows;
}

/** Counts by label of the failed arrivals due in [from, to). */
export function failuresByLabel(arrivals: readonly Arrival[], from = 0, to = Infinity): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of arrivals)
    if (a.class === 'failed' && a.at >= from && a.at < to) counts[a.label] = (counts[a.label] ?? 0) + 1;
  return counts;
}

/**
 * The rows of the seconds in [from, to), each edge rounded to the nearest second: a phase's timer fires a few
 * ms late or early, and a second belongs to one phase only.
 */
export function during(rows: readonly SecondRow[], from: number, to: number): SecondRow[] {
  return rows.filter((r) => r.second >= Math.round(from) && r.second < Math.round(to));
}

/** Sums a field over rows. */
export function total(rows: readonly SecondRow[], field: keyof Omit<SecondRow, 'second' | 'p99Ms'>): number {
  return rows.reduce((sum, r) => sum + r[field], 0);
}

/** `part` of the rows' arrivals, as a share from 0 to 1 (1 when there were none). */
export function shareOf(rows: readonly SecondRow[], part: 'served' | 'answeredWithin1s'): number {
  const arrivals = total(rows, 'arrivals');
  return arrivals === 0 ? 1 : total(rows, part) / arrivals;
}

/**
 * When the platform came back after `stopAt`: the first second (from the stop, rounded as during() rounds a
 * phase's edge) from which 99% of arrivals are served,
 * in that second and in the rest of the run pooled (one lucky second in a failing stretch does not count).
 * Undefined when it did not happen within the run.
 */
export function recoveredAt(rows: readonly SecondRow[], stopAt: number, share = 0.99): number | undefined {
  const after = rows.filter((r) => r.second >= Math.round(stopAt) && r.arrivals > 0);
  return after.find((row, i) => shareOf([row], 'served') >= share && shareOf(after.slice(i), 'served') >= share)
    ?.second;
}

/** The figures of a stretch of the run, for a report's table. */
export interface PhaseFigures {
  arrivals: number;
  served: number;
  shed: number;
  failed: number;
  answeredWithin1s: number;
  /** The worst second's p99, ms. */
  worstP99Ms: number;
}

export function figuresOf(rows: readonly SecondRow[]): PhaseFigures {
  return {
    arrivals: total(rows, 'arrivals'),
    served: total(rows, 'served'),
    shed: total(rows, 'shed'),
    failed: total(rows, 'failed'),
    answeredWithin1s: total(rows, 'answeredWithin1s'),
    worstP99Ms: Math.max(0, ...rows.map((r) => r.p99Ms)),
  };
}
