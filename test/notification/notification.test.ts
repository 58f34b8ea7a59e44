// The notification service on a real event log (embedded PostgreSQL) and a
// real SMTP server (the mail sink): events in, emails and in-app notifications out.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import fc from 'fast-check';
import { v7 as uuidv7 } from 'uuid';
import { createTestIssuer, createTokenVerifier, type TestIssuer } from '@shop/auth';
import { provisionServiceDatabases } from '@shop/data';
import { createPgEventLog, migrateEventLog, type Envelope, type PgEventLog } from '@shop/events';
import { createMailSink, type MailSink } from '@shop/mail-sink';
import { createApp, configSpec } from '@shop/notification-service';
import { createLogger } from '@shop/platform';
import { startEmbeddedCluster, uniquePrefix, type TestCluster } from '../support/postgres.ts';
import { startServiceForTest, type ServiceUnderTest } from '../support/service.ts';
import { eventually } from '../events/harness.ts';

let cluster: TestCluster;
let sink: MailSink;
let log: PgEventLog;
let issuer: TestIssuer;
let svc: ServiceUnderTest<Parameters<typeof createApp>[0]>;

before(async () => {
  cluster = await startEmbeddedCluster('notification');
  const prefix = uniquePrefix('ev');
  const [events] = await provisionServiceDatabases({
    adminUrl: cluster.adminUrl,
    services: ['events'],
    prefix,
    password: () => `pw-${prefix}`,
  });
  await migrateEventLog({ connectionString: events!.url });
  log = createPgEventLog({ connectionString: events!.url });
  sink = await createMailSink({
    host: '127.0.0.1',
    smtpPort: 0,
    httpPort: 0,
    logger: createLogger({ service: 'mail-sink', instance: 'test', region: 'local', level: 'silent' }),
  });
  issuer = await createTestIssuer();
  const verifier = createTokenVerifier({ loadKeys: () => Promise.resolve(issuer.jwks) });
  svc = await startServiceForTest({
    service: 'notification',
    adminUrl: cluster.adminUrl,
    configSpec,
    env: {
      EVENTS_DATABASE_URL: events!.url,
      SMTP_URL: `smtp://127.0.0.1:${sink.smtpPort}`,
      NOTIFICATION_POLL_INTERVAL_MS: '100',
    },
    createApp: (config, deps) =>
      createApp(config, deps, {
        verifier,
        heartbeatMs: 200,
        consumer: { maxAttempts: 2, backoff: () => 10, leaseMs: 1500 },
      }),
    listen: true,
  });
});
after(async () => {
  await svc.close();
  await log.close();
  await sink.close();
  await cluster.close();
});

function envelope(type: string, key: string, payload: Record<string, unknown>): Envelope {
  return {
    id: uuidv7(),
    type,
    version: 1,
    key,
    aggregateId: key,
    producer: 'test',
    occurredAt: new Date().toISOString(),
    payload,
  };
}

async function mailbox(to: string): Promise<Array<{ subject: string; text: string; messageId: string }>> {
  const response = await fetch(`${sink.httpUrl}/mailbox?to=${encodeURIComponent(to)}`);
  return ((await response.json()) as { messages: Array<{ subject: string; text: string; messageId: string }> })
    .messages;
}

async function list(token: string | undefined, query = ''): Promise<{ status: number; body: any }> {
  const response = await svc.app.inject({
    method: 'GET',
    url: `/notifications${query}`,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: response.statusCode, body: response.json() };
}

test('one email per event even when the event is published, delivered and sent twice', async () => {
  const userId = uuidv7();
  const welcome = envelope('user.registered', userId, { userId, email: 'ada@example.com', name: 'Ada' });
  const orderId = 'ord_42';
  const confirmed = envelope('order.confirmed', orderId, {
    orderId,
    userId,
    email: 'ada@example.com',
    totalMinor: 2598,
    currency: 'EUR',
    items: [{ productId: 'p1', name: 'Blue Mug', quantity: 2, unitPriceMinor: 1299 }],
  });
  await log.publish('user', [welcome]);
  await log.publish('user', [welcome]); // published twice: the log stores it once
  await log.publish('order', [envelope('order.placed', orderId, { orderId }), confirmed]);
  await eventually('two emails', async () => (await mailbox('ada@example.com')).length === 2);

  // Delivered twice: the group is rewound to offset 0 (as after a consumer crash before committing);
  // the consumer picks that up at its next lease renewal.
  await log.db.query('UPDATE consumer_offsets SET "offset" = 0 WHERE group_name = \'notification\'');
  // Sent twice: a crash after the SMTP send, before email_sent_at committed.
  await svc.db.query('UPDATE notifications SET email_sent_at = NULL WHERE event_id = $1', [welcome.id]);
  await eventually(
    're-sent',
    async () =>
      (
        await svc.db.query('SELECT 1 FROM notifications WHERE event_id = $1 AND email_sent_at IS NOT NULL', [
          welcome.id,
        ])
      ).rowCount === 1,
  );
  await eventually('redelivered', async () => (await log.lag('notification', ['user', 'order'])) === 0);

  const mails = await mailbox('ada@example.com');
  assert.equal(mails.length, 2, 'still one email per event');
  const confirmation = mails.find((m) => m.subject.includes(orderId))!;
  assert.equal(confirmation.messageId, `<${confirmed.id}@notification.shop.local>`);
  assert.match(confirmation.text, /2 x Blue Mug/);
  assert.match(confirmation.text, /EUR\s*25\.98/);
  const { rows } = await svc.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM notifications WHERE user_id = $1',
    [userId],
  );
  assert.equal(rows[0]!.n, 2, 'order.placed makes no notification');
});

test('a malformed payload is dead-lettered, and the events after it still arrive', async () => {
  const userId = uuidv7();
  const bad = envelope('order.cancelled', 'ord_bad', { orderId: 'ord_bad', userId: 'not-a-uuid', email: 'x' });
  const good = envelope('order.cancelled', 'ord_bad', {
    orderId: 'ord_bad',
    userId,
    email: 'cy@example.com',
    reason: 'out of stock',
  });
  await log.publish('order', [bad, good]);
  await eventually('the good one emailed', async () => (await mailbox('cy@example.com')).length === 1);
  const dead = await log.listDeadLetters({ group: 'notification' });
  assert.equal(dead.filter((d) => d.eventId === bad.id).length, 1);
  assert.match((await mailbox('cy@example.com'))[0]!.text, /out of stock/);
});

test('in-app notifications are listed only for their owner; no token is 401', async () => {
  const owner = uuidv7();
  const other = uuidv7();
  await log.publish('order', [
    envelope('order.refunded', 'ord_r1', {
      orderId: 'ord_r1',
      userId: owner,
      email: 'own@example.com',
      refundId: 're_r1',
      amountMinor: 500,
      currency: 'USD',
    }),
  ]);
  const ownerToken = await issuer.token({ userId: owner });
  const otherToken = await issuer.token({ userId: other });
  await eventually('listed', async () => (await list(ownerToken)).body.items?.length === 1);
  const mine = await list(ownerToken);
  assert.equal(mine.status, 200);
  assert.equal(mine.body.items[0].kind, 'order_refunded');
  assert.equal(mine.body.items[0].read, false);
  assert.equal(mine.body.nextCursor, null);
  assert.deepEqual((await list(otherToken)).body, { items: [], nextCursor: null });
  const anonymous = await list(undefined);
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.body.code, 'UNAUTHENTICATED');
  const id = mine.body.items[0].id as string;
  const stolen = await svc.app.inject({
    method: 'POST',
    url: `/notifications/${id}/read`,
    headers: { authorization: `Bearer ${otherToken}` },
  });
  assert.equal(stolen.statusCode, 404);
  const read = await svc.app.inject({
    method: 'POST',
    url: `/notifications/${id}/read`,
    headers: { authorization: `Bearer ${ownerToken}` },
  });
  assert.equal(read.statusCode, 200);
  assert.equal(read.json().read, true);
  assert.equal((await list(ownerToken, '?unread=true')).body.items.length, 0);
});

test('pages newest first with a cursor', async () => {
  const userId = uuidv7();
  for (let i = 0; i < 3; i++)
    await log.publish('order', [
      envelope('order.cancelled', 'pager', {
        orderId: `ord_p${i}`,
        userId,
        email: 'pager@example.com',
        reason: 'payment_declined',
      }),
    ]);
  const token = await issuer.token({ userId });
  await eventually('three', async () => (await list(token)).body.items?.length === 3);
  const first = await list(token, '?limit=2');
  assert.equal(first.body.items.length, 2);
  assert.match(first.body.items[0].body, /ord_p2/);
  const second = await list(token, `?limit=2&cursor=${first.body.nextCursor}`);
  assert.equal(second.body.items.length, 1);
  assert.match(second.body.items[0].body, /ord_p0/);
  assert.equal(second.body.nextCursor, null);
});

test('the SSE stream pushes a new notification live, with heartbeats', async () => {
  const userId = uuidv7();
  const token = await issuer.token({ userId });
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = httpRequest(
      `${svc.url}/notifications/stream`,
      { headers: { authorization: `Bearer ${token}` } },
      resolve,
    );
    req.on('error', reject);
    req.end();
  });
  assert.equal(response.statusCode, 200);
  assert.match(String(response.headers['content-type']), /text\/event-stream/);
  let received = '';
  response.setEncoding('utf8');
  response.on('data', (chunk: string) => (received += chunk));
  try {
    await eventually('connected', () => Promise.resolve(received.includes(': connected')));
    await log.publish('order', [
      envelope('order.cancelled', 'ord_live', {
        orderId: 'ord_live',
        userId,
        email: 'live@example.com',
        reason: 'payment_declined',
      }),
    ]);
    await eventually('pushed', () => Promise.resolve(received.includes('event: notification')));
    const data = /event: notification\ndata: (.*)\n\n/.exec(received)![1]!;
    assert.match(JSON.parse(data).body, /ord_live/);
    await eventually('heartbeat', () => Promise.resolve(received.includes(': heartbeat')));
  } finally {
    response.destroy();
  }
  const anonymous = await fetch(`${svc.url}/notifications/stream`);
  assert.equal(anonymous.status, 401);
});

test('property: hostile query strings on GET /notifications never cause a 5xx', async () => {
  const token = await issuer.token({ userId: uuidv7() });
  const hostile = fc.oneof(
    fc.string(),
    fc.constantFrom(
      '-1',
      '0',
      '101',
      '1e9',
      'NaN',
      '%00',
      "' OR 1=1 --",
      '__proto__',
      '00000000-0000-0000-0000-000000000000',
      '😀',
      'true',
      '[]',
      '{}',
    ),
  );
  const key = fc.oneof(
    fc.constantFrom('limit', 'cursor', 'unread', '__proto__', 'constructor', 'limit[]'),
    fc.string({ maxLength: 10 }),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(key, hostile), { maxLength: 4 }), fc.boolean(), async (pairs, raw) => {
      const query = pairs
        .map(([k, v]) => (raw ? `${k}=${v}` : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`))
        .join('&');
      const response = await svc.app.inject({
        method: 'GET',
        url: `/notifications?${query}`,
        headers: { authorization: `Bearer ${token}` },
      });
      assert.ok(response.statusCode < 500, `${response.statusCode} for ?${query}: ${response.body}`);
    }),
    { numRuns: 150 },
  );
});
