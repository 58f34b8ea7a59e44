import { randomUUID } from 'node:crypto';
import type { ProductStore } from '../domain/ports.ts';
import { release } from './settleReservation.ts';

/**
 * Releases held reservations past their expiry, one per transaction. The
 * claim skips rows another transaction holds, so several instances sweep at
 * once without waiting on each other or on a commit that holds the row.
 * Returns how many were released.
 */
export async function sweepExpired(store: ProductStore, options: { max?: number } = {}): Promise<number> {
  const max = options.max ?? 100;
  let released = 0;
  while (released < max) {
    const did = await store.transaction(async (unit) => {
      const id = await unit.reservations.claimExpired();
      if (!id) return false;
      const reservation = await unit.reservations.load(id);
      await release(unit, reservation!, 'expired', randomUUID());
      return true;
    });
    if (!did) break;
    released += 1;
  }
  return released;
}
