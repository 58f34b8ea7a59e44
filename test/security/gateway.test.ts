// Attacks on the gateway through the public entry, over TCP, through the real
// balancer and gateway processes (issue 13): internal routes reached through
// dot segments and escapes (attack 2), one user holding every stream (attack 4),
// and the headers and ops routes of the public face.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { prepareShoppers, ShopClient, type VirtualUser } from '@shop/load';
import { sendRaw, startPlatform, type Platform } from './support.ts';

let platform: Platform;
let client: ShopClient;
let shoppers: VirtualUser[];

before(async () => {
  platform = await startPlatform('gateway', 27_000, {
    RATE_LIMIT_ANON_PER_SEC: '100000',
    RATE_LIMIT_USER_PER_SEC: '100000',
  });
  client = new ShopClient(platform.api);
  shoppers = await prepareShoppers(client, 'sec-gw', 2);
});

after(async () => {
  await client?.close();
  await platform?.stop();
});

const bearer = (user: VirtualUser): Record<string, string> => ({ authorization: `Bearer ${user.token ?? ''}` });

test('internal routes stay unreachable however the path is spelt: dot segments, escaped dots and letters, doubled slashes', async () => {
  const attacks: Array<[string, string]> = [
    ['POST', '/users/x/%2e%2e/keys/rotate'],
    ['POST', '/users/x/%2E%2E/keys/rotate'],
    ['POST', '/users/x/../keys/rotate'],
    ['POST', '/users/%6beys/rotate'],
    ['POST', '/users//keys/rotate'],
    ['POST', '/users/./keys/rotate'],
    ['GET', '/products/%2e%2e/metrics'],
    ['GET', '/orders/%2e%2e/ready'],
    ['GET', '/users/%2e%2e/openapi.json'],
    ['GET', '/notifications/%2e%2e/%2e%2e/health'],
    ['POST', '/orders/%2e%2e/payments/charges'],
    ['GET', '/products/..%2f..%2fmetrics'],
    ['GET', '/products/%2e%2e%5cmetrics'],
  ];
  const reached: string[] = [];
  for (const [method, path] of attacks) {
    const answer = await sendRaw(platform.lbPort, method, path, {
      headers: {
        ...bearer(shoppers[0]!),
        'content-type': 'application/json',
        'idempotency-key': `k-${reached.length}-${path}`,
      },
      body: method === 'POST' ? '{}' : undefined,
    });
    const problem = /problem\+json/.test(String(answer.headers['content-type']))
      ? (JSON.parse(answer.text) as { code?: string })
      : undefined;
    // The gateway's refusal is a 404 (no public route) or a 400 (a path no canonical form carries).
    const refused =
      (answer.status === 404 && problem?.code === 'NOT_FOUND') ||
      (answer.status === 400 && problem?.code === 'VALIDATION_FAILED');
    if (!refused) reached.push(`${method} ${path} -> ${answer.status} ${answer.text.slice(0, 80)}`);
  }
  assert.deepEqual(reached, [], 'each of these reached a route the gateway does not expose');
});

test('an escaped spelling of a public route reaches that route, forwarded in its one canonical spelling', async () => {
  const direct = await sendRaw(platform.lbPort, 'GET', '/products?limit=1');
  const escaped = await sendRaw(platform.lbPort, 'GET', '/products/x/%2e%2e?limit=1');
  assert.equal(direct.status, 200);
  assert.equal(escaped.status, 200, escaped.text.slice(0, 200));
  assert.deepEqual(
    (JSON.parse(escaped.text) as { items: unknown[] }).items,
    (JSON.parse(direct.text) as { items: unknown[] }).items,
  );
});

test('ops routes are not served through the public entry', async () => {
  for (const path of ['/metrics', '/metrics?x=1']) {
    const answer = await sendRaw(platform.lbPort, 'GET', path);
    assert.equal(answer.status, 404, `${path} answered ${answer.status}: ${answer.text.slice(0, 80)}`);
  }
});

test('public answers carry the security headers: no sniffing, no referrer, no framing, a content policy', async () => {
  for (const path of ['/products?limit=1', '/nowhere', '/docs']) {
    const answer = await sendRaw(platform.lbPort, 'GET', path);
    assert.equal(answer.headers['x-content-type-options'], 'nosniff', path);
    assert.equal(answer.headers['referrer-policy'], 'no-referrer', path);
    assert.equal(answer.headers['x-frame-options'], 'DENY', path);
    assert.match(String(answer.headers['content-security-policy']), /default-src 'none'/, path);
  }
});

test("one user opening 256 event streams holds a few; everyone else's calls to the notification service still answer", async () => {
  const [hog, other] = shoppers as [VirtualUser, VirtualUser];
  const streams: ClientRequest[] = [];
  const statuses = await Promise.all(
    Array.from(
      { length: 256 },
      () =>
        new Promise<number | string>((resolve) => {
          const req = httpRequest(
            {
              host: '127.0.0.1',
              port: platform.lbPort,
              path: '/notifications/stream',
              headers: bearer(hog),
              agent: false,
              signal: AbortSignal.timeout(15_000),
            },
            (res) => {
              res.resume();
              resolve(res.statusCode ?? 0);
            },
          );
          req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
          req.end();
          streams.push(req);
        }),
    ),
  );
  try {
    const open = statuses.filter((s) => s === 200).length;
    assert.equal(open, 5, 'streams open for one user: the cap is 5 per gateway');
    assert.ok(
      statuses.every((s) => s === 200 || s === 429 || s === 'ECONNRESET'),
      `refused streams are 429 (or cut at the balancer): ${[...new Set(statuses)].join(', ')}`,
    );
    for (let i = 0; i < 10; i++) {
      const list = await sendRaw(platform.lbPort, 'GET', '/notifications', {
        headers: bearer(other),
        timeoutMs: 5000,
        localAddress: '127.0.0.2',
      });
      assert.equal(list.status, 200, `another user's notifications: ${list.status} ${list.text.slice(0, 120)}`);
    }
  } finally {
    for (const req of streams) req.destroy();
  }
});
