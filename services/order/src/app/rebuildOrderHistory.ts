import { TOPICS } from '@shop/contracts';
import { OrderHistoryFold, type OrderHistory } from '../domain/orderHistory.ts';
import type { EventReplay } from '../domain/ports.ts';

/**
 * Rebuilds every order's history from the order events alone: the `order`
 * topic replayed from offset 0 up to its head as of the call, outside any
 * consumer group, folded by OrderHistoryFold. Needs nothing of this service's
 * database: what it returns is what the events say.
 */
export async function rebuildOrderHistory(
  bus: EventReplay,
  options: { signal?: AbortSignal } = {},
): Promise<Map<string, OrderHistory>> {
  const fold = new OrderHistoryFold();
  for await (const { event } of bus.replay(TOPICS.order, { fromOffset: 0, signal: options.signal })) fold.apply(event);
  return fold.histories();
}
