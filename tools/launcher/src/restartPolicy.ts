// When a crashed instance is restarted: exponential backoff with jitter, and which crashes count
// as "in a row". Pure functions of their inputs (randomness and times passed in).

/** Restart backoff: `baseMs` doubles per consecutive crash up to `maxMs`; the count starts over after `stableMs` ready. */
export interface Backoff {
  baseMs: number;
  maxMs: number;
  stableMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { baseMs: 250, maxMs: 10_000, stableMs: 30_000 };

/**
 * The wait before restarting after crash number `crashes` in a row (1: the first): `baseMs x
 * 2^(crashes - 1)`, capped at `maxMs`, then jittered by +-50% (`random` in [0, 1)), so that
 * instances that crashed together (a busy machine, a dependency gone) come back spread out
 * rather than all at once (the AWS Builders' Library, "Timeouts, retries and backoff with jitter").
 */
export function restartDelay(crashes: number, backoff: Backoff, random: () => number): number {
  const nominal = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, crashes - 1));
  return Math.round(nominal * (0.5 + random()));
}

/**
 * The consecutive crash count after an exit at `exitedAt`. It starts over only when the instance
 * had become ready (`readyAt`) and then stayed up `stableMs`: time alive alone does not count.
 * Counting from the spawn, as this once did, took a slow start (longer than `stableMs` on a busy
 * machine) for a stable run, so an instance that kept failing late in its start was restarted
 * after the base delay every time, and adding to the load that made it fail.
 */
export function crashesAfterExit(
  previous: number,
  run: { readyAt: number | undefined; exitedAt: number },
  backoff: Backoff,
): number {
  const stable = run.readyAt !== undefined && run.exitedAt - run.readyAt >= backoff.stableMs;
  return (stable ? 0 : previous) + 1;
}
