import { randomUUID } from 'node:crypto';
import type { Database } from '@shop/data';
import type { Logger } from '@shop/platform';
import { loadReservation } from '../adapters/reservationRows.ts';
import { release } from './settleReservation.ts';

/**
 * Releases held reservations past their expiry, one per transaction. SKIP
 * LOCKED lets several instances sweep at once without waiting on each other
 * or on a commit that holds the row. Returns how many were released.
 */
export async function sweepExpired(db: Database, options: { max?: number } = {}): Promise<number> {
  const max = options.max ?? 100;
  let released = 0;
  while (released < max) {
    const did = await db.transaction(async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        `SELECT id FROM reservations WHERE status = 'held' AND expires_at <= now()
         ORDER BY expires_at LIMIT 1 FOR UPDATE SKIP LOCKED`,
      );
      const id = rows[0]?.id;
      if (!id) return false;
      const reservation = await loadReservation(tx, id);
      await release(tx, reservation!, 'expired', randomUUID());
      return true;
    });
    if (!did) break;
    released += 1;
  }
  return released;
}

/** Sweeps on an interval (never overlapping itself) until stopped. */
export function startSweeper(db: Database, logger: Logger, intervalMs: number): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  const tick = (): void => {
    if (running) return;
    running = sweepExpired(db)
      .then((count) => {
        if (count > 0) logger.info({ released: count }, 'expired reservations released');
      })
      .catch((error: unknown) =>
        logger.warn(
          { err: error instanceof Error ? error.message : String(error) },
          'reservation sweep failed; retrying next tick',
        ),
      )
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
