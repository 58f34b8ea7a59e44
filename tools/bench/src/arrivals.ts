// The shoppers of the overload scenarios: the day mix through the load
// balancer on the open loop of `npm run load`, each arrival kept with when it
// was due, its latency and what its answer counts as; each checkout the shop
// acknowledged (201 or 202) kept too, to follow it to its end.
import { classify, labelOf, openLoop, prepareShoppers, PROFILES, seeded, ShopClient, ShopMix, Stats } from '@shop/load';
import type { VirtualUser } from '@shop/load';
import type { Arrival } from './seconds.ts';

/** Loopback addresses the shoppers send from (as `npm run load` does by default on Linux): many clients, not one. */
export const SOURCES = 128;
/** Past this many in flight an arrival is not sent and counts as failed: far above what these rates need. */
const MAX_IN_FLIGHT = 20_000;

/** Shoppers signed up and logged in, with the catalogue they shop from: what a run (or a later cold start) needs. */
export interface Crowd {
  users: VirtualUser[];
  productIds: string[];
}

/** A checkout the shop acknowledged, and whose it is (to read it back). */
export interface Placed {
  orderId: string;
  user: VirtualUser;
  /** Seconds from the run's start to when it was due. */
  at: number;
}

export interface Offered {
  arrivals: Arrival[];
  placed: Placed[];
}

export function shopClient(lbUrl: string): ShopClient {
  return new ShopClient(lbUrl, MAX_IN_FLIGHT, SOURCES);
}

/** Signs up and logs in `count` shoppers (each on its own address while there are enough) and reads the catalogue. */
export async function prepareCrowd(client: ShopClient, run: string, count: number): Promise<Crowd> {
  const users = await prepareShoppers(client, run, count);
  if (users.every((u) => !u.token)) throw new Error('no shopper could log in');
  const productIds = await client.productIds(1000);
  if (productIds.length === 0) throw new Error('the catalogue is empty');
  return { users: users.filter((u) => u.token), productIds };
}

export function dayMix(client: ShopClient, crowd: Crowd, seed: number): ShopMix {
  return new ShopMix({ client, ...crowd, random: seeded(seed), profile: PROFILES.day! });
}

/** Offers the mix at `rate` per second for `seconds`; resolves when every arrival has its answer. */
export async function offer(mix: ShopMix, rate: number, seconds: number): Promise<Offered> {
  const start = performance.now();
  const stats = new Stats(start);
  const offered: Offered = { arrivals: [], placed: [] };
  await openLoop({
    stats,
    seconds,
    rateAt: () => rate,
    maxInflight: MAX_IN_FLIGHT,
    next: (scheduledAt) => {
      const request = mix.next();
      const at = (scheduledAt - start) / 1000;
      return {
        kind: request.kind,
        send: async () => {
          const answer = await request.answer();
          const kind = classify(answer);
          offered.arrivals.push({ at, ms: performance.now() - scheduledAt, class: kind, label: labelOf(answer) });
          const orderId = (answer.json as { id?: unknown } | undefined)?.id;
          if (
            request.kind === 'checkout' &&
            (answer.status === 201 || answer.status === 202) &&
            typeof orderId === 'string'
          )
            offered.placed.push({ orderId, user: request.user, at });
          return answer.status;
        },
      };
    },
  });
  for (const bucket of stats.buckets)
    for (let i = 0; i < bucket.dropped; i++)
      offered.arrivals.push({ at: bucket.second, ms: 0, class: 'failed', label: 'dropped by the generator' });
  return offered;
}
