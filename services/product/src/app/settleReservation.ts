import type { Database, Queryable } from '@shop/data';
import { AppError } from '@shop/platform';
import { loadReservation } from '../adapters/reservationRows.ts';
import {
  decideSettlement,
  type ReleaseReason,
  type Reservation,
  type ReservationStatus,
  type Settlement,
} from '../domain/reservation.ts';
import { writeOutbox } from './outbox.ts';

/**
 * Commits (the units leave the shelf: on_hand and reserved both drop) or
 * releases (reserved drops) a held reservation. Idempotent; the opposite
 * final state is a conflict. A held reservation past its expiry is released
 * as expired first, so a late commit cannot sell stock the sweeper would free.
 */
export async function settleReservation(
  db: Database,
  id: string,
  command: Settlement,
  context: { correlationId: string },
): Promise<{ reservationId: string; status: ReservationStatus }> {
  const outcome = await db.transaction(
    async (
      tx,
    ): Promise<
      { kind: 'ok'; status: ReservationStatus } | { kind: 'missing' } | { kind: 'conflict'; detail: string }
    > => {
      const reservation = await loadReservation(tx, id, { forUpdate: true });
      if (!reservation) return { kind: 'missing' };
      const { rows } = await tx.query<{ now: Date }>('SELECT now() AS now');
      const decision = decideSettlement(command, reservation, rows[0]!.now);
      switch (decision.kind) {
        case 'already':
          return { kind: 'ok', status: reservation.status };
        case 'conflict':
          return { kind: 'conflict', detail: decision.detail };
        case 'expire-first':
          await release(tx, reservation, 'expired', context.correlationId);
          return { kind: 'conflict', detail: 'The reservation expired and its stock was released' };
        case 'apply':
          if (command === 'commit') await commit(tx, reservation, context.correlationId);
          else await release(tx, reservation, 'requested', context.correlationId);
          return { kind: 'ok', status: command === 'commit' ? 'committed' : 'released' };
      }
    },
  );
  if (outcome.kind === 'missing') throw new AppError('NOT_FOUND', { detail: `No reservation ${id}` });
  if (outcome.kind === 'conflict') throw new AppError('CONFLICT', { detail: outcome.detail });
  return { reservationId: id, status: outcome.status };
}

/** Locks the reservation's inventory rows in product-id order, the order every writer uses. */
async function lockLines(tx: Queryable, reservation: Reservation): Promise<void> {
  await tx.query(
    `SELECT i.sku FROM inventory i JOIN reservation_items ri ON ri.sku = i.sku
     WHERE ri.reservation_id = $1 ORDER BY ri.product_id FOR UPDATE OF i`,
    [reservation.id],
  );
}

const lineArrays = (reservation: Reservation): [string[], number[]] => [
  reservation.items.map((l) => l.sku),
  reservation.items.map((l) => l.quantity),
];

async function commit(tx: Queryable, reservation: Reservation, correlationId: string): Promise<void> {
  await lockLines(tx, reservation);
  await tx.query(
    `UPDATE inventory i SET on_hand = i.on_hand - r.q, reserved = i.reserved - r.q
     FROM unnest($1::text[], $2::int[]) AS r(sku, q) WHERE i.sku = r.sku AND i.reserved >= r.q`,
    lineArrays(reservation),
  );
  await tx.query("UPDATE reservations SET status = 'committed', updated_at = now() WHERE id = $1", [reservation.id]);
  await writeOutbox(tx, {
    topic: 'inventory',
    type: 'inventory.committed',
    key: reservation.id,
    aggregateId: reservation.id,
    correlationId,
    payload: { reservationId: reservation.id, items: reservation.items },
  });
}

/** Releases a held reservation's units; exported for the expiry sweeper. */
export async function release(
  tx: Queryable,
  reservation: Reservation,
  reason: ReleaseReason,
  correlationId: string,
): Promise<void> {
  await lockLines(tx, reservation);
  await tx.query(
    `UPDATE inventory i SET reserved = i.reserved - r.q
     FROM unnest($1::text[], $2::int[]) AS r(sku, q) WHERE i.sku = r.sku AND i.reserved >= r.q`,
    lineArrays(reservation),
  );
  await tx.query("UPDATE reservations SET status = 'released', release_reason = $2, updated_at = now() WHERE id = $1", [
    reservation.id,
    reason,
  ]);
  await writeOutbox(tx, {
    topic: 'inventory',
    type: 'inventory.released',
    key: reservation.id,
    aggregateId: reservation.id,
    correlationId,
    payload: { reservationId: reservation.id, reason, items: reservation.items },
  });
}
