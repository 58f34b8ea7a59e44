// What one bench run records (bench/results/<date>.json): the shape every part
// of the bench writes into and every part of the report reads.
import type { CheckoutResult } from './checkout.ts';
import type { ColdStartResult } from './coldStart.ts';
import type { CpuTakenAwayResult } from './cpuTakenAway.ts';
import type { EventRow } from './eventRows.ts';
import type { FailoverResult } from './failover.ts';
import type { Measurement } from './measure.ts';
import type { MicroResult } from './micro.ts';
import type { ProfileSummary } from './profile.ts';
import type { StatementCounts } from './statements.ts';

/** A part that did not run to the end: its error message. */
export type Failed = { error: string };

export interface ScenarioResult {
  key: string;
  name: string;
  /** baseline: the rows; diagnostic: one change at a time between two chains; shop: the real platform. */
  group: 'baseline' | 'diagnostic' | 'shop';
  result: Measurement | Failed;
}

/** One bench run as bench.ts records it (bench/results/<date>.json). */
export interface BenchResult {
  date: string;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string; platform: string; loadAverage: number };
  settings: { connections: number; durationSec: number; warmupSec: number; singleRequests: number };
  scenarios: ScenarioResult[];
  platform?: { topology: string; collector: string };
  platformError?: string;
  checkout?: CheckoutResult | Failed;
  failover?: FailoverResult | Failed;
  events?: EventRow[];
  overload?: { command: string; report: string; verdict: string };
  /** Issue 22's scenarios (--overload): busy loops taking the cores, and a cold start at the same rate. */
  cpuTakenAway?: CpuTakenAwayResult | Failed;
  coldStart?: ColdStartResult | Failed;
  profiles?: Record<string, ProfileSummary[]>;
  micro?: MicroResult[];
  statements?: StatementCounts;
}
