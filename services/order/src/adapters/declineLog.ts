import type { Queryable } from '@shop/data';
import type { RecentDeclines } from '../domain/declineLimit.ts';
import type { DeclineLog } from '../domain/ports.ts';

/**
 * Declined payments per user and client address (table checkout_declines),
 * shared by every instance. Reads return only what the rule needs: each
 * scope's newest declines within the window, at most its limit of them.
 */
export class SqlDeclineLog implements DeclineLog {
  readonly #db: Queryable;

  constructor(db: Queryable) {
    this.#db = db;
  }

  /** `address` null: the user's declines only. */
  async recent(
    scope: { userId: string; address: string | null },
    since: number,
    limits: { user: number; address: number },
  ): Promise<RecentDeclines> {
    const { rows } = await this.#db.query<{ scope: 'user' | 'address'; declined_at: Date }>(
      `(SELECT 'user' AS scope, declined_at FROM checkout_declines WHERE user_id = $1 AND declined_at > $3 ORDER BY declined_at DESC LIMIT $4)
       UNION ALL
       (SELECT 'address' AS scope, declined_at FROM checkout_declines WHERE $2::text IS NOT NULL AND client_address = $2 AND declined_at > $3 ORDER BY declined_at DESC LIMIT $5)`,
      [scope.userId, scope.address, new Date(since), limits.user, limits.address],
    );
    const of = (s: 'user' | 'address'): number[] =>
      rows.filter((r) => r.scope === s).map((r) => r.declined_at.getTime());
    return scope.address === null ? { user: of('user') } : { user: of('user'), address: of('address') };
  }

  /** In the transaction that records the order's decline; the user and address are the order's own. */
  async record(orderId: string, at: number): Promise<void> {
    await this.#db.query(
      `INSERT INTO checkout_declines (order_id, user_id, client_address, declined_at)
       SELECT id, user_id, client_address, $2 FROM orders WHERE id = $1
       ON CONFLICT (order_id) DO NOTHING`,
      [orderId, new Date(at)],
    );
  }

  /** Declines that have left every window: they can never count again. */
  async purgeBefore(before: number): Promise<number> {
    const { rowCount } = await this.#db.query('DELETE FROM checkout_declines WHERE declined_at <= $1', [
      new Date(before),
    ]);
    return rowCount ?? 0;
  }
}
