import type { Database } from '@shop/data';
import type { Envelope } from './envelope.ts';
import type { Delivery, EventHandler } from './bus.ts';

/**
 * The exactly-once effect, for any backend: the event id goes into the
 * consumer's processed_events inbox in the same transaction as the handler's
 * work. A redelivered event finds its id there and changes nothing; a handler
 * that throws rolls the inbox row back with everything else, so the retry runs.
 */
export async function applyOnce(db: Database, event: Envelope, delivery: Delivery, handle: EventHandler): Promise<'applied' | 'duplicate'> {
  return db.transaction(async (tx) => {
    const inserted = await tx.query('INSERT INTO processed_events (event_id) VALUES ($1) ON CONFLICT (event_id) DO NOTHING', [event.id]);
    if (inserted.rowCount === 0) return 'duplicate' as const;
    await handle(event, tx, delivery);
    return 'applied' as const;
  });
}
