/**
 * The orders, order_items and order_events tables (OrderRepository). Every
 * change is saved with its status-history row and its outbox events, and only
 * if the order is still in the status it was loaded in (optimistic
 * concurrency between drivers).
 */
import { claimStale, type Queryable } from '@shop/data';
import type { TransactionOutbox } from '@shop/events';
import {
  ConcurrentChangeError,
  IN_PROGRESS_STATUSES,
  type Lease,
  type Order,
  type OrderChange,
  type OrderLine,
  type OrderState,
  type OrderStatus,
  type StatusChange,
  type StoredOrder,
} from '../domain/order.ts';
import type { OrderRepository } from '../domain/ports.ts';
import { outbox } from './outbox.ts';

interface OrderRow {
  id: string;
  seq: string;
  user_id: string;
  email: string;
  status: OrderStatus;
  total_minor: string | null;
  currency: string | null;
  payment_method: string;
  payment_id: string | null;
  payment_captured: boolean;
  refund_id: string | null;
  reason: string | null;
  correlation_id: string;
  attempts: number;
  created_at: Date;
  updated_at: Date;
}

interface ItemRow {
  order_id: string;
  product_id: string;
  quantity: number;
  sku: string | null;
  name: string | null;
  unit_price_minor: string | null;
  currency: string | null;
}

/** An order joined with one of its lines (none: the line columns are null). */
interface OrderWithLineRow extends OrderRow {
  item_product_id: string | null;
  item_quantity: number;
  item_sku: string | null;
  item_name: string | null;
  item_unit_price_minor: string | null;
  item_currency: string | null;
}

const ORDER_COLUMNS =
  'id, seq, user_id, email, status, total_minor, currency, payment_method, payment_id, payment_captured, refund_id, reason, correlation_id, attempts, created_at, updated_at';
const ORDER_COLUMNS_OF_O = ORDER_COLUMNS.split(', ')
  .map((c) => `o.${c}`)
  .join(', ');

function toLine(row: ItemRow): OrderLine {
  return {
    productId: row.product_id,
    quantity: row.quantity,
    sku: row.sku,
    name: row.name,
    unitPriceMinor: row.unit_price_minor === null ? null : Number(row.unit_price_minor),
    currency: row.currency?.trim() ?? null,
  };
}

function toStored(row: OrderRow, items: ItemRow[]): StoredOrder {
  return {
    state: {
      id: row.id,
      userId: row.user_id,
      email: row.email,
      status: row.status,
      lines: items.filter((i) => i.order_id === row.id).map(toLine),
      totalMinor: row.total_minor === null ? null : Number(row.total_minor),
      currency: row.currency?.trim() ?? null,
      paymentMethod: row.payment_method,
      paymentId: row.payment_id,
      paymentCaptured: row.payment_captured,
      refundId: row.refund_id,
      reason: row.reason,
      correlationId: row.correlation_id,
    },
    seq: Number(row.seq),
    attempts: row.attempts,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export class SqlOrders implements OrderRepository {
  readonly #db: Queryable;
  /** The order events, written on the same connection as the change they describe. */
  readonly #events: TransactionOutbox;

  constructor(db: Queryable) {
    this.#db = db;
    this.#events = outbox.on(db);
  }

  async insert(order: Order, lease: Lease, clientAddress: string | null): Promise<void> {
    const s = order.state;
    await this.#db.query(
      `INSERT INTO orders (id, user_id, email, status, payment_method, correlation_id, lease_owner, lease_until, client_address)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(secs => $8::double precision / 1000), $9)`,
      [s.id, s.userId, s.email, s.status, s.paymentMethod, s.correlationId, lease.owner, lease.ms, clientAddress],
    );
    for (const line of s.lines) {
      await this.#db.query('INSERT INTO order_items (order_id, product_id, quantity) VALUES ($1, $2, $3)', [
        s.id,
        line.productId,
        line.quantity,
      ]);
    }
    await this.#record(s, order.pullChanges());
  }

  async save(order: Order, expected: OrderStatus, lease: Lease): Promise<void> {
    const changes = order.pullChanges();
    if (changes.length === 0) return;
    const s = order.state;
    const { rowCount } = await this.#db.query(
      `UPDATE orders SET status = $3, total_minor = $4, currency = $5, payment_id = $6, payment_captured = $7, refund_id = $8, reason = $9,
         attempts = 0, updated_at = now(), lease_owner = $10, lease_until = now() + make_interval(secs => $11::double precision / 1000)
       WHERE id = $1 AND status = $2`,
      [
        s.id,
        expected,
        s.status,
        s.totalMinor,
        s.currency,
        s.paymentId,
        s.paymentCaptured,
        s.refundId,
        s.reason,
        lease.owner,
        lease.ms,
      ],
    );
    if (rowCount !== 1) throw new ConcurrentChangeError(s.id);
    if (changes.some((c) => c.to === 'stock_reserved')) {
      for (const line of s.lines) {
        await this.#db.query(
          'UPDATE order_items SET sku = $3, name = $4, unit_price_minor = $5, currency = $6 WHERE order_id = $1 AND product_id = $2',
          [s.id, line.productId, line.sku, line.name, line.unitPriceMinor, line.currency],
        );
      }
    }
    await this.#record(s, changes);
  }

  async #record(s: Readonly<OrderState>, changes: OrderChange[]): Promise<void> {
    for (const change of changes) {
      await this.#db.query(
        'INSERT INTO order_events (order_id, from_status, to_status, reason) VALUES ($1, $2, $3, $4)',
        [s.id, change.from, change.to, change.reason],
      );
      for (const event of change.events) {
        await this.#events.append({
          ...event,
          key: s.id,
          aggregateId: s.id,
          correlationId: s.correlationId,
        });
      }
    }
  }

  /** An order with its lines, in one round trip: a row per line, the order's columns on each. */
  async load(orderId: string): Promise<StoredOrder | undefined> {
    const { rows } = await this.#db.query<OrderWithLineRow>(
      `SELECT ${ORDER_COLUMNS_OF_O}, i.product_id AS item_product_id, i.quantity AS item_quantity, i.sku AS item_sku, i.name AS item_name,
              i.unit_price_minor AS item_unit_price_minor, i.currency AS item_currency
       FROM orders o LEFT JOIN order_items i ON i.order_id = o.id
       WHERE o.id = $1 ORDER BY i.product_id`,
      [orderId],
    );
    const row = rows[0];
    if (!row) return undefined;
    const items: ItemRow[] = [];
    for (const r of rows) {
      if (r.item_product_id !== null)
        items.push({
          order_id: r.id,
          product_id: r.item_product_id,
          quantity: r.item_quantity,
          sku: r.item_sku,
          name: r.item_name,
          unit_price_minor: r.item_unit_price_minor,
          currency: r.item_currency,
        });
    }
    return toStored(row, items);
  }

  async history(orderId: string): Promise<StatusChange[]> {
    const { rows } = await this.#db.query<{
      from_status: OrderStatus | null;
      to_status: OrderStatus;
      reason: string | null;
      occurred_at: Date;
    }>('SELECT from_status, to_status, reason, occurred_at FROM order_events WHERE order_id = $1 ORDER BY id', [
      orderId,
    ]);
    return rows.map((r) => ({ from: r.from_status, to: r.to_status, reason: r.reason, at: r.occurred_at }));
  }

  /** A user's orders, newest first, after the keyset cursor `beforeSeq`. */
  async listForUser(userId: string, limit: number, beforeSeq: number | undefined): Promise<StoredOrder[]> {
    const { rows } = await this.#db.query<OrderRow>(
      `SELECT ${ORDER_COLUMNS} FROM orders WHERE user_id = $1 AND ($2::bigint IS NULL OR seq < $2) ORDER BY seq DESC LIMIT $3`,
      [userId, beforeSeq ?? null, limit],
    );
    if (rows.length === 0) return [];
    const items = await this.#db.query<ItemRow>(
      'SELECT * FROM order_items WHERE order_id = ANY($1::uuid[]) ORDER BY product_id',
      [rows.map((r) => r.id)],
    );
    return rows.map((r) => toStored(r, items.rows));
  }

  /** A transient failure: counted, and the order waits out the staleness delay before the next try. */
  async recordFailedAttempt(orderId: string): Promise<void> {
    await this.#db.query('UPDATE orders SET attempts = attempts + 1, updated_at = now() WHERE id = $1', [orderId]);
  }

  async releaseLease(orderId: string, owner: string): Promise<void> {
    await this.#db.query(
      'UPDATE orders SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2',
      [orderId, owner],
    );
  }

  async claimStale(
    owner: string,
    options: { leaseMs: number; staleAfterMs: number; limit: number },
  ): Promise<string[]> {
    const rows = await claimStale<{ id: string }>(this.#db, {
      table: 'orders',
      where: { status: [...IN_PROGRESS_STATUSES] },
      touchedColumn: 'updated_at',
      leaseColumn: 'lease_until',
      staleAfterMs: options.staleAfterMs,
      leaseMs: options.leaseMs,
      limit: options.limit,
      set: { lease_owner: owner },
      returning: 'id',
    });
    return rows.map((r) => r.id);
  }
}
