import { AppError } from '@shop/platform';
import type { ProductStore, ProductUnit } from '../domain/ports.ts';
import {
  decideSettlement,
  type ReleaseReason,
  type Reservation,
  type ReservationStatus,
  type Settlement,
} from '../domain/reservation.ts';

type Outcome = { kind: 'ok'; status: ReservationStatus } | { kind: 'missing' } | { kind: 'conflict'; detail: string };

/**
 * Commits (the units leave the shelf: on_hand and reserved both drop) or
 * releases (reserved drops) a held reservation. Idempotent; the opposite
 * final state is a conflict. A held reservation past its expiry is released
 * as expired first, so a late commit cannot sell stock the sweeper would free.
 */
export async function settleReservation(
  store: ProductStore,
  id: string,
  command: Settlement,
  context: { correlationId: string },
): Promise<{ reservationId: string; status: ReservationStatus }> {
  // The expiry's release must commit even though the commit is refused: the outcome is thrown after the transaction.
  const outcome = await store.transaction((unit) => settle(unit, id, command, context.correlationId));
  if (outcome.kind === 'missing') throw new AppError('NOT_FOUND', { detail: `No reservation ${id}` });
  if (outcome.kind === 'conflict') throw new AppError('CONFLICT', { detail: outcome.detail });
  return { reservationId: id, status: outcome.status };
}

async function settle(unit: ProductUnit, id: string, command: Settlement, correlationId: string): Promise<Outcome> {
  const reservation = await unit.reservations.load(id, { forUpdate: true });
  if (!reservation) return { kind: 'missing' };
  const decision = decideSettlement(command, reservation, await unit.reservations.now());
  switch (decision.kind) {
    case 'already':
      return { kind: 'ok', status: reservation.status };
    case 'conflict':
      return { kind: 'conflict', detail: decision.detail };
    case 'expire-first':
      await release(unit, reservation, 'expired', correlationId);
      return { kind: 'conflict', detail: 'The reservation expired and its stock was released' };
    case 'apply':
      if (command === 'commit') await commit(unit, reservation, correlationId);
      else await release(unit, reservation, 'requested', correlationId);
      return { kind: 'ok', status: command === 'commit' ? 'committed' : 'released' };
  }
}

async function commit(unit: ProductUnit, reservation: Reservation, correlationId: string): Promise<void> {
  await unit.inventory.lockReservation(reservation.id);
  await unit.inventory.commit(reservation.items);
  await unit.reservations.settle(reservation.id, { status: 'committed' });
  await unit.outbox.append({
    type: 'inventory.committed',
    key: reservation.id,
    correlationId,
    payload: { reservationId: reservation.id, items: reservation.items },
  });
}

/** Releases a held reservation's units; exported for the expiry sweeper. */
export async function release(
  unit: ProductUnit,
  reservation: Reservation,
  reason: ReleaseReason,
  correlationId: string,
): Promise<void> {
  await unit.inventory.lockReservation(reservation.id);
  await unit.inventory.release(reservation.items);
  await unit.reservations.settle(reservation.id, { status: 'released', reason });
  await unit.outbox.append({
    type: 'inventory.released',
    key: reservation.id,
    correlationId,
    payload: { reservationId: reservation.id, reason, items: reservation.items },
  });
}
