/**
 * This service's outbox: the order events are written with the change they
 * describe, on its transaction; the relay (relayOutboxToLog, createApp.ts)
 * moves them to the bus, topic `order` keyed by order id.
 */
import { createOutbox } from '@shop/events';

/** The name this service writes into every event envelope. */
export const PRODUCER = 'order-service';

export const outbox = createOutbox(PRODUCER);
