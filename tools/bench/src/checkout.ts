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

const label = (status: number | undefined): string => (status === undefined ? 'transport' : String(status));
const round1 = (n: number): number => Math.round(n * 10) / 10;

/** Shoppers signed up and logged in, and the products they buy from. */
interface Shop {
  client: ShopClient;
  users: VirtualUser[];
  /** A product drawn uniformly (seeded) from the first 1,000 for sale. */
  pick: () => string;
  prepareSec: number;
}

/** What the open loop saw: `sent` over the whole loop (warm-up included), the rest over the measured window only. */
interface Tally {
  offered: number;
  sent: number;
  checkoutMs: number[];
  placedMs: number[];
  arrivalToDoneMs: number[];
  outcomes: Record<string, number>;
  cartOutcomes: Record<string, number>;
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
    const shop = await prepareShop(client, options);
    const single = await oneInFlight(shop, options.log);
    const tally: Tally = {
      offered: 0,
      sent: 0,
      checkoutMs: [],
      placedMs: [],
      arrivalToDoneMs: [],
      outcomes: {},
      cartOutcomes: {},
    };
    await options.beforeLoad?.();
    const usage = await openLoopOfCheckouts(shop, options, tally);
    return {
      rate: options.rate,
      durationSec: options.durationSec,
      shoppers: shop.users.length,
      prepareSec: shop.prepareSec,
      offered: tally.offered,
      sent: tally.sent,
      checkoutMs: {
        p50: round1(percentile(tally.checkoutMs, 50)),
        p90: round1(percentile(tally.checkoutMs, 90)),
        p99: round1(percentile(tally.checkoutMs, 99)),
        max: round1(percentile(tally.checkoutMs, 100)),
      },
      placedMs: { p50: round1(percentile(tally.placedMs, 50)), p99: round1(percentile(tally.placedMs, 99)) },
      singleMs: single,
      arrivalToDoneMs: {
        p50: round1(percentile(tally.arrivalToDoneMs, 50)),
        p99: round1(percentile(tally.arrivalToDoneMs, 99)),
      },
      outcomes: tally.outcomes,
      cartOutcomes: tally.cartOutcomes,
      ...usage,
    };
  } finally {
    await client.close();
  }
}

async function prepareShop(client: ShopClient, options: CheckoutOptions): Promise<Shop> {
  const started = performance.now();
  const users = (await prepareShoppers(client, randomUUID().slice(0, 8), options.shoppers, 4)).filter((u) => u.token);
  const prepareSec = Math.round((performance.now() - started) / 100) / 10;
  if (users.length === 0) throw new Error('no shopper could sign up and log in');
  const productIds = await client.productIds(1000);
  if (productIds.length === 0) throw new Error('the catalogue is empty');
  options.log?.(`${users.length} shoppers ready in ${prepareSec} s, ${productIds.length} products`);
  const random = seeded(7);
  return { client, users, prepareSec, pick: () => productIds[Math.floor(random() * productIds.length)]! };
}

/** One shopper puts a product in the cart, then checks out; POST /orders is timed from when it was sent (`onPost`). */
async function cartAndCheckout(
  shop: Shop,
  user: VirtualUser,
  onPost?: () => void,
): Promise<{ cart: number | undefined; status: number | undefined; postedAt: number; done: number }> {
  const cart = await shop.client.call('PUT', `/orders/cart/items/${shop.pick()}`, {
    token: user.token,
    body: { quantity: 1 },
  });
  const postedAt = performance.now();
  onPost?.();
  const result = await shop.client.call('POST', '/orders', {
    token: user.token,
    body: {},
    headers: { 'idempotency-key': randomUUID() },
  });
  return { cart: cart.status, status: result.status, postedAt, done: performance.now() };
}

/** One in flight first: what a checkout costs when nothing queues. */
async function oneInFlight(shop: Shop, log?: (line: string) => void): Promise<CheckoutResult['singleMs']> {
  const single: number[] = [];
  const statuses: Record<string, number> = {};
  for (let i = 0; i < Math.min(50, shop.users.length * 2); i++) {
    const { status, postedAt, done } = await cartAndCheckout(shop, shop.users[i % shop.users.length]!);
    single.push(done - postedAt);
    count(statuses, label(status));
  }
  log?.(
    `one checkout in flight: p50 ${percentile(single, 50).toFixed(1)} ms, p99 ${percentile(single, 99).toFixed(1)} ms ${JSON.stringify(statuses)}`,
  );
  return { p50: round1(percentile(single, 50)), p99: round1(percentile(single, 99)), statuses };
}

/** An arrival at `scheduled`: a free shopper checks out, or it is counted as finding none; only the measured window is tallied. */
function arrival(shop: Shop, tally: Tally, measuredFrom: number): (scheduled: number) => Promise<number | undefined> {
  const free: VirtualUser[] = [...shop.users];
  return async (scheduled) => {
    const measured = scheduled >= measuredFrom;
    if (measured) tally.offered += 1;
    const user = free.pop();
    if (!user) {
      if (measured) count(tally.outcomes, 'no free shopper');
      return undefined;
    }
    try {
      const { cart, status, postedAt, done } = await cartAndCheckout(shop, user, () => (tally.sent += 1));
      if (measured) {
        count(tally.cartOutcomes, label(cart));
        count(tally.outcomes, label(status));
        tally.checkoutMs.push(done - postedAt);
        if (status === 201 || status === 202) tally.placedMs.push(done - postedAt);
        tally.arrivalToDoneMs.push(done - scheduled);
      }
      return status;
    } finally {
      free.unshift(user);
    }
  };
}

/** The open loop (warm-up, then the measured window), with the platform's CPU over the window and its peak memory. */
async function openLoopOfCheckouts(
  shop: Shop,
  options: CheckoutOptions,
  tally: Tally,
): Promise<Pick<CheckoutResult, 'cpuCores' | 'cpuByRole' | 'peakMemoryMiB'>> {
  const checkout = arrival(shop, tally, performance.now() + options.warmupSec * 1000);
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
  return { cpuCores: cpu.cores, cpuByRole: cpu.byRole, peakMemoryMiB: await memory.stop() };
}
