/** Per-second buckets of outcomes and latencies, and percentiles over any span of them. */
export interface Bucket {
  second: number;
  offered: number;
  ok: number;
  shed: number;
  /** 4xx other than 429: the shop said no (out of stock, empty cart), correctly. */
  rejected: number;
  /** 5xx and transport failures: the shop failed. */
  errors: number;
  /** Arrivals the generator itself did not send (its in-flight cap): not the shop's failures. */
  dropped: number;
  latencies: number[];
  /** Latencies of admitted requests only (not shed with 503/429). */
  admitted: number[];
}

export class Stats {
  readonly buckets: Bucket[] = [];
  readonly byKind = new Map<
    string,
    { ok: number; failed: number; statuses: Map<string, number>; latencies: number[] }
  >();
  readonly #start: number;

  constructor(start: number) {
    this.#start = start;
  }

  #bucket(at: number): Bucket {
    const second = Math.floor((at - this.#start) / 1000);
    while (this.buckets.length <= second)
      this.buckets.push({
        second: this.buckets.length,
        offered: 0,
        ok: 0,
        shed: 0,
        rejected: 0,
        errors: 0,
        dropped: 0,
        latencies: [],
        admitted: [],
      });
    return this.buckets[second]!;
  }

  offered(at: number): void {
    this.#bucket(at).offered += 1;
  }

  /** One outcome: an HTTP status, undefined for a transport failure, 'dropped' when the generator never sent it. */
  record(kind: string, startedAt: number, endedAt: number, status: number | undefined | 'dropped'): void {
    const bucket = this.#bucket(startedAt);
    if (status === 'dropped') {
      bucket.dropped += 1;
      return;
    }
    const ms = endedAt - startedAt;
    bucket.latencies.push(ms);
    const shed = status === 503 || status === 429;
    const ok = status !== undefined && status < 400;
    if (ok) bucket.ok += 1;
    else if (shed) bucket.shed += 1;
    else if (status !== undefined && status < 500) bucket.rejected += 1;
    else bucket.errors += 1;
    if (!shed) bucket.admitted.push(ms);
    const entry = this.byKind.get(kind) ?? { ok: 0, failed: 0, statuses: new Map<string, number>(), latencies: [] };
    if (ok) entry.ok += 1;
    else entry.failed += 1;
    const label = status === undefined ? 'transport' : String(status);
    entry.statuses.set(label, (entry.statuses.get(label) ?? 0) + 1);
    entry.latencies.push(ms);
    this.byKind.set(kind, entry);
  }
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
