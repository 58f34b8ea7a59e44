import { listenForNotifications, type Listener } from '@shop/events';
import type { Cache, Database } from '@shop/data';
import type { Logger } from '@shop/platform';
import type { ProductReader, SearchCache } from '../domain/ports.ts';

/** Migration 004: the outbox's product.* rows notify here with the product id, at commit. */
export const PRODUCT_CHANGES_CHANNEL = 'product_changes';

/**
 * Keeps this instance's product cache honest when another instance changes a
 * product: every product.updated/product.deleted event written to the outbox
 * reaches every instance as a notification on the product's own database,
 * at commit (docs/decisions/0003-read-your-writes.md says why not a consumer
 * group on the event bus).
 *
 * The entry is dropped at once, then again with the primary's position after
 * the change, so a refill from a replica still behind it cannot keep the old
 * row. Notifications sent while the listener was disconnected are lost: on
 * every (re)connect an in-process cache starts empty. (A shared cache was
 * invalidated by the writer itself.)
 */
export function followProductChanges(options: {
  db: Database;
  reader: ProductReader;
  cache: Cache;
  searchCache: SearchCache;
  positionNow: (() => Promise<string>) | undefined;
  logger: Logger;
}): Listener {
  const { reader, logger } = options;
  const onChange = async (id: string): Promise<void> => {
    options.searchCache.clear();
    await reader.invalidate(id);
    if (options.positionNow) await reader.invalidate(id, await options.positionNow());
  };
  return listenForNotifications(
    options.db,
    PRODUCT_CHANGES_CHANNEL,
    (id) => {
      onChange(id).catch((error: unknown) =>
        logger.warn(
          { productId: id, err: error instanceof Error ? error.message : String(error) },
          'product cache invalidation failed',
        ),
      );
    },
    {
      logger,
      onConnected: () => {
        options.searchCache.clear();
        if (options.cache.kind === 'memory') void options.cache.clear();
      },
    },
  );
}
