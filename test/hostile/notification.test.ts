// Hostile input at every notification route (list, mark read, the SSE stream,
// the platform routes), and one user reaching for another's notifications.
// Real PostgreSQL; no bus (a stub: nothing is consumed) and no mail (rows carry none).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import fc from 'fast-check';
import { v7 as uuidv7 } from 'uuid';
import { createTestIssuer, createTokenVerifier, type TestIssuer } from '@shop/auth';
import { createApp, configSpec, type NotificationConfig } from '@shop/notification-service';
import { startEmbeddedCluster, type TestCluster } from '../support/postgres.ts';
import { startServiceForTest, type ServiceUnderTest } from '../support/service.ts';
import {
  assertNoHarm,
  assertWellRefused,
  headerText,
  pathSegment,
  runs,
  snapshotTables,
  type RouteSpec,
  hostileRequests,
} from './support.ts';

let cluster: TestCluster;
let issuer: TestIssuer;
let svc: ServiceUnderTest<NotificationConfig>;
const alice = uuidv7();
const bob = uuidv7();
let aliceToken: string;
let bobToken: string;
/** Alice's notifications, newest last. */
const aliceIds: string[] = [];

before(async () => {
  cluster = await startEmbeddedCluster('hostile-notification');
  issuer = await createTestIssuer();
  const verifier = createTokenVerifier({ loadKeys: () => Promise.resolve(issuer.jwks) });
  const bus = { subscribe: () => ({ stop: () => Promise.resolve(), lag: () => Promise.resolve(0) }) };
  const mailer = { send: () => Promise.resolve(), close: () => undefined };
  svc = await startServiceForTest<NotificationConfig>({
    service: 'notification',
    adminUrl: cluster.adminUrl,
    configSpec,
    env: { SMTP_URL: 'smtp://127.0.0.1:9' },
    createApp: (config, deps) => createApp(config, deps, { verifier, bus, mailer, heartbeatMs: 60_000 }),
    listen: true,
  });
  aliceToken = `Bearer ${await issuer.token({ userId: alice })}`;
  bobToken = `Bearer ${await issuer.token({ userId: bob })}`;
  for (let i = 0; i < 3; i++) aliceIds.push(await insertNotification(alice, `Alice ${i}`));
  await insertNotification(bob, 'Bob 0');
});
after(async () => {
  await svc.close();
  await cluster.close();
});

/** A notification as the event handler would record it, without an email (so no dispatcher touches it). */
async function insertNotification(userId: string, title: string): Promise<string> {
  const id = uuidv7();
  await svc.db.query(
    'INSERT INTO notifications (id, user_id, event_id, kind, title, body, data) VALUES ($1, $2, $3, $4, $5, $6, $7)',
    [id, userId, uuidv7(), 'order_cancelled', title, `${title} body`, '{}'],
  );
  return id;
}

const snapshot = () => snapshotTables(svc.db);

test('property: hostile requests at every notification route never 5xx, and a refusal changes no table', async (t) => {
  const ids = [aliceIds[0]!, aliceIds[2]!];
  const routes: RouteSpec[] = [
    { method: 'GET', path: fc.constant('/notifications'), query: ['limit', 'cursor', 'unread'] },
    { method: 'POST', path: pathSegment(ids).map((s) => `/notifications/${s}/read`) },
    { method: 'POST', path: fc.constantFrom(...ids).map((id) => `/notifications/${id}/read`) },
    {
      method: 'GET',
      path: fc.constantFrom(
        '/health',
        '/ready',
        '/metrics',
        '/openapi.json',
        '/notifications/',
        '/notifications/read',
        '/notifications//read',
        '/notifications/stream/x',
      ),
    },
  ];
  const tally = await assertNoHarm(svc.app, hostileRequests(routes, { tokens: [bobToken], ids }), {
    numRuns: 100,
    snapshot,
  });
  t.diagnostic(`statuses: ${tally.toString()}`);
  assert.ok(
    tally.count((s) => s < 300) > 0 && tally.count((s) => s === 400) > 0,
    `reached handlers and validation: ${tally.toString()}`,
  );
});

test('GET /notifications with a cursor or a read with an id ajv calls a uuid but PostgreSQL does not: 400, not 500', async () => {
  // ajv's `uuid` format accepts a `urn:uuid:` prefix; the column is PostgreSQL uuid, which refuses it.
  const id = aliceIds[0]!;
  const failures: string[] = [];
  for (const [method, url] of [
    ['GET', `/notifications?cursor=urn:uuid:${id}`],
    ['POST', `/notifications/urn:uuid:${id}/read`],
  ] as const) {
    try {
      assertWellRefused(
        await svc.app.inject({ method, url, headers: { authorization: aliceToken } }),
        `${method} ${url}`,
      );
    } catch (error) {
      failures.push((error as Error).message.split('\n')[0]!);
    }
  }
  assert.deepEqual(failures, []);
});

/**
 * Opens the SSE stream over a real socket with `headers`; resolves with the
 * status, content type and the first bytes: those up to a replayed
 * notification when `replays` is set (or 2 s), else shortly after ": connected".
 */
function openStream(
  headers: Record<string, string>,
  replays = false,
): Promise<{ status: number; contentType: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${svc.url}/notifications/stream`, { headers }, (response: IncomingMessage) => {
      let text = '';
      response.setEncoding('utf8');
      const done = (): void => {
        response.destroy();
        resolve({ status: response.statusCode ?? 0, contentType: String(response.headers['content-type']), text });
      };
      if ((response.statusCode ?? 0) >= 300) {
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', done);
        return;
      }
      // A resumed stream writes everything it replays at once, after ": connected" and one query.
      let timer = setTimeout(done, 2000);
      response.on('data', (chunk: string) => {
        text += chunk;
        const replayed = text.includes('event: notification');
        if (replayed || (!replays && text.includes(': connected'))) {
          clearTimeout(timer);
          timer = setTimeout(done, replayed ? 20 : 80);
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

test('property: the SSE stream with hostile Last-Event-ID and authorization opens or refuses cleanly, and changes nothing', async () => {
  const lastEventId = fc.oneof(
    fc.constant(undefined),
    headerText(),
    fc.constantFrom(
      `urn:uuid:${aliceIds[0]!}`,
      aliceIds[0]!.toUpperCase(),
      '00000000-0000-0000-0000-000000000000',
      `${aliceIds[0]!},${aliceIds[1]!}`,
    ),
  );
  const authorization = fc.oneof(
    { weight: 3, arbitrary: fc.constant(bobToken) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(undefined, 'Bearer x.y.z', `${bobToken.slice(0, -4)}AAAA`, 'Basic Ym9iOmJvYg=='),
    },
  );
  const before = await snapshot();
  await fc.assert(
    fc.asyncProperty(lastEventId, authorization, async (id, auth) => {
      const headers: Record<string, string> = {};
      if (id !== undefined) headers['last-event-id'] = id;
      if (auth !== undefined) headers.authorization = auth;
      const opened = await openStream(headers);
      assert.ok(opened.status < 500, `${JSON.stringify(headers)} -> ${opened.status} ${opened.text}`);
      if (opened.status >= 400) assert.match(opened.contentType, /^application\/problem\+json/);
      else assert.match(opened.contentType, /^text\/event-stream/);
      // Bob's stream never replays Alice's notifications, whatever id he resumes from.
      for (const aliceId of aliceIds)
        assert.ok(!opened.text.includes(aliceId), `Bob's stream carried Alice's ${aliceId}`);
    }),
    runs(20),
  );
  assert.deepEqual(await snapshot(), before);
});

test("cross-user: Bob cannot list, mark read or resume from Alice's notifications; hers stay unread", async () => {
  const bobAuth = { authorization: bobToken };
  const list = await svc.app.inject({
    method: 'GET',
    url: `/notifications?cursor=${aliceIds[2]!}&limit=100`,
    headers: bobAuth,
  });
  assert.equal(list.statusCode, 200);
  assert.deepEqual(list.json().items, [], "a cursor from Alice's page shows Bob none of hers");
  for (const id of aliceIds) {
    for (const url of [`/notifications/${id}/read`, `/notifications/${id.toUpperCase()}/read`]) {
      const stolen = await svc.app.inject({ method: 'POST', url, headers: bobAuth });
      assert.ok(stolen.statusCode === 404 || stolen.statusCode === 403, `${url} -> ${stolen.statusCode}`);
      assertWellRefused(stolen, url);
    }
  }
  const { rows } = await svc.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM notifications WHERE user_id = $1 AND read_at IS NULL',
    [alice],
  );
  assert.equal(rows[0]!.n, aliceIds.length, "all of Alice's notifications are still unread");
  const replay = await openStream(
    { authorization: bobToken, 'last-event-id': '00000000-0000-0000-0000-000000000000' },
    true,
  );
  assert.equal(replay.status, 200);
  assert.ok(replay.text.includes('Bob 0'), "control: Bob's own notification is replayed");
  assert.ok(!replay.text.includes('Alice'), "none of Alice's is");
});
