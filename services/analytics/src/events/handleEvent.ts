import type { EventHandler } from '@shop/events';
import { SqlFigureWriter } from '../adapters/figureWriter.ts';
import { recordOrderFact } from '../app/recordOrderFact.ts';
import { orderFactOf } from './orderFacts.ts';

export const CONSUMER_GROUP = 'analytics';
export const SUBSCRIBED_TOPICS = ['order'] as const;

/**
 * The analytics group's handler for the 'order' topic. Runs in the consumer's
 * transaction together with the inbox insert: an event's figures change once
 * per event id, however often it is delivered. Types that carry no figure
 * (stock_reserved, paid, cancelled...) are skipped; a malformed payload throws
 * and is dead-lettered after the retries.
 */
export const handleEvent: EventHandler = async (event, tx) => {
  const fact = orderFactOf(event);
  if (fact) await recordOrderFact(new SqlFigureWriter(tx), fact);
};
