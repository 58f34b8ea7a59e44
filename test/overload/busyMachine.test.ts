// Issue 22's busy-machine bar, over real processes: with a busy loop spinning
// on every core, a steady trickle of shoppers through the load balancer is
// either served or refused the way the contract says (503 with Retry-After
// and a problem+json body): no 500, 502 or 504, no reset, no answer later
// than a generous 30 s; and every checkout the shop acknowledged (201 or 202)
// ends in a terminal state once the loops stop.
//
// Correctness only, never timing: how many are shed, and how fast answers
// come, are the bench's to measure (npm run bench -- --overload).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  classify,
  labelOf,
  openLoop,
  prepareShoppers,
  ShopClient,
  startBusyLoops,
  Stats,
  type Answer,
  type VirtualUser,
} from '@shop/load';
import { startLauncher, writeTopology, type RunningLauncher } from '../support/launcher.ts';
import { scratchDir } from '../support/postgres.ts';

const portBase = 17_700;
const api = `http://127.0.0.1:${portBase + 99}`;
const RATE = 15;
const BUSY_SEC = 15;
const ANSWER_WITHIN_MS = 30_000;
/** The order service's terminal statuses (GET /orders/:id). */
const TERMINAL = new Set(['confirmed', 'cancelled', 'failed']);
const SETTLE_MS = 90_000;

let launcher: RunningLauncher;
let dir: string;
let client: ShopClient;

before(async () => {
  dir = await scratchDir('busy-machine');
  const topology = await writeTopology(
    dir,
    portBase,
    { user: 2, product: 2, order: 2, payment: 2, notification: 2 },
    { gateways: 2 },
  );
  launcher = await startLauncher({
    dataDir: dir,
    topology,
    env: {
      EMBEDDED_PG_PORT: String(portBase + 98),
      CATALOG_SEED_COUNT: '300',
      OTEL_TRACES_SAMPLER_ARG: '0.1',
      RATE_LIMIT_ANON_PER_SEC: '100000',
      RATE_LIMIT_USER_PER_SEC: '100000',
      SIGNUP_MAX_PER_ADDRESS: '100000',
    },
    readyTimeoutMs: 120_000,
  });
  // Shoppers from 16 loopback addresses, as many clients rather than one; a call unanswered after 30 s failed.
  client = new ShopClient(api, 512, 16, ANSWER_WITHIN_MS);
});

after(async () => {
  await client?.close();
  await launcher?.interrupt();
  await rm(dir, { recursive: true, force: true });
});

type Kind = 'browse' | 'search' | 'cart' | 'checkout' | 'orders';
/** One shopper's visit, repeated by each shopper in turn: reads, two cart changes, orders, then a checkout of that cart. */
const CYCLE: Kind[] = [
  'browse',
  'search',
  'cart',
  'browse',
  'orders',
  'browse',
  'cart',
  'search',
  'browse',
  'checkout',
];

interface Seen {
  kind: Kind;
  user: VirtualUser;
  answer: Answer;
}

/** One request of `kind` by `user`: every call the trickle makes is one of these, and each is judged. */
function send(kind: Kind, user: VirtualUser, productId: string): Promise<Answer> {
  const as = { token: user.token, source: user.source };
  switch (kind) {
    case 'browse':
      return client.call('GET', `/products/${productId}`, as);
    case 'search':
      return client.call('GET', '/products?q=lamp&limit=20', as);
    case 'cart':
      return client.call('PUT', `/orders/cart/items/${productId}`, { ...as, body: { quantity: 1 } });
    case 'checkout':
      return client.checkout(user); // with its own Idempotency-Key
    case 'orders':
      return client.call('GET', '/orders?limit=10', as);
  }
}

/** Served the way a shopper may be: 2xx, or for a cart or a checkout a business refusal (409, 422: out of stock, empty cart). */
function servedAsExpected({ kind, answer }: Seen): boolean {
  const status = answer.status!;
  if (status >= 200 && status < 300) return true;
  return (kind === 'cart' || kind === 'checkout') && (status === 409 || status === 422);
}

/** Why a request is not acceptable, or undefined when it is (served as expected, or shed per the contract). */
function wrong(seen: Seen): string | undefined {
  const verdict = classify(seen.answer);
  if (verdict === 'shed') return undefined;
  if (verdict === 'served' && servedAsExpected(seen)) return undefined;
  const retryAfter = seen.answer.retryAfter === undefined ? 'no Retry-After' : `Retry-After ${seen.answer.retryAfter}`;
  return `${seen.kind} ${labelOf(seen.answer)} (${retryAfter}, ${seen.answer.contentType ?? 'no content type'})`;
}

/** The trickle at RATE for `seconds`, a visit (CYCLE) per shopper in turn; every answer kept. */
async function trickle(users: VirtualUser[], productIds: string[], seconds: number): Promise<Seen[]> {
  const seen: Seen[] = [];
  let n = 0;
  await openLoop({
    stats: new Stats(performance.now()),
    seconds,
    rateAt: () => RATE,
    maxInflight: 10_000,
    next: () => {
      const i = n++;
      const kind = CYCLE[i % CYCLE.length]!;
      return {
        kind,
        send: async () => {
          const user = users[Math.floor(i / CYCLE.length) % users.length]!;
          const answer = await send(kind, user, productIds[(i * 7) % productIds.length]!);
          seen.push({ kind, user, answer });
          return answer.status;
        },
      };
    },
  });
  return seen;
}

/** Reads each acknowledged order until it is terminal or SETTLE_MS has passed; resolves to those still open. */
async function unsettled(placed: Array<{ id: string; user: VirtualUser }>): Promise<string[]> {
  const deadline = Date.now() + SETTLE_MS;
  let open = placed;
  const last = new Map<string, string>();
  while (open.length > 0 && Date.now() < deadline) {
    const statuses = await Promise.all(
      open.map(async ({ id, user }) => {
        const answer = await client.call('GET', `/orders/${id}`, { token: user.token, source: user.source });
        const status = (answer.json as { status?: string } | undefined)?.status;
        if (answer.status === 200 && status) last.set(id, status);
        return answer.status === 200 ? status : undefined;
      }),
    );
    open = open.filter((_, k) => !TERMINAL.has(statuses[k] ?? ''));
    if (open.length > 0) await sleep(1000);
  }
  return open.map(({ id }) => `${id} ${last.get(id) ?? 'never read'}`);
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

test(
  `with a busy loop on each of the ${availableParallelism()} cores, every request is served or shed with Retry-After, and every acknowledged checkout ends`,
  { timeout: 300_000 },
  async (t) => {
    const users = await prepareShoppers(client, 'busy', 8);
    assert.ok(
      users.every((u) => u.token),
      'every shopper logged in before the loops',
    );
    const productIds = await client.productIds(300);
    assert.ok(productIds.length > 0, 'the catalogue has products for sale');
    await trickle(users, productIds, 5); // warm: compiled paths and open pools, not judged
    const loops = startBusyLoops(availableParallelism(), { maxMs: (BUSY_SEC + 10) * 1000 });
    let seen: Seen[];
    try {
      seen = await trickle(users, productIds, BUSY_SEC);
    } finally {
      await loops.stop();
    }
    assert.equal(seen.length, RATE * BUSY_SEC, 'every request of the trickle was sent and answered or failed');
    const byOutcome = countBy(seen.map((s) => `${s.kind} ${classify(s.answer)} ${labelOf(s.answer)}`));
    const failures = seen.map(wrong).filter((w): w is string => w !== undefined);
    t.diagnostic(`answers under the loops: ${JSON.stringify(byOutcome)}`);
    assert.deepEqual(countBy(failures), {}, `requests neither served nor shed; all: ${JSON.stringify(byOutcome)}`);

    const placed = seen
      .filter((s) => s.kind === 'checkout' && (s.answer.status === 201 || s.answer.status === 202))
      .map((s) => ({ id: (s.answer.json as { id: string }).id, user: s.user }));
    t.diagnostic(`${placed.length} checkouts acknowledged; reading them back until terminal`);
    assert.deepEqual(
      await unsettled(placed),
      [],
      `acknowledged checkouts (${placed.length}) not terminal ${SETTLE_MS / 1000} s after the loops stopped`,
    );
  },
);
