import type { Database } from '@shop/data';
import { AppError } from '@shop/platform';
import { writeOutbox } from './outbox.ts';

/**
 * Deletes a product and its inventory. Refused while units are reserved: an
 * order saga holding them must be able to commit or release what it holds.
 */
export async function deleteProduct(db: Database, id: string, context: { correlationId: string }): Promise<void> {
  await db.transaction(async (tx) => {
    const { rows } = await tx.query<{ sku: string; reserved: number }>(
      'SELECT p.sku, i.reserved FROM products p JOIN inventory i ON i.sku = p.sku WHERE p.id = $1 FOR UPDATE OF p, i',
      [id],
    );
    const found = rows[0];
    if (!found) throw new AppError('NOT_FOUND', { detail: `No product ${id}` });
    if (found.reserved > 0)
      throw new AppError('CONFLICT', {
        detail: `${found.reserved} units of this product are reserved; release or commit them first`,
      });
    await tx.query('DELETE FROM products WHERE id = $1', [id]);
    await writeOutbox(tx, {
      topic: 'product',
      type: 'product.deleted',
      key: id,
      aggregateId: id,
      correlationId: context.correlationId,
      payload: { productId: id, sku: found.sku },
    });
  });
}
