// TEST DOUBLES of the product and payment services, for the order service's
// saga tests. They keep state in memory, follow the contracts the real
// services implement (idempotent reservations and charge keys), and can be
// told to fail. They stand in until the lead wires the real services in.
import { randomUUID } from 'node:crypto';
import { AppError } from '@shop/platform';
import type {
  ChargeOutcome,
  ChargeRequest,
  PaymentPort,
  ProductInfo,
  ProductPort,
  RefundOutcome,
  RefundRequest,
  ReserveOutcome,
} from '@shop/order-service';

export interface DoubleProduct {
  id: string;
  sku: string;
  name: string;
  priceMinor: number;
  currency: string;
  stock: number;
  available: boolean;
  /** Committing a reservation holding this product answers 409 (e.g. it expired). */
  commitConflicts?: boolean;
}

type Reservation = { status: 'held' | 'committed' | 'released'; items: Array<{ productId: string; quantity: number }> };

export class ProductServiceDouble implements ProductPort {
  readonly products = new Map<string, DoubleProduct>();
  readonly reservations = new Map<string, Reservation>();
  readonly calls: string[] = [];
  /** While true every call fails as a peer that does not answer. */
  down = false;

  add(partial: Partial<DoubleProduct> = {}): DoubleProduct {
    const id = partial.id ?? randomUUID();
    const product: DoubleProduct = {
      id,
      sku: `SKU-${id.slice(0, 6)}`,
      name: `Product ${id.slice(0, 4)}`,
      priceMinor: 1250,
      currency: 'USD',
      stock: 100,
      available: true,
      ...partial,
    };
    this.products.set(id, product);
    return product;
  }

  #check(call: string): void {
    this.calls.push(call);
    if (this.down) throw new AppError('DEPENDENCY_UNAVAILABLE', { retryAfter: 1, detail: 'product double is down' });
  }

  #held(productId: string): number {
    let n = 0;
    for (const r of this.reservations.values())
      if (r.status !== 'released') for (const i of r.items) if (i.productId === productId) n += i.quantity;
    return n;
  }

  getProduct(productId: string): Promise<ProductInfo | undefined> {
    this.#check(`get:${productId}`);
    const p = this.products.get(productId);
    return Promise.resolve(
      p
        ? { id: p.id, name: p.name, priceMinor: p.priceMinor, currency: p.currency, available: p.available }
        : undefined,
    );
  }

  reserve(request: {
    reservationId: string;
    items: Array<{ productId: string; quantity: number }>;
  }): Promise<ReserveOutcome> {
    this.#check(`reserve:${request.reservationId}`);
    const existing = this.reservations.get(request.reservationId);
    if (!existing) {
      const insufficient = request.items
        .map((i) => ({
          productId: i.productId,
          requested: i.quantity,
          available: Math.max(0, (this.products.get(i.productId)?.stock ?? 0) - this.#held(i.productId)),
        }))
        .filter((x) => x.available < x.requested);
      if (insufficient.length > 0) return Promise.resolve({ kind: 'insufficient', insufficient });
      this.reservations.set(request.reservationId, { status: 'held', items: request.items.map((i) => ({ ...i })) });
    }
    const items = (existing ?? this.reservations.get(request.reservationId)!).items.map((i) => {
      const p = this.products.get(i.productId)!;
      return {
        productId: p.id,
        sku: p.sku,
        name: p.name,
        quantity: i.quantity,
        unitPriceMinor: p.priceMinor,
        currency: p.currency,
      };
    });
    return Promise.resolve({ kind: 'held', items });
  }

  commit(reservationId: string): Promise<'committed' | 'conflict'> {
    this.#check(`commit:${reservationId}`);
    const r = this.reservations.get(reservationId);
    if (!r || r.status === 'released') return Promise.resolve('conflict');
    if (r.items.some((i) => this.products.get(i.productId)?.commitConflicts)) return Promise.resolve('conflict');
    if (r.status === 'held') {
      r.status = 'committed';
      for (const i of r.items) this.products.get(i.productId)!.stock -= i.quantity;
    }
    return Promise.resolve('committed');
  }

  release(reservationId: string): Promise<'released' | 'conflict'> {
    this.#check(`release:${reservationId}`);
    const r = this.reservations.get(reservationId);
    if (!r) return Promise.resolve('released');
    if (r.status === 'committed') return Promise.resolve('conflict');
    r.status = 'released';
    return Promise.resolve('released');
  }
}

/**
 * Behaviour by payment method, so tests sharing one app stay independent:
 * - `pm_card_visa` (and anything unlisted): succeeds
 * - `pm_card_declined`: declined (`card_declined`)
 * - `pm_card_failed`: failed
 * - `pm_pending`: pending until `settle(orderId, status)` is called
 */
export class PaymentServiceDouble implements PaymentPort {
  readonly charges = new Map<
    string,
    { paymentId: string; status: 'succeeded' | 'declined' | 'failed' | 'pending'; request: ChargeRequest }
  >();
  readonly chargeCalls = new Map<string, number>();
  readonly refunds = new Map<string, { refundId: string; paymentId: string; amountMinor: number }>();
  readonly refundCalls = new Map<string, number>();
  readonly #settled = new Map<string, 'succeeded' | 'declined' | 'failed'>();

  /** The pending charge of this order settles: the next ask with its key gets the outcome. */
  settle(orderId: string, status: 'succeeded' | 'declined' | 'failed'): void {
    this.#settled.set(orderId, status);
  }

  charge(request: ChargeRequest): Promise<ChargeOutcome> {
    const key = request.idempotencyKey;
    this.chargeCalls.set(key, (this.chargeCalls.get(key) ?? 0) + 1);
    let charge = this.charges.get(key);
    if (charge && JSON.stringify({ ...charge.request }) !== JSON.stringify({ ...request })) {
      return Promise.reject(new Error('test double: same key with a different body (the real service answers 422)'));
    }
    if (!charge) {
      const status =
        request.paymentMethod === 'pm_card_declined'
          ? 'declined'
          : request.paymentMethod === 'pm_card_failed'
            ? 'failed'
            : request.paymentMethod === 'pm_pending'
              ? 'pending'
              : 'succeeded';
      charge = { paymentId: `pay_${randomUUID()}`, status, request };
      this.charges.set(key, charge);
    }
    if (charge.status === 'pending') {
      const settled = this.#settled.get(request.orderId);
      if (settled) charge.status = settled;
    }
    if (charge.status === 'pending') return Promise.resolve({ kind: 'pending', paymentId: charge.paymentId });
    return Promise.resolve({
      kind: 'settled',
      paymentId: charge.paymentId,
      status: charge.status,
      ...(charge.status === 'declined' ? { declineCode: 'card_declined' } : {}),
    });
  }

  refund(request: RefundRequest): Promise<RefundOutcome> {
    const key = request.idempotencyKey;
    this.refundCalls.set(key, (this.refundCalls.get(key) ?? 0) + 1);
    let refund = this.refunds.get(key);
    if (!refund) {
      refund = { refundId: `re_${randomUUID()}`, paymentId: request.paymentId, amountMinor: request.amountMinor };
      this.refunds.set(key, refund);
    }
    return Promise.resolve({ refundId: refund.refundId, status: 'succeeded' });
  }

  /** Charges that actually took money: succeeded ones per key. */
  succeededCharges(): number {
    return [...this.charges.values()].filter((c) => c.status === 'succeeded').length;
  }
}

/**
 * A payment port standing for an instance that dies mid-call: the request
 * never leaves (nothing recorded) and never returns. `entered` resolves when
 * the saga reached the charge step.
 */
export class CrashingPaymentDouble implements PaymentPort {
  readonly #entered: { resolve: () => void; promise: Promise<void> };

  constructor() {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.#entered = { resolve, promise };
  }

  get entered(): Promise<void> {
    return this.#entered.promise;
  }

  charge(): Promise<ChargeOutcome> {
    this.#entered.resolve();
    return new Promise<never>(() => undefined);
  }

  refund(): Promise<RefundOutcome> {
    return new Promise<never>(() => undefined);
  }
}

/** A payment port that succeeds after `delayMs`; `entered` resolves at the first charge. */
export class SlowPaymentDouble implements PaymentPort {
  calls = 0;
  readonly #delayMs: number;
  readonly #entered: { resolve: () => void; promise: Promise<void> };

  constructor(delayMs: number) {
    this.#delayMs = delayMs;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.#entered = { resolve, promise };
  }

  get entered(): Promise<void> {
    return this.#entered.promise;
  }

  async charge(): Promise<ChargeOutcome> {
    this.calls += 1;
    this.#entered.resolve();
    await new Promise((resolve) => setTimeout(resolve, this.#delayMs));
    return { kind: 'settled', paymentId: 'pay_slow', status: 'succeeded' };
  }

  refund(): Promise<RefundOutcome> {
    return Promise.resolve({ refundId: 're_slow', status: 'succeeded' });
  }
}
