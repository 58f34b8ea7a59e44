import type { Queryable } from '@shop/data';
import type { InventoryRepository, SkuQuantity, Stock, StockedProduct } from '../domain/ports.ts';

type StockRow = { on_hand: number; reserved: number };

const toStock = (row: StockRow): Stock => ({ onHand: row.on_hand, reserved: row.reserved });

const arrays = (lines: readonly SkuQuantity[]): [string[], number[]] => [
  lines.map((l) => l.sku),
  lines.map((l) => l.quantity),
];

/**
 * The inventory table, on the caller's transaction. Every UPDATE repeats its
 * guard, and the table's CHECK (reserved <= on_hand) is the last line of defence.
 */
export class SqlInventory implements InventoryRepository {
  readonly #tx: Queryable;

  constructor(tx: Queryable) {
    this.#tx = tx;
  }

  async create(sku: string, onHand: number): Promise<void> {
    await this.#tx.query('INSERT INTO inventory (sku, on_hand) VALUES ($1, $2)', [sku, onHand]);
  }

  async stockOf(sku: string): Promise<Stock> {
    const { rows } = await this.#tx.query<StockRow>('SELECT on_hand, reserved FROM inventory WHERE sku = $1', [sku]);
    return rows[0] ? toStock(rows[0]) : { onHand: 0, reserved: 0 };
  }

  async setOnHand(sku: string, onHand: number): Promise<Stock | undefined> {
    const { rows } = await this.#tx.query<StockRow>(
      'UPDATE inventory SET on_hand = $2 WHERE sku = $1 AND reserved <= $2 RETURNING on_hand, reserved',
      [sku, onHand],
    );
    return rows[0] && toStock(rows[0]);
  }

  async lockProducts(productIds: readonly string[]): Promise<Map<string, StockedProduct>> {
    const { rows } = await this.#tx.query<StockRow & { id: string; sku: string; name: string }>(
      `SELECT p.id, p.sku, p.name, i.on_hand, i.reserved
       FROM products p JOIN inventory i ON i.sku = p.sku
       WHERE p.id = ANY($1::uuid[]) ORDER BY p.id FOR UPDATE OF i`,
      [productIds],
    );
    return new Map(rows.map((r) => [r.id, { id: r.id, sku: r.sku, name: r.name, ...toStock(r) }]));
  }

  async reserve(lines: readonly SkuQuantity[]): Promise<number> {
    const { rowCount } = await this.#tx.query(
      `UPDATE inventory i SET reserved = i.reserved + r.q
       FROM unnest($1::text[], $2::int[]) AS r(sku, q)
       WHERE i.sku = r.sku AND i.on_hand - i.reserved >= r.q`,
      arrays(lines),
    );
    return rowCount ?? 0;
  }

  async lockReservation(reservationId: string): Promise<void> {
    await this.#tx.query(
      `SELECT i.sku FROM inventory i JOIN reservation_items ri ON ri.sku = i.sku
       WHERE ri.reservation_id = $1 ORDER BY ri.product_id FOR UPDATE OF i`,
      [reservationId],
    );
  }

  async commit(lines: readonly SkuQuantity[]): Promise<void> {
    await this.#tx.query(
      `UPDATE inventory i SET on_hand = i.on_hand - r.q, reserved = i.reserved - r.q
       FROM unnest($1::text[], $2::int[]) AS r(sku, q) WHERE i.sku = r.sku AND i.reserved >= r.q`,
      arrays(lines),
    );
  }

  async release(lines: readonly SkuQuantity[]): Promise<void> {
    await this.#tx.query(
      `UPDATE inventory i SET reserved = i.reserved - r.q
       FROM unnest($1::text[], $2::int[]) AS r(sku, q) WHERE i.sku = r.sku AND i.reserved >= r.q`,
      arrays(lines),
    );
  }
}
