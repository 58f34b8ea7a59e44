import type { EventPayload, ReservationLine } from '@shop/contracts';

/**
 * The order aggregate and its state machine. Every change of status goes
 * through one guarded method; an illegal transition throws, so no use case can
 * move an order somewhere the saga does not allow. Pure: no I/O, no framework.
 *
 *   pending ─► stock_reserved ─► (payment_pending) ─► paid ─► confirmed
 *      │              │                  │              │
 *      │              └──────────────────┴──────────────┴─► cancelling ─► cancelled
 *      ├─► cancelled (nothing was reserved)                     └─────► failed (compensation impossible)
 *      ├─► cancelling (gave up reserving: release whatever may be held)
 *      └─► failed
 */
export const ORDER_STATUSES = [
  'pending',
  'stock_reserved',
  'payment_pending',
  'paid',
  'confirmed',
  'cancelling',
  'cancelled',
  'failed',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const TERMINAL_STATUSES: readonly OrderStatus[] = ['confirmed', 'cancelled', 'failed'];
export const IN_PROGRESS_STATUSES: readonly OrderStatus[] = ORDER_STATUSES.filter(
  (s) => !TERMINAL_STATUSES.includes(s),
);

const allowed: Record<OrderStatus, readonly OrderStatus[]> = {
  pending: ['stock_reserved', 'cancelling', 'cancelled', 'failed'],
  stock_reserved: ['payment_pending', 'paid', 'cancelling'],
  payment_pending: ['paid', 'cancelling'],
  paid: ['confirmed', 'cancelling'],
  cancelling: ['cancelled', 'failed'],
  confirmed: [],
  cancelled: [],
  failed: [],
};

export function isTerminal(status: OrderStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return allowed[from].includes(to);
}

export class IllegalTransitionError extends Error {
  readonly from: OrderStatus;
  readonly to: OrderStatus;
  constructor(from: OrderStatus, to: OrderStatus) {
    super(`An order cannot go from ${from} to ${to}`);
    this.name = 'IllegalTransitionError';
    this.from = from;
    this.to = to;
  }
}

export interface OrderLine {
  productId: string;
  quantity: number;
  sku: string | null;
  name: string | null;
  unitPriceMinor: number | null;
  currency: string | null;
}

/** A line as the reservation priced it (current unit price, re-validated at checkout): the contract's reservation line. */
export type PricedLine = ReservationLine;

export interface OrderState {
  id: string;
  userId: string;
  email: string;
  status: OrderStatus;
  lines: OrderLine[];
  totalMinor: number | null;
  currency: string | null;
  paymentMethod: string;
  paymentId: string | null;
  /** A charge succeeded: cancelling must refund it first. */
  paymentCaptured: boolean;
  refundId: string | null;
  reason: string | null;
  correlationId: string;
}

export const ORDER_EVENT_TYPES = [
  'order.placed',
  'order.stock_reserved',
  'order.payment_pending',
  'order.paid',
  'order.confirmed',
  'order.cancelling',
  'order.cancelled',
  'order.refunded',
  'order.failed',
] as const;
export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];

/** An event the order publishes, its payload as @shop/contracts declares it. */
export type OrderEvent = { [K in OrderEventType]: { type: K; payload: EventPayload<K> } }[OrderEventType];

/** What an event's payload carries besides the order's id, owner and e-mail (added to every one). */
type EventDetail<K extends OrderEventType> = Omit<EventPayload<K>, 'orderId' | 'userId' | 'email'>;

/** One persisted transition: the status history row and the events it publishes. */
export interface OrderChange {
  from: OrderStatus | null;
  to: OrderStatus;
  reason: string | null;
  events: OrderEvent[];
}

export class OrderRuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OrderRuleError';
  }
}

/** Total of priced lines; they must share one currency. */
export function priceLines(lines: readonly PricedLine[]): { totalMinor: number; currency: string } {
  const first = lines[0];
  if (!first) throw new OrderRuleError('An order needs at least one line');
  let total = 0;
  for (const line of lines) {
    if (line.currency !== first.currency) throw new OrderRuleError('The lines of one order must share a currency');
    if (!Number.isSafeInteger(line.unitPriceMinor) || line.unitPriceMinor < 0)
      throw new OrderRuleError('A unit price must be a non-negative integer');
    total += line.unitPriceMinor * line.quantity;
  }
  if (!Number.isSafeInteger(total)) throw new OrderRuleError('The order total is out of range');
  return { totalMinor: total, currency: first.currency };
}

export class Order {
  #state: OrderState;
  #changes: OrderChange[] = [];

  private constructor(state: OrderState) {
    this.#state = state;
  }

  /** A new order from the cart: `pending`, nothing reserved or charged yet. */
  static place(input: {
    id: string;
    userId: string;
    email: string;
    paymentMethod: string;
    correlationId: string;
    lines: ReadonlyArray<{ productId: string; quantity: number }>;
  }): Order {
    if (input.lines.length === 0) throw new OrderRuleError('An order needs at least one line');
    const order = new Order({
      id: input.id,
      userId: input.userId,
      email: input.email,
      status: 'pending',
      lines: input.lines.map((l) => ({
        productId: l.productId,
        quantity: l.quantity,
        sku: null,
        name: null,
        unitPriceMinor: null,
        currency: null,
      })),
      totalMinor: null,
      currency: null,
      paymentMethod: input.paymentMethod,
      paymentId: null,
      paymentCaptured: false,
      refundId: null,
      reason: null,
      correlationId: input.correlationId,
    });
    order.#changes.push({
      from: null,
      to: 'pending',
      reason: null,
      events: [
        order.#event('order.placed', {
          items: order.#state.lines.map((l) => ({ productId: l.productId, quantity: l.quantity })),
        }),
      ],
    });
    return order;
  }

  static rehydrate(state: OrderState): Order {
    return new Order({ ...state, lines: state.lines.map((l) => ({ ...l })) });
  }

  get state(): Readonly<OrderState> {
    return this.#state;
  }

  get status(): OrderStatus {
    return this.#state.status;
  }

  /** The changes since load or the last pull, oldest first; the repository persists them. */
  pullChanges(): OrderChange[] {
    const changes = this.#changes;
    this.#changes = [];
    return changes;
  }

  /** Stock is held; the lines take the prices the reservation quoted. */
  reserveStock(priced: readonly PricedLine[]): void {
    const { totalMinor, currency } = priceLines(priced);
    const byProduct = new Map(priced.map((p) => [p.productId, p]));
    if (
      byProduct.size !== this.#state.lines.length ||
      this.#state.lines.some((l) => byProduct.get(l.productId)?.quantity !== l.quantity)
    ) {
      throw new OrderRuleError('The reservation does not match the order lines');
    }
    this.#move('stock_reserved', null, () => {
      this.#state.lines = this.#state.lines.map((l) => {
        const p = byProduct.get(l.productId)!;
        return { ...l, sku: p.sku, name: p.name, unitPriceMinor: p.unitPriceMinor, currency: p.currency };
      });
      this.#state.totalMinor = totalMinor;
      this.#state.currency = currency;
      return [this.#event('order.stock_reserved', { ...this.#priced(), items: this.#items() })];
    });
  }

  /** The payment's outcome is not known yet; the recovery loop will ask again. */
  awaitPayment(paymentId: string | null): void {
    this.#move('payment_pending', null, () => {
      this.#state.paymentId = paymentId ?? this.#state.paymentId;
      return [this.#event('order.payment_pending', { paymentId: this.#state.paymentId })];
    });
  }

  markPaid(paymentId: string): void {
    this.#move('paid', null, () => {
      this.#state.paymentId = paymentId;
      this.#state.paymentCaptured = true;
      const { totalMinor, currency } = this.#priced();
      return [this.#event('order.paid', { paymentId, amountMinor: totalMinor, currency })];
    });
  }

  confirm(): void {
    this.#move('confirmed', null, () => [this.#event('order.confirmed', { ...this.#priced(), items: this.#items() })]);
  }

  /** Nothing is held anywhere: cancelled at once. */
  cancel(reason: string): void {
    if (this.#state.status !== 'pending') throw new IllegalTransitionError(this.#state.status, 'cancelled');
    this.#move('cancelled', reason, () => [this.#event('order.cancelled', { reason })]);
  }

  /** Compensation starts: refund (if captured) and release, persisted so a crash resumes it. */
  beginCancelling(reason: string): void {
    this.#move('cancelling', reason, () => [this.#event('order.cancelling', { reason })]);
  }

  /** Compensation done: stock released, and the charge refunded if there was one. */
  finishCancelling(refund: { refundId: string } | null): void {
    if (this.#state.status !== 'cancelling') throw new IllegalTransitionError(this.#state.status, 'cancelled');
    if (this.#state.paymentCaptured && !refund)
      throw new OrderRuleError('A captured payment must be refunded before the order is cancelled');
    const reason = this.#state.reason ?? 'cancelled';
    this.#move('cancelled', reason, () => {
      const events: OrderEvent[] = [];
      if (refund) {
        this.#state.refundId = refund.refundId;
        const { totalMinor, currency } = this.#priced();
        events.push(this.#event('order.refunded', { refundId: refund.refundId, amountMinor: totalMinor, currency }));
      }
      events.push(this.#event('order.cancelled', { reason }));
      return events;
    });
  }

  fail(reason: string): void {
    this.#move('failed', reason, () => [
      this.#event('order.failed', { reason, paymentCaptured: this.#state.paymentCaptured }),
    ]);
  }

  #move(to: OrderStatus, reason: string | null, apply: () => OrderEvent[]): void {
    const from = this.#state.status;
    if (!canTransition(from, to)) throw new IllegalTransitionError(from, to);
    this.#state.status = to;
    if (reason !== null) this.#state.reason = reason;
    const events = apply();
    this.#changes.push({ from, to, reason, events });
  }

  /** The priced lines as events carry them; every line is priced once stock is reserved. */
  #items(): EventPayload<'order.confirmed'>['items'] {
    return this.#state.lines.map((l) => {
      if (l.name === null || l.unitPriceMinor === null) throw new OrderRuleError('An order line is not priced yet');
      return { productId: l.productId, name: l.name, quantity: l.quantity, unitPriceMinor: l.unitPriceMinor };
    });
  }

  /** The order's total, known once stock is reserved. */
  #priced(): { totalMinor: number; currency: string } {
    const { totalMinor, currency } = this.#state;
    if (totalMinor === null || currency === null) throw new OrderRuleError('The order is not priced yet');
    return { totalMinor, currency };
  }

  #event<K extends OrderEventType>(type: K, detail: EventDetail<K>): OrderEvent {
    const owner = { orderId: this.#state.id, userId: this.#state.userId, email: this.#state.email };
    return { type, payload: { ...owner, ...detail } } as unknown as OrderEvent;
  }
}

/** An order as stored, with what the store keeps about it. */
export interface StoredOrder {
  state: OrderState;
  /** Insertion sequence: the keyset cursor of a user's order list. */
  seq: number;
  /** Transient failures since the last saved step. */
  attempts: number;
  createdAt: Date;
  updatedAt: Date;
}

/** One row of an order's status history. */
export interface StatusChange {
  from: OrderStatus | null;
  to: OrderStatus;
  reason: string | null;
  at: Date;
}

/** A driver's hold on an order: nobody else drives it until `ms` after the last save. */
export interface Lease {
  owner: string;
  ms: number;
}

/** Another driver moved the order first (the status was not the one we loaded). */
export class ConcurrentChangeError extends Error {
  constructor(orderId: string) {
    super(`Order ${orderId} was changed by another driver`);
    this.name = 'ConcurrentChangeError';
  }
}
