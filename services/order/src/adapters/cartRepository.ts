/** The cart_items table (CartRepository): each user's lines, in the order they were first added. */
import type { Queryable } from '@shop/data';
import type { CartLine } from '../domain/cart.ts';
import type { CartRepository } from '../domain/ports.ts';

export class SqlCarts implements CartRepository {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  async lines(userId: string): Promise<CartLine[]> {
    const { rows } = await this.#db.query<{ product_id: string; quantity: number }>(
      'SELECT product_id, quantity FROM cart_items WHERE user_id = $1 ORDER BY added_at, product_id',
      [userId],
    );
    return rows.map((r) => ({ productId: r.product_id, quantity: r.quantity }));
  }

  async lock(userId: string): Promise<void> {
    await this.#db.query("SELECT pg_advisory_xact_lock(hashtextextended('cart:' || $1, 0))", [userId]);
  }

  async upsert(userId: string, line: CartLine): Promise<void> {
    await this.#db.query(
      `INSERT INTO cart_items (user_id, product_id, quantity) VALUES ($1, $2, $3)
       ON CONFLICT (user_id, product_id) DO UPDATE SET quantity = EXCLUDED.quantity, updated_at = now()`,
      [userId, line.productId, line.quantity],
    );
  }

  async remove(userId: string, productId: string): Promise<boolean> {
    const { rowCount } = await this.#db.query('DELETE FROM cart_items WHERE user_id = $1 AND product_id = $2', [
      userId,
      productId,
    ]);
    return rowCount === 1;
  }

  async removeProducts(userId: string, productIds: readonly string[]): Promise<void> {
    await this.#db.query('DELETE FROM cart_items WHERE user_id = $1 AND product_id = ANY($2::uuid[])', [
      userId,
      [...productIds],
    ]);
  }
}
