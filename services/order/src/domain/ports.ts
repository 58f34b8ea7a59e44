/**
 * What the saga needs from the product and payment services. The adapters
 * speak HTTP; tests use in-memory doubles. Contract for every method: a peer
 * that gave no answer (down, timed out, overloaded) makes it throw an error the
 * caller treats as transient and retries later with the same identifiers; a
 * definite refusal that retrying cannot change throws PeerRejectedError.
 */
export interface ProductInfo {
  id: string;
  name: string;
  priceMinor: number;
  currency: string;
  /** Listed for sale (the product service's availability.available). */
  available: boolean;
}

export interface ReservationLine {
  productId: string;
  sku: string;
  name: string;
  quantity: number;
  unitPriceMinor: number;
  currency: string;
}

export type ReserveOutcome =
  | { kind: 'held'; items: ReservationLine[] }
  | { kind: 'insufficient'; insufficient: Array<{ productId: string; requested: number; available: number }> };

export interface ProductPort {
  /** undefined when the product does not exist. */
  getProduct(productId: string, signal?: AbortSignal): Promise<ProductInfo | undefined>;
  reserve(
    request: { reservationId: string; items: Array<{ productId: string; quantity: number }> },
    signal?: AbortSignal,
  ): Promise<ReserveOutcome>;
  /** 'conflict': the reservation is released (or expired) and can no longer be committed. */
  commit(reservationId: string, signal?: AbortSignal): Promise<'committed' | 'conflict'>;
  /** 'conflict': already committed. A reservation the peer never heard of counts as released. */
  release(reservationId: string, signal?: AbortSignal): Promise<'released' | 'conflict'>;
}

export type ChargeStatus = 'succeeded' | 'declined' | 'failed' | 'pending';

export interface ChargeRequest {
  idempotencyKey: string;
  orderId: string;
  userId: string;
  amountMinor: number;
  currency: string;
  paymentMethod: string;
}

export type ChargeOutcome =
  | { kind: 'settled'; paymentId: string; status: Exclude<ChargeStatus, 'pending'>; declineCode?: string }
  /** Outcome unknown yet (pending, or the same key still in flight at the payment service). */
  | { kind: 'pending'; paymentId: string | null };

export interface RefundRequest {
  idempotencyKey: string;
  paymentId: string;
  amountMinor: number;
}

export type RefundOutcome = { refundId: string; status: 'succeeded' | 'pending' | 'failed' };

export interface PaymentPort {
  /** The same key and body never charge twice; asking again returns the settled result when known. */
  charge(request: ChargeRequest, signal?: AbortSignal): Promise<ChargeOutcome>;
  refund(request: RefundRequest, signal?: AbortSignal): Promise<RefundOutcome>;
  /**
   * False while calls are known to fail without being sent (the circuit to
   * the payment service is open): checkout then refuses at once instead of
   * taking an order it cannot charge. Absent means always available.
   */
  available?(): boolean;
}

/** The peer answered and refused in a way retrying cannot change (4xx other than the expected ones). */
export class PeerRejectedError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  constructor(message: string, status: number, code?: string) {
    super(message);
    this.name = 'PeerRejectedError';
    this.status = status;
    this.code = code;
  }
}
