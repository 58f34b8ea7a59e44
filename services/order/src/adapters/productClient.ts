import type { PeerClient } from '@shop/platform';
import type { ProductInfo, ProductPort, ReservationLine, ReserveOutcome } from '../domain/ports.ts';
import { isRecord, malformed, unexpected } from './peerResponse.ts';

const SERVICE = 'product';

/** The product service over HTTP (its internal inventory API), through the mesh client. */
export function createProductClient(peer: PeerClient, options: { reservationTtlSeconds?: number } = {}): ProductPort {
  return {
    async getProduct(productId, signal) {
      const response = await peer.request({
        method: 'GET',
        path: `/products/${encodeURIComponent(productId)}`,
        signal,
      });
      if (response.status === 404) return undefined;
      if (response.status !== 200) throw unexpected(SERVICE, 'look up a product', response);
      return toProduct(response.body);
    },

    async reserve(request, signal) {
      const response = await peer.request({
        method: 'POST',
        path: '/inventory/reservations',
        body: {
          reservationId: request.reservationId,
          items: request.items,
          ...(options.reservationTtlSeconds ? { ttlSeconds: options.reservationTtlSeconds } : {}),
        },
        // Idempotent on reservationId: safe for the mesh to retry.
        idempotent: true,
        signal,
      });
      if (response.status === 200 || response.status === 201) return toHeld(response.body);
      if (response.status === 422 && isRecord(response.body) && Array.isArray(response.body.insufficient)) {
        return {
          kind: 'insufficient',
          insufficient: response.body.insufficient as Extract<ReserveOutcome, { kind: 'insufficient' }>['insufficient'],
        };
      }
      throw unexpected(SERVICE, 'reserve stock', response);
    },

    async commit(reservationId, signal) {
      const done = await settleReservation(peer, { reservationId, action: 'commit', signal });
      return done ? 'committed' : 'conflict';
    },

    async release(reservationId, signal) {
      const done = await settleReservation(peer, { reservationId, action: 'release', signal });
      return done ? 'released' : 'conflict';
    },
  };
}

/**
 * POST /inventory/reservations/:id/commit or /release (idempotent: the mesh may retry it): true
 * when done, false on 409 (commit: already released or expired; release: already committed). A
 * reservation the product service never heard of (404: the reserve never reached it) counts as
 * released, never as committed.
 */
async function settleReservation(
  peer: PeerClient,
  call: { reservationId: string; action: 'commit' | 'release'; signal: AbortSignal | undefined },
): Promise<boolean> {
  const response = await peer.request({
    method: 'POST',
    path: `/inventory/reservations/${call.reservationId}/${call.action}`,
    idempotent: true,
    signal: call.signal,
  });
  if (response.status === 200 || (response.status === 404 && call.action === 'release')) return true;
  if (response.status === 409) return false;
  throw unexpected(SERVICE, `${call.action} a reservation`, response);
}

function toProduct(body: unknown): ProductInfo {
  if (
    !isRecord(body) ||
    typeof body.id !== 'string' ||
    typeof body.priceMinor !== 'number' ||
    typeof body.currency !== 'string'
  )
    throw malformed(SERVICE, 'a product');
  const availability = isRecord(body.availability) ? body.availability : {};
  return {
    id: body.id,
    name: typeof body.name === 'string' ? body.name : '',
    priceMinor: body.priceMinor,
    currency: body.currency,
    available: availability.available !== false,
  };
}

function toHeld(body: unknown): ReserveOutcome {
  if (!isRecord(body) || !Array.isArray(body.items)) throw malformed(SERVICE, 'a reservation');
  const items: ReservationLine[] = body.items.map((item: unknown) => {
    if (
      !isRecord(item) ||
      typeof item.productId !== 'string' ||
      typeof item.quantity !== 'number' ||
      typeof item.unitPriceMinor !== 'number' ||
      typeof item.currency !== 'string'
    ) {
      throw malformed(SERVICE, 'a reservation');
    }
    return {
      productId: item.productId,
      sku: typeof item.sku === 'string' ? item.sku : '',
      name: typeof item.name === 'string' ? item.name : '',
      quantity: item.quantity,
      unitPriceMinor: item.unitPriceMinor,
      currency: item.currency,
    };
  });
  return { kind: 'held', items };
}
