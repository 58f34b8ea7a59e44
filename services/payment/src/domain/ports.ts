/**
 * The payment service's storage ports (the provider's port is provider.ts).
 * Storage style (the same in every service): repositories are interfaces here,
 * implemented in adapters/ by `Sql*` classes over a `Queryable` (the pool or a
 * transaction's client); PaymentStore.transaction hands the use cases one unit
 * of repositories bound to one transaction, so a state change, its ledger line
 * and its event commit together. Use cases (app/) see only these interfaces;
 * createApp.ts wires the adapters.
 */
import type { EventPayload } from '@shop/contracts';
import type { LedgerEntry, NewLedgerEntry } from './ledger.ts';
import type { NewPayment, PaymentRecord, PaymentStatus } from './payment.ts';
import type { NewRefund, RefundRecord, RefundStatus } from './refund.ts';

/** Which pending rows a reconciler pass may take: older than `afterMs`, nobody's lease live. */
export interface StaleClaim {
  afterMs: number;
  leaseMs: number;
  limit: number;
}

/**
 * What payments and refunds share: attempts under an idempotency key, locked while a request works
 * on one, and leased to the request or reconciler pass that owns a pending one.
 */
export interface LeasedAttempts<R> {
  lockByKey(idempotencyKey: string): Promise<R | null>;
  lockById(id: string): Promise<R | null>;
  takeLease(id: string, leaseMs: number): Promise<void>;
  /** Leases stale pending attempts to the caller (instances share the work). */
  claimStale(claim: StaleClaim): Promise<R[]>;
}

/** Payments, on a transaction (or the pool, outside one). */
export interface PaymentRepository extends LeasedAttempts<PaymentRecord> {
  /** Inserts the pending payment holding a lease; null when the key is taken. */
  insertPending(payment: NewPayment, leaseMs: number): Promise<PaymentRecord | null>;
  get(id: string): Promise<PaymentRecord | null>;
  /** Records a settlement (or, still pending, just gives the lease back). */
  settle(
    id: string,
    change: { status: PaymentStatus; providerRef: string | null; declineCode: string | null },
  ): Promise<PaymentRecord>;
  addRefunded(id: string, deltaMinor: number): Promise<void>;
}

/** Refunds, on a transaction (or the pool, outside one). */
export interface RefundRepository extends LeasedAttempts<RefundRecord> {
  /** Inserts the pending refund holding a lease; null when the key is taken. */
  insertPending(refund: NewRefund, leaseMs: number): Promise<RefundRecord | null>;
  /** The payment a refund belongs to, without locking anything. */
  paymentIdOf(refundId: string): Promise<string | null>;
  settle(id: string, change: { status: RefundStatus; providerRef: string | null }): Promise<RefundRecord>;
}

/** The append-only ledger. */
export interface Ledger {
  append(entry: NewLedgerEntry): Promise<void>;
  forOrder(orderId: string): Promise<LedgerEntry[]>;
}

export type PaymentEventType = 'payment.succeeded' | 'payment.declined' | 'payment.failed' | 'payment.refunded';

/** An event of this service, by its @shop/contracts type; keyed by order id, so one order's events stay in order. */
export interface PaymentEvent<T extends PaymentEventType = PaymentEventType> {
  type: T;
  key: string;
  aggregateId: string;
  correlationId: string;
  payload: EventPayload<T>;
}

/** The transactional outbox: an event exists if and only if its change committed. */
export interface PaymentOutbox {
  append<T extends PaymentEventType>(event: PaymentEvent<T>): Promise<void>;
}

/** The repositories of one transaction. */
export interface PaymentUnit {
  payments: PaymentRepository;
  refunds: RefundRepository;
  ledger: Ledger;
  outbox: PaymentOutbox;
}

/** The service's storage: one transaction at a time, or plain reads and claims on the pool. */
export interface PaymentStore {
  transaction<T>(work: (unit: PaymentUnit) => Promise<T>): Promise<T>;
  payments: Pick<PaymentRepository, 'get' | 'claimStale'>;
  refunds: Pick<RefundRepository, 'claimStale'>;
  ledger: Pick<Ledger, 'forOrder'>;
}
