import { AppError, type ServiceApp } from '@shop/platform';
import { reserveStock } from '../app/reserveStock.ts';
import { settleReservation } from '../app/settleReservation.ts';
import type { ProductStore } from '../domain/ports.ts';
import { duplicateProduct, type Reservation } from '../domain/reservation.ts';
import { IdParams, ReserveBody } from './schemas.ts';

export interface InventoryRouteDeps {
  store: ProductStore;
  defaultTtlSeconds: number;
}

/** Under mTLS only the order service (the checkout saga) may hold or settle stock. */
const internal = { callers: ['order'] };

function view(reservation: Reservation): Record<string, unknown> {
  return {
    reservationId: reservation.id,
    status: reservation.status,
    ...(reservation.releaseReason ? { releaseReason: reservation.releaseReason } : {}),
    expiresAt: reservation.expiresAt.toISOString(),
    items: reservation.items,
  };
}

/** The internal inventory API the order saga drives: reserve, commit, release (all idempotent). */
export function registerInventoryRoutes(app: ServiceApp, deps: InventoryRouteDeps): void {
  app.post('/inventory/reservations', { config: internal, schema: { body: ReserveBody } }, async (request, reply) => {
    const items = request.body.items.map((item) => ({
      productId: item.productId.toLowerCase(),
      quantity: item.quantity,
    }));
    const duplicate = duplicateProduct(items);
    if (duplicate)
      throw new AppError('VALIDATION_FAILED', {
        detail: `body/items names product ${duplicate} twice`,
        errors: [{ field: 'body/items', message: `names product ${duplicate} twice` }],
      });
    const { created, reservation } = await reserveStock(deps.store, {
      reservationId: request.body.reservationId.toLowerCase(),
      items,
      ttlSeconds: request.body.ttlSeconds ?? deps.defaultTtlSeconds,
    });
    return reply.status(created ? 201 : 200).send(view(reservation));
  });

  app.get('/inventory/reservations/:id', { config: internal, schema: { params: IdParams } }, async (request) => {
    const reservation = await deps.store.reservations.load(request.params.id.toLowerCase());
    if (!reservation) throw new AppError('NOT_FOUND', { detail: `No reservation ${request.params.id}` });
    return view(reservation);
  });

  app.post('/inventory/reservations/:id/commit', { config: internal, schema: { params: IdParams } }, async (request) =>
    settleReservation(deps.store, request.params.id.toLowerCase(), 'commit', { correlationId: request.id }),
  );

  app.post('/inventory/reservations/:id/release', { config: internal, schema: { params: IdParams } }, async (request) =>
    settleReservation(deps.store, request.params.id.toLowerCase(), 'release', { correlationId: request.id }),
  );
}
