import type { Database, Queryable } from '@shop/data';
import type { CartLine } from '../domain/cart.ts';

/** The cart lines of each user, in the order they were first added. */
export class CartRepository {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async lines(userId: string, client?: Queryable): Promise<CartLine[]> {
    const sql = 'SELECT product_id, quantity FROM cart_items WHERE user_id = $1 ORDER BY added_at, product_id';
    type Row = { product_id: string; quantity: number };
    const { rows } = client ? await client.query<Row>(sql, [userId]) : await this.#db.query<Row>(sql, [userId]);
    return rows.map((r) => ({ productId: r.product_id, quantity: r.quantity }));
  }

  /** Runs `work` with the user's cart locked against concurrent changes (the line cap holds under races). */
  async withLockedCart<T>(userId: string, work: (client: Queryable, lines: CartLine[]) => Promise<T>): Promise<T> {
    return this.#db.transaction(async (client) => {
      await client.query("SELECT pg_advisory_xact_lock(hashtextextended('cart:' || $1, 0))", [userId]);
      return work(client, await this.lines(userId, client));
    });
  }

  async upsert(client: Queryable, userId: string, line: CartLine): Promise<void> {
    await client.query(
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
}
