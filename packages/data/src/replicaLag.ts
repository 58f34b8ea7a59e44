/**
 * A replica's lag in time, measured from our own polls rather than from
 * pg_last_xact_replay_timestamp() (which keeps growing on a caught-up replica
 * of an idle primary, and stays still on a replica cut off from it).
 *
 * Each poll records when the primary was at which WAL position. A replica
 * that has replayed up to R is behind by at least `now - t`, where t is the
 * first sample whose position is past R: the primary had WAL then that the
 * replica still has not applied. Resolution is the poll interval.
 */
export class PrimaryTimeline {
  readonly #samples: Array<{ at: number; lsn: bigint }> = [];
  readonly #maxSamples: number;

  constructor(maxSamples = 3000) {
    this.#maxSamples = maxSamples;
  }

  record(at: number, lsn: bigint): void {
    const last = this.#samples[this.#samples.length - 1];
    if (last && last.lsn >= lsn) return; // no new WAL: the earlier sample already says when it appeared
    this.#samples.push({ at, lsn });
    if (this.#samples.length > this.#maxSamples) this.#samples.shift();
  }

  /** Milliseconds the replica at `replayed` is behind (0 when it has replayed every sample). */
  lagMs(replayed: bigint, now: number): number {
    const first = this.#samples.find((s) => s.lsn > replayed);
    return first ? Math.max(0, now - first.at) : 0;
  }

  /** Forgets samples every replica has replayed (they can no longer be the first one past anybody). */
  prune(replayedByAll: bigint): void {
    while (this.#samples.length > 1 && this.#samples[0]!.lsn <= replayedByAll) this.#samples.shift();
  }
}
