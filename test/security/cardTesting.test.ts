// Card testing (issue 13): a fraudster with a list of stolen card numbers uses
// checkout to learn which ones work, so most of their checkouts are declined.
// Through the real balancer and gateway over TCP, to the payment sandbox
// (`pm_card_chargeDeclined` is declined there): after 5 declines a user's
// checkouts are refused, whatever the card, and after 8 declines from one
// client address (lowered from 20 here) every account there is too. The order
// service must see each end client's address (what the gateway vouches for),
// not the gateway's: the other client checks out throughout.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { waitFor } from '../support/launcher.ts';
import { startPlatform, type Platform } from './support.ts';

const PASSWORD = 'a card tester password';
const PER_ADDRESS = 8;
let platform: Platform;
const agents = new Map<string, Agent>();
let productId: string;

before(async () => {
  platform = await startPlatform('card-testing', 32_000, { CHECKOUT_MAX_DECLINES_PER_ADDRESS: String(PER_ADDRESS) });
  const page = await call('GET', '/products?limit=20', { from: '198.51.100.99' });
  assert.equal(page.status, 200, JSON.stringify(page.body));
  productId = (page.body.items as Array<{ id: string; availability?: { available?: boolean } }>).find(
    (p) => p.availability?.available === true,
  )!.id;
});

after(async () => {
  for (const agent of agents.values()) agent.destroy();
  await platform?.stop();
});

interface Answer {
  status: number;
  body: any;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * A request through the balancer from client `from`: named in X-Forwarded-For
 * (the balancer appends the real peer, the gateway trusts loopback proxies)
 * and connecting from a loopback address of its own (127.0.36.x).
 */
function call(
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  options: { from: string; body?: unknown; token?: string; headers?: Record<string, string> },
): Promise<Answer> {
  let agent = agents.get(options.from);
  if (!agent) {
    agent = new Agent({ keepAlive: true, localAddress: `127.0.36.${agents.size + 1}` });
    agents.set(options.from, agent);
  }
  const headers = {
    'x-forwarded-for': options.from,
    ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    ...options.headers,
  };
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: platform.lbPort, method, path, headers, agent, signal: AbortSignal.timeout(20_000) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : {}, headers: res.headers });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body === undefined ? undefined : JSON.stringify(options.body));
  });
}

interface Customer {
  token: string;
  from: string;
}

async function customer(from: string): Promise<Customer> {
  const email = `card.${randomUUID().slice(0, 8)}@example.com`;
  const signUp = await call('POST', '/users', { from, body: { email, password: PASSWORD, name: 'Card Tester' } });
  assert.equal(signUp.status, 201, JSON.stringify(signUp.body));
  const login = await call('POST', '/users/sessions', { from, body: { email, password: PASSWORD } });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  return { token: login.body.accessToken as string, from };
}

/** Puts the product in the cart and checks out; an accepted checkout is followed to its end (a decline counts once settled). */
async function checkout(c: Customer, paymentMethod: string): Promise<Answer> {
  const add = await call('PUT', `/orders/cart/items/${productId}`, {
    from: c.from,
    token: c.token,
    body: { quantity: 1 },
  });
  assert.equal(add.status, 200, JSON.stringify(add.body));
  const answer = await call('POST', '/orders', {
    from: c.from,
    token: c.token,
    body: { paymentMethod },
    headers: { 'idempotency-key': randomUUID() },
  });
  if (answer.status !== 201 && answer.status !== 202) return answer;
  const order = await waitFor(
    'the order to settle',
    async () => {
      const current = await call('GET', `/orders/${answer.body.id as string}`, { from: c.from, token: c.token });
      return ['confirmed', 'cancelled', 'failed'].includes(current.body.status as string) ? current.body : undefined;
    },
    20_000,
    100,
  );
  return { ...answer, body: order };
}

async function decline(c: Customer, times: number): Promise<void> {
  for (let i = 0; i < times; i++) {
    const answer = await checkout(c, 'pm_card_chargeDeclined');
    assert.equal(answer.body.status, 'cancelled', JSON.stringify(answer.body));
    assert.match(answer.body.reason as string, /^payment_declined/, 'control: the sandbox declined the card');
  }
}

function assertRefused(answer: Answer, what: string): void {
  assert.equal(answer.status, 429, `${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
  assert.equal(answer.headers['content-type'], 'application/problem+json; charset=utf-8');
  assert.equal(answer.body.code, 'RATE_LIMITED');
  const retryAfter = Number(answer.headers['retry-after']);
  assert.ok(
    retryAfter > 3000 && retryAfter <= 3600,
    `${what}: Retry-After ${String(answer.headers['retry-after'])} is until the oldest decline leaves the hour`,
  );
}

async function assertConfirmed(c: Customer, what: string): Promise<void> {
  const answer = await checkout(c, 'pm_card_visa');
  assert.ok(answer.status === 201 || answer.status === 202, `${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
  assert.equal(answer.body.status, 'confirmed', what);
}

test('after 5 declines a user is refused, with a good card too; after 8 from one address every account there is; another client checks out', async () => {
  const tester = await customer('198.51.100.1');
  const honest = await customer('198.51.100.2');
  await decline(tester, 5);
  assertRefused(await checkout(tester, 'pm_card_chargeDeclined'), 'the 6th declined card');
  assertRefused(await checkout(tester, 'pm_card_visa'), 'a good card, same user');
  await assertConfirmed(honest, 'another user, another address');

  // Fresh accounts from the tester's address: 3 more declines make 8 there.
  await decline(await customer(tester.from), 3);
  assertRefused(
    await checkout(await customer(tester.from), 'pm_card_visa'),
    'a fresh account at the address past its limit',
  );
  await assertConfirmed(honest, 'the other client, still');
});
