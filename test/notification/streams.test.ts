// The live stream's bounds (issue 13, attack 4: one customer's 256 streams
// starved everyone): a cap per user and per instance, and a stream ends when
// its token expires or its session is revoked, on every instance. Two
// instances of the notification service on one real PostgreSQL database and
// the PostgreSQL event log, as in production; streams over real sockets.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { v7 as uuidv7 } from 'uuid';
import {
  createTestIssuer,
  createTokenVerifier,
  TOKEN_AUDIENCE,
  TOKEN_ISSUER,
  type TestIssuer,
  type TokenVerifier,
} from '@shop/auth';
import { Database, provisionServiceDatabases } from '@shop/data';
import { createPgEventLog, migrateEventLog, type Envelope, type PgEventLog } from '@shop/events';
import { createApp, configSpec, type NotificationConfig } from '@shop/notification-service';
import { createLogger, ServiceMetrics, type ServiceApp, type ServiceDeps } from '@shop/platform';
import { startEmbeddedCluster, uniquePrefix, type TestCluster } from '../support/postgres.ts';
import { startServiceForTest, type ServiceUnderTest } from '../support/service.ts';
import { eventually } from '../events/harness.ts';

const STREAMS_PER_USER = 5;
const MAX_STREAMS = 8;
const HEARTBEAT_MS = 200;

let cluster: TestCluster;
let log: PgEventLog;
let issuer: TestIssuer;
let verifier: TokenVerifier;
/** Tokens whose verification takes 300 ms: time for their client to leave first. */
const slowTokens = new Set<string>();
let slowVerified = 0;
let svc: ServiceUnderTest<NotificationConfig>;
/** A second instance on svc's database, a member of the same consumer group. */
let peer: { app: ServiceApp; url: string; close(): Promise<void> };

const mailer = { send: () => Promise.resolve(), close: () => undefined };
const overrides = () => ({
  verifier: {
    verify: async (token: string) => {
      if (!slowTokens.has(token)) return verifier.verify(token);
      await new Promise((resolve) => setTimeout(resolve, 300));
      slowVerified += 1;
      return verifier.verify(token);
    },
  },
  mailer,
  heartbeatMs: HEARTBEAT_MS,
  consumer: { maxAttempts: 2, backoff: () => 10, leaseMs: 1500 },
});

before(async () => {
  cluster = await startEmbeddedCluster('notification-streams');
  const prefix = uniquePrefix('ev');
  const [events] = await provisionServiceDatabases({
    adminUrl: cluster.adminUrl,
    services: ['events'],
    prefix,
    password: () => `pw-${prefix}`,
  });
  await migrateEventLog({ connectionString: events!.url });
  log = createPgEventLog({ connectionString: events!.url });
  issuer = await createTestIssuer();
  verifier = createTokenVerifier({ loadKeys: () => Promise.resolve(issuer.jwks) });
  svc = await startServiceForTest<NotificationConfig>({
    service: 'notification',
    adminUrl: cluster.adminUrl,
    configSpec,
    env: {
      EVENTS_DATABASE_URL: events!.url,
      SMTP_URL: 'smtp://127.0.0.1:9',
      NOTIFICATION_POLL_INTERVAL_MS: '100',
      STREAMS_PER_USER: String(STREAMS_PER_USER),
      MAX_STREAMS: String(MAX_STREAMS),
    },
    createApp: (config, deps) => createApp(config, deps, overrides()),
    listen: true,
  });
  peer = await startPeer();
});
after(async () => {
  await peer.close();
  await svc.close();
  await log.close();
  await cluster.close();
});

/** Another instance of the service on svc's database (startServiceForTest would provision a database of its own). */
async function startPeer(): Promise<typeof peer> {
  const config: NotificationConfig = { ...svc.config, INSTANCE_ID: 'notification-test-2' };
  const db = new Database({
    connectionString: svc.databaseUrl,
    max: config.DB_POOL_MAX,
    acquireTimeoutMs: config.DB_ACQUIRE_TIMEOUT_MS,
    statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
  });
  const identity = { service: 'notification', instance: config.INSTANCE_ID, region: config.REGION };
  const deps: ServiceDeps = {
    service: 'notification',
    db,
    logger: createLogger({ ...identity, level: 'silent' }),
    metrics: new ServiceMetrics(identity),
    lifecycle: { draining: false },
  };
  const app = createApp(config, deps, overrides());
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  return {
    app,
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    close: async () => {
      await app.close();
      await db.close();
    },
  };
}

interface Stream {
  status: number;
  headers: IncomingHttpHeaders;
  /** Everything received so far. */
  text(): string;
  ended(): boolean;
  endedAt: number | undefined;
  close(): void;
}

/** Opens GET /notifications/stream over a real socket; resolves once the status is in (and ": connected" for a 200). */
async function openStream(token: string, base = svc.url!): Promise<Stream> {
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = httpRequest(`${base}/notifications/stream`, { headers: { authorization: `Bearer ${token}` } }, resolve);
    req.on('error', reject);
    req.end();
  });
  let text = '';
  let endedAt: number | undefined;
  response.setEncoding('utf8');
  response.on('data', (chunk: string) => (text += chunk));
  response.once('end', () => (endedAt ??= Date.now()));
  const stream: Stream = {
    status: response.statusCode ?? 0,
    headers: response.headers,
    text: () => text,
    ended: () => endedAt !== undefined,
    get endedAt() {
      return endedAt;
    },
    close: () => response.destroy(),
  };
  if (stream.status === 200) await eventually('connected', () => Promise.resolve(text.includes(': connected')));
  else await eventually('the refusal read', () => Promise.resolve(stream.ended()));
  return stream;
}

/** A token as the user service signs it, with the session (sid) it was issued in. */
async function sessionToken(userId: string, sessionId: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return issuer.sign({
    iss: TOKEN_ISSUER,
    aud: TOKEN_AUDIENCE,
    sub: userId,
    jti: uuidv7(),
    iat: now,
    nbf: now,
    exp: now + 900,
    role: 'customer',
    email: 'someone@example.com',
    sid: sessionId,
  });
}

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

async function listStatus(token: string, base = svc.url!): Promise<number> {
  const response = await fetch(`${base}/notifications`, { headers: { authorization: `Bearer ${token}` } });
  await response.arrayBuffer();
  return response.status;
}

async function streamsOpen(app: ServiceApp): Promise<number> {
  const metrics = await app.inject({ method: 'GET', url: '/metrics' });
  return Number(/^notification_streams_open(?:\{[^}]*\})? (\d+)$/m.exec(metrics.body)?.[1]);
}

const endEvent = (reason: string): string => `event: end\ndata: ${JSON.stringify({ reason })}\n\n`;

test(`a user's stream past ${STREAMS_PER_USER} is refused with 429, while another user's stream and GET /notifications still work`, async () => {
  const alice = await issuer.token({ userId: uuidv7() });
  const bob = await issuer.token({ userId: uuidv7() });
  const held: Stream[] = [];
  try {
    for (let i = 0; i < STREAMS_PER_USER; i++) held.push(await openStream(alice));
    assert.deepEqual(
      held.map((s) => s.status),
      Array(STREAMS_PER_USER).fill(200),
    );

    const refused = await openStream(alice);
    held.push(refused);
    assert.equal(
      refused.status,
      429,
      `stream ${STREAMS_PER_USER + 1} of one user: ${refused.status} ${refused.text().slice(0, 200)}`,
    );
    assert.match(String(refused.headers['content-type']), /^application\/problem\+json/);
    assert.equal(JSON.parse(refused.text()).code, 'RATE_LIMITED');
    assert.ok(Number(refused.headers['retry-after']) > 0, 'Retry-After');

    const other = await openStream(bob);
    held.push(other);
    assert.equal(other.status, 200, "another user's stream");
    assert.equal(await listStatus(bob), 200, 'GET /notifications of another user');
    assert.equal(await listStatus(alice), 200, 'GET /notifications of the capped user: only streams are capped');

    // A stream the client closes frees its slot.
    held[0]!.close();
    await eventually('a slot freed', async () => {
      const again = await openStream(alice);
      held.push(again);
      return again.status === 200;
    });
  } finally {
    held.forEach((s) => s.close());
  }
});

test(`an instance holding ${MAX_STREAMS} streams refuses the next with 503, and still serves GET /notifications`, async () => {
  const held: Stream[] = [];
  try {
    let refused: Stream | undefined;
    // One user each (so no per-user cap is met), until the instance says no; streams left by other tests count too.
    for (let i = 0; i <= MAX_STREAMS && !refused; i++) {
      const stream = await openStream(await issuer.token({ userId: uuidv7() }));
      held.push(stream);
      if (stream.status !== 200) refused = stream;
    }
    assert.ok(
      refused,
      `${held.length} streams of as many users were all admitted by an instance capped at ${MAX_STREAMS}`,
    );
    assert.equal(refused.status, 503);
    assert.equal(JSON.parse(refused.text()).code, 'OVERLOADED');
    assert.ok(Number(refused.headers['retry-after']) > 0, 'Retry-After');
    assert.equal(await streamsOpen(svc.app), MAX_STREAMS, 'refused exactly at the cap');
    assert.equal(
      await listStatus(await issuer.token({ userId: uuidv7() })),
      200,
      'GET /notifications on the full instance',
    );
  } finally {
    held.forEach((s) => s.close());
  }
  await eventually('the slots freed', async () => (await streamsOpen(svc.app)) === 0);
});

test('a stream ends with event "end" (token-expired) when its access token expires, not before', async () => {
  const token = await issuer.token({ userId: uuidv7(), expiresInSec: 2 });
  const expiresAt =
    (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number }).exp * 1000;
  const stream = await openStream(token);
  try {
    assert.equal(stream.status, 200);
    await eventually('the stream ended', () => Promise.resolve(stream.ended()), 8000);
    assert.ok(
      stream.text().endsWith(endEvent('token-expired')),
      `the last bytes: ${JSON.stringify(stream.text().slice(-80))}`,
    );
    assert.ok(stream.endedAt! >= expiresAt, `ended ${expiresAt - stream.endedAt!} ms before the token expired`);
  } finally {
    stream.close();
  }
});

test("a token that expired within the verifier's clock tolerance gets 401, not a stream that ends at once", async () => {
  const now = Math.floor(Date.now() / 1000);
  const token = await issuer.sign({
    iss: TOKEN_ISSUER,
    aud: TOKEN_AUDIENCE,
    sub: uuidv7(),
    jti: uuidv7(),
    iat: now - 60,
    nbf: now - 60,
    exp: now - 1,
    role: 'customer',
    email: 'late@example.com',
  });
  const stream = await openStream(token);
  stream.close();
  assert.equal(stream.status, 401, stream.text().slice(0, 200));
  assert.equal(JSON.parse(stream.text()).code, 'UNAUTHENTICATED');
});

test("user.session_revoked ends the streams of that session on every instance, and no other session's", async () => {
  const userId = uuidv7();
  const revoked = uuidv7();
  const kept = uuidv7();
  const streams = {
    here: await openStream(await sessionToken(userId, revoked)),
    onPeer: await openStream(await sessionToken(userId, revoked), peer.url),
    otherSessionHere: await openStream(await sessionToken(userId, kept)),
    otherSessionOnPeer: await openStream(await sessionToken(userId, kept), peer.url),
  };
  try {
    assert.deepEqual(
      Object.values(streams).map((s) => s.status),
      [200, 200, 200, 200],
    );
    await log.publish('user', [envelope('user.session_revoked', userId, { userId, sessionId: revoked })]);
    await eventually(
      'both streams of the revoked session ended',
      () => Promise.resolve(streams.here.ended() && streams.onPeer.ended()),
      10_000,
    );
    for (const stream of [streams.here, streams.onPeer])
      assert.ok(stream.text().endsWith(endEvent('session-revoked')), JSON.stringify(stream.text().slice(-80)));

    // Each instance ended its streams of the revoked session in the same call as it would have the others: by now they are safe.
    const seen = { here: streams.otherSessionHere.text().length, onPeer: streams.otherSessionOnPeer.text().length };
    await eventually(
      'heartbeats go on in the other session',
      () =>
        Promise.resolve(
          streams.otherSessionHere.text().slice(seen.here).includes(': heartbeat') &&
            streams.otherSessionOnPeer.text().slice(seen.onPeer).includes(': heartbeat'),
        ),
      5000,
    );
    assert.equal(streams.otherSessionHere.ended() || streams.otherSessionOnPeer.ended(), false);
    assert.ok(!streams.otherSessionHere.text().includes('event: end'));
  } finally {
    Object.values(streams).forEach((s) => s.close());
  }
});

test('clients that leave while their token is verified hold no stream slot', async () => {
  const userId = uuidv7();
  const before = slowVerified;
  const leaving = STREAMS_PER_USER + 1;
  for (let i = 0; i < leaving; i++) {
    const token = await issuer.token({ userId });
    slowTokens.add(token);
    const req = httpRequest(`${svc.url}/notifications/stream`, { headers: { authorization: `Bearer ${token}` } });
    req.on('error', () => undefined);
    req.end();
    setTimeout(() => req.destroy(), 50);
  }
  await eventually('their tokens verified', () => Promise.resolve(slowVerified === before + leaving));
  await new Promise((resolve) => setTimeout(resolve, 200));
  const held: Stream[] = [];
  try {
    for (let i = 0; i < STREAMS_PER_USER; i++) held.push(await openStream(await issuer.token({ userId })));
    assert.deepEqual(
      held.map((s) => s.status),
      Array(STREAMS_PER_USER).fill(200),
      `after ${leaving} clients left early`,
    );
  } finally {
    held.forEach((s) => s.close());
  }
});

test('shutting an instance down ends its streams with event "end" (shutting-down)', async () => {
  const stream = await openStream(await issuer.token({ userId: uuidv7() }), peer.url);
  assert.equal(stream.status, 200);
  await peer.close();
  peer.close = () => Promise.resolve();
  await eventually('the stream ended', () => Promise.resolve(stream.ended()), 5000);
  assert.ok(stream.text().endsWith(endEvent('shutting-down')), JSON.stringify(stream.text().slice(-80)));
});
