// Follows acknowledged checkouts to their end: an order answered 201 or 202
// must reach a terminal state (services/order/src/domain/order.ts:
// TERMINAL_STATUSES), overload or not. Read back through the public API as
// its shopper, GET /orders/:id, in rounds until every one is terminal or the
// time is up.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ShopClient } from '@shop/load';
import type { Placed } from './arrivals.ts';

/** The order service's terminal statuses (confirmed, cancelled, failed): a public contract of GET /orders/:id. */
const TERMINAL = new Set(['confirmed', 'cancelled', 'failed']);
const IN_FLIGHT = 16;

export interface Settlement {
  acknowledged: number;
  /** Terminal orders by status. */
  terminal: Record<string, number>;
  /** Orders still not terminal when the time was up, by their last status read ("unread" if none could be read). */
  open: Record<string, number>;
  /** Seconds from the first read until the last order was terminal (or the time was up). */
  tookSec: number;
}

/** Reads every placed order until each is terminal, for at most `timeoutMs`. */
export async function settle(client: ShopClient, placed: readonly Placed[], timeoutMs: number): Promise<Settlement> {
  const started = Date.now();
  const last = new Map<string, string>();
  let open = [...placed];
  while (open.length > 0 && Date.now() - started < timeoutMs) {
    const stillOpen: Placed[] = [];
    for (let i = 0; i < open.length; i += IN_FLIGHT) {
      const batch = open.slice(i, i + IN_FLIGHT);
      const statuses = await Promise.all(batch.map((p) => statusOf(client, p)));
      batch.forEach((p, k) => {
        if (statuses[k] !== undefined) last.set(p.orderId, statuses[k]);
        if (!TERMINAL.has(statuses[k] ?? '')) stillOpen.push(p);
      });
    }
    open = stillOpen;
    if (open.length > 0) await sleep(1000);
  }
  return {
    acknowledged: placed.length,
    terminal: countBy(placed.filter((p) => !open.includes(p)).map((p) => last.get(p.orderId)!)),
    open: countBy(open.map((p) => last.get(p.orderId) ?? 'unread')),
    tookSec: Math.round((Date.now() - started) / 100) / 10,
  };
}

/** The order's status, or undefined when it could not be read this time (shed, failed). */
async function statusOf(client: ShopClient, placed: Placed): Promise<string | undefined> {
  const answer = await client.call('GET', `/orders/${placed.orderId}`, {
    token: placed.user.token,
    source: placed.user.source,
  });
  const status = (answer.json as { status?: unknown } | undefined)?.status;
  return answer.status === 200 && typeof status === 'string' ? status : undefined;
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}
