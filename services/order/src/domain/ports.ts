/**
 * The order service's ports. Storage style (the same in every service):
 * repositories are interfaces here, implemented in adapters/ by `Sql*`
 * classes over a `Queryable` (the pool or a transaction's client);
 * OrderStore.transaction hands the use cases one unit of repositories bound
 * to one transaction, so an order's move, its history row, its events and
 * whatever goes with it (the cart cleared, a decline counted) commit
 * together. Use cases (app/) see only these interfaces; createApp.ts wires
 * the adapters.
 */
import type * as api from '@shop/contracts';
import type { CartLine } from './cart.ts';
import type { RecentDeclines } from './declineLimit.ts';
import type { KeyVerdict } from './idempotency.ts';
import type { HistoryEvent } from './orderHistory.ts';
import type { Lease, Order, OrderStatus, StatusChange, StoredOrder } from './order.ts';

/** The internal APIs' types this service speaks, as @shop/contracts declares them. */
export type {
  ChargeRequest,
  ChargeStatus,
  InsufficientLine,
  RefundRequest,
  RefundStatus,
  RequestedLine,
  ReservationLine,
  ReserveOutcome,
} from '@shop/contracts';

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

export interface ProductPort {
  /** undefined when the product does not exist. */
  getProduct(productId: string, signal?: AbortSignal): Promise<ProductInfo | undefined>;
  reserve(
    request: { reservationId: string; items: api.RequestedLine[] },
    signal?: AbortSignal,
  ): Promise<api.ReserveOutcome>;
  /** 'conflict': the reservation is released (or expired) and can no longer be committed. */
  commit(reservationId: string, signal?: AbortSignal): Promise<'committed' | 'conflict'>;
  /** 'conflict': already committed. A reservation the peer never heard of counts as released. */
  release(reservationId: string, signal?: AbortSignal): Promise<'released' | 'conflict'>;
}

export type ChargeOutcome =
  | { kind: 'settled'; paymentId: string; status: Exclude<api.ChargeStatus, 'pending'>; declineCode?: string }
  /** Outcome unknown yet (pending, or the same key still in flight at the payment service). */
  | { kind: 'pending'; paymentId: string | null };

export type RefundOutcome = { refundId: string; status: api.RefundStatus };

export interface PaymentPort {
  /** The same key and body never charge twice; asking again returns the settled result when known. */
  charge(request: api.ChargeRequest, signal?: AbortSignal): Promise<ChargeOutcome>;
  refund(request: api.RefundRequest, signal?: AbortSignal): Promise<RefundOutcome>;
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

/** Orders, their lines, status history and events. */
export interface OrderRepository {
  /** Inserts a freshly placed order, leased to its first driver, with the client address it came from (null: unknown). */
  insert(order: Order, lease: Lease, clientAddress: string | null): Promise<void>;
  /**
   * Saves the changes made since the order was loaded in `expected`, with their
   * history rows and events; throws ConcurrentChangeError when another driver
   * moved it first. Runs several statements: call it in a transaction.
   */
  save(order: Order, expected: OrderStatus, lease: Lease): Promise<void>;
  /** An order with its lines. */
  load(orderId: string): Promise<StoredOrder | undefined>;
  history(orderId: string): Promise<StatusChange[]>;
  /** A user's orders, newest first, after the keyset cursor `beforeSeq`. */
  listForUser(userId: string, limit: number, beforeSeq: number | undefined): Promise<StoredOrder[]>;
  /** A transient failure: counted, and the order waits out the staleness delay before the next try. */
  recordFailedAttempt(orderId: string): Promise<void>;
  releaseLease(orderId: string, owner: string): Promise<void>;
  /** Leases up to `limit` sagas nobody drives (in progress, untouched for `staleAfterMs`, lease expired) to `owner`. */
  claimStale(owner: string, options: { leaseMs: number; staleAfterMs: number; limit: number }): Promise<string[]>;
}

/** The cart lines of each user, in the order they were first added. */
export interface CartRepository {
  lines(userId: string): Promise<CartLine[]>;
  /** Locks the user's cart until the transaction ends (the line cap holds under races). */
  lock(userId: string): Promise<void>;
  upsert(userId: string, line: CartLine): Promise<void>;
  remove(userId: string, productId: string): Promise<boolean>;
  /** The ordered lines leave the cart; lines added since stay. */
  removeProducts(userId: string, productIds: readonly string[]): Promise<void>;
}

/** Declined payments per user and client address, shared by every instance (the card-testing limit). */
export interface DeclineLog {
  /** Each scope's newest declines since `since`, at most its limit of them; `address` null: the user's only. */
  recent(
    scope: { userId: string; address: string | null },
    since: number,
    limits: { user: number; address: number },
  ): Promise<RecentDeclines>;
  /** Counts the order's decline against its user and address. */
  record(orderId: string, at: number): Promise<void>;
  /** Declines that have left every window. */
  purgeBefore(before: number): Promise<number>;
}

/**
 * Checkout idempotency keys, per user: claimed `in_flight` under a short lock
 * its holder renews, the finished answer stored and replayed until it expires.
 */
export interface IdempotencyKeys {
  begin(userId: string, key: string, fingerprint: string): Promise<KeyVerdict>;
  complete(userId: string, key: string, answer: { status: number; body: unknown }): Promise<void>;
  /** Renews the key's lock while the holder works; call the result when done. */
  hold(userId: string, key: string): () => void;
  /** The request failed before it changed anything: the key is free for a corrected retry. */
  abandon(userId: string, key: string): Promise<void>;
  /** Something broke after the order existed: the next retry takes over at once. */
  unlock(userId: string, key: string): Promise<void>;
  purgeExpired(): Promise<number>;
}

/** The part of the keys that moves with an order's creation. */
export interface KeyAttachment {
  /** Ties the key to the order it created. */
  attachOrder(userId: string, key: string, orderId: string): Promise<void>;
}

/** The repositories of one transaction. */
export interface OrderUnit {
  orders: OrderRepository;
  carts: CartRepository;
  declines: DeclineLog;
  keys: KeyAttachment;
}

/** The service's storage: one transaction at a time, or single statements on the pool. */
export interface OrderStore {
  transaction<T>(work: (unit: OrderUnit) => Promise<T>): Promise<T>;
  orders: OrderRepository;
  carts: CartRepository;
  declines: DeclineLog;
}

/** A topic read from the start up to its head, outside any consumer group (an EventBus fits). */
export interface EventReplay {
  replay(
    topic: string,
    options?: { fromOffset?: number; signal?: AbortSignal },
  ): AsyncIterable<{ event: HistoryEvent }>;
}
