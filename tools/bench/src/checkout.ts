// Checkout at a steady arrival rate through the load balancer: each arrival is
// one shopper putting a product in the cart and checking out (two requests),
// on the open-loop schedule of `npm run load`, so a slow checkout shows as
// latency rather than as fewer checkouts.
import { randomUUID } from 'node:crypto';
import { openLoop, percentile, prepareShoppers, seeded, ShopClient, Stats, type VirtualUser } from '@shop/load';
import { cpuBetween, cpuSnapshot, sampleMemory, type ProcessSet } from './processes.ts';

export interface CheckoutOptions {
  baseUrl: string;
  processes: ProcessSet;
  rate: number;
  warmupSec: number;
  durationSec: number;
  shoppers: number;
  log?: (line: string) => void;
  /** Runs just before the open loop (warm-up included) starts: shoppers and the one-in-flight phase are done. */
  beforeLoad?: () => Promise<void>;
}

export interface CheckoutResult {
  rate: number;
  durationSec: number;
  shoppers: number;
  /** Seconds spent signing up and logging in the shoppers (before any timing). */
  prepareSec: number;
  /** Checkouts offered in the measured window (after the warm-up). */
  offered: number;
  /** Checkouts sent by the open loop, warm-up included (what per-checkout counts taken over the whole loop divide by). */
  sent: number;
  /** POST /orders alone, from when it was sent: the figure the target is about. */
  checkoutMs: { p50: number; p90: number; p99: number; max: number };
  /** The same, orders placed only (201/202): a fast refusal does not flatter the figure. */
  placedMs: { p50: number; p99: number };
  /** POST /orders with one checkout in flight (sequential, before the open loop): the path's own latency, no queueing. */
  singleMs: { p50: number; p99: number; statuses: Record<string, number> };
  /** Cart add + checkout, from the scheduled arrival (includes any wait in the generator). */
  arrivalToDoneMs: { p50: number; p99: number };
  /** Checkout answers by status ("transport" for no answer); "no free shopper" when every shopper was busy. */
  outcomes: Record<string, number>;
  cartOutcomes: Record<string, number>;
  cpuCores: number;
  cpuByRole: Record<string, number>;
  peakMemoryMiB: number;
}

/** Stats that remember the last arrival's scheduled time, so a checkout is timed from its schedule, not from when the loop got to it. */
class ScheduledStats extends Stats {
  lastOffered = 0;
  override offered(at: number): void {
    this.lastOffered = at;
    super.offered(at);
  }
}

function count(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

/**
 * Products are drawn uniformly from the first 1,000 for sale, so stock runs
 * out nowhere in a run: the figure is the checkout path, not a sold-out item
 * (hot items are `npm run load`'s Zipf mix). A shopper has one checkout in
 * flight at a time; when all are busy the arrival is counted, not sent.
 */
export async function runCheckout(options: CheckoutOptions): Promise<CheckoutResult> {
  const client = new ShopClient(options.baseUrl);
  try {
    const started = performance.now();
    const users = (await prepareShoppers(client, randomUUID().slice(0, 8), options.shoppers, 4)).filter((u) => u.token);
    const prepareSec = Math.round((performance.now() - started) / 100) / 10;
    if (users.length === 0) throw new Error('no shopper could sign up and log in');
    const productIds = await client.productIds(1000);
    if (productIds.length === 0) throw new Error('the catalogue is empty');
    options.log?.(`${users.length} shoppers ready in ${prepareSec} s, ${productIds.length} products`);
    const random = seeded(7);
    const pick = (): string => productIds[Math.floor(random() * productIds.length)]!;

    // One in flight first: what a checkout costs when nothing queues.
    const single: number[] = [];
    const singleStatuses: Record<string, number> = {};
    for (let i = 0; i < Math.min(50, users.length * 2); i++) {
      const user = users[i % users.length]!;
      await client.call('PUT', `/orders/cart/items/${pick()}`, { token: user.token, body: { quantity: 1 } });
      const sent = performance.now();
      const result = await client.call('POST', '/orders', {
        token: user.token,
        body: {},
        headers: { 'idempotency-key': randomUUID() },
      });
      single.push(performance.now() - sent);
      count(singleStatuses, result.status === undefined ? 'transport' : String(result.status));
    }
    options.log?.(
      `one checkout in flight: p50 ${percentile(single, 50).toFixed(1)} ms, p99 ${percentile(single, 99).toFixed(1)} ms ${JSON.stringify(singleStatuses)}`,
    );

    const free: VirtualUser[] = [...users];
    const measuredFrom = performance.now() + options.warmupSec * 1000;
    const checkoutLatencies: number[] = [];
    const placedLatencies: number[] = [];
    const endToEnd: number[] = [];
    const outcomes: Record<string, number> = {};
    const cartOutcomes: Record<string, number> = {};
    let offered = 0;
    let sent = 0;

    const checkout = async (scheduled: number): Promise<number | undefined> => {
      const measured = scheduled >= measuredFrom;
      if (measured) offered += 1;
      const user = free.pop();
      if (!user) {
        if (measured) count(outcomes, 'no free shopper');
        return undefined;
      }
      try {
        const cart = await client.call('PUT', `/orders/cart/items/${pick()}`, {
          token: user.token,
          body: { quantity: 1 },
        });
        const postedAt = performance.now();
        sent += 1;
        const result = await client.call('POST', '/orders', {
          token: user.token,
          body: {},
          headers: { 'idempotency-key': randomUUID() },
        });
        const done = performance.now();
        if (measured) {
          count(cartOutcomes, cart.status === undefined ? 'transport' : String(cart.status));
          count(outcomes, result.status === undefined ? 'transport' : String(result.status));
          checkoutLatencies.push(done - postedAt);
          if (result.status === 201 || result.status === 202) placedLatencies.push(done - postedAt);
          endToEnd.push(done - scheduled);
        }
        return result.status;
      } finally {
        free.unshift(user);
      }
    };

    await options.beforeLoad?.();
    const memory = sampleMemory(options.processes);
    let before: Awaited<ReturnType<typeof cpuSnapshot>> | undefined;
    const warmup = setTimeout(
      () => void cpuSnapshot(options.processes).then((s) => (before = s)),
      options.warmupSec * 1000,
    );
    const stats = new ScheduledStats(performance.now());
    await openLoop({
      stats,
      seconds: options.warmupSec + options.durationSec,
      rateAt: () => options.rate,
      next: () => {
        const scheduled = stats.lastOffered;
        return { kind: 'checkout', send: () => checkout(scheduled) };
      },
      maxInflight: 4000,
    });
    clearTimeout(warmup);
    const after = await cpuSnapshot(options.processes);
    const cpu = before ? cpuBetween(before, after, options.processes) : { cores: 0, byRole: {} };
    const peakMemoryMiB = await memory.stop();
    const r = (n: number): number => Math.round(n * 10) / 10;
    return {
      rate: options.rate,
      durationSec: options.durationSec,
      shoppers: users.length,
      prepareSec,
      offered,
      sent,
      checkoutMs: {
        p50: r(percentile(checkoutLatencies, 50)),
        p90: r(percentile(checkoutLatencies, 90)),
        p99: r(percentile(checkoutLatencies, 99)),
        max: r(percentile(checkoutLatencies, 100)),
      },
      placedMs: { p50: r(percentile(placedLatencies, 50)), p99: r(percentile(placedLatencies, 99)) },
      singleMs: { p50: r(percentile(single, 50)), p99: r(percentile(single, 99)), statuses: singleStatuses },
      arrivalToDoneMs: { p50: r(percentile(endToEnd, 50)), p99: r(percentile(endToEnd, 99)) },
      outcomes,
      cartOutcomes,
      cpuCores: cpu.cores,
      cpuByRole: cpu.byRole,
      peakMemoryMiB,
    };
  } finally {
    await client.close();
  }
}
