// Sign-up limits on a real PostgreSQL, fake clock: five accounts per client
// address per minute (shared by instances; it also bounds the welcome emails
// one client can have sent to addresses it types in) and twenty sign-ups a
// second per instance, both refused with 429 + Retry-After before any hash.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import type { ServiceApp } from '@shop/platform';
import { startEmbeddedCluster, type TestCluster } from '../support/postgres.ts';
import { anotherInstance, PASSWORD, startUserService, type UserService } from './harness.ts';

let cluster: TestCluster;
let user: UserService;
const others: ServiceApp[] = [];
let clock = Date.UTC(2030, 0, 1);
const now = (): number => clock;

before(async () => {
  cluster = await startEmbeddedCluster('user-signup-limits');
  // The service's defaults (the harness otherwise lifts them out of other tests' way).
  user = await startUserService(cluster, {
    now,
    env: { SIGNUP_MAX_PER_ADDRESS: '5', SIGNUP_ADDRESS_WINDOW_SEC: '60', SIGNUP_MAX_PER_SEC: '20' },
  });
});
after(async () => {
  await Promise.all(others.map((app) => app.close()));
  await user.close();
  await cluster.close();
});

let serial = 0;
function signUpFrom(
  address: string,
  email = `limit-${++serial}@example.com`,
  app: ServiceApp = user.app,
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/users',
    payload: { email, password: PASSWORD, name: 'Limit' },
    remoteAddress: address,
  });
}

async function welcomes(): Promise<number> {
  const { rows } = await user.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM outbox WHERE type = 'user.registered'",
  );
  return rows[0]!.n;
}

test('five accounts per client address per minute: the sixth is 429 + Retry-After, with no account and no welcome email', async () => {
  const before = await welcomes();
  const answers: number[] = [];
  for (let i = 0; i < 5; i++) answers.push((await signUpFrom('192.0.2.1')).statusCode);
  assert.deepEqual(answers, [201, 201, 201, 201, 201]);
  clock += 10_000;
  const sixth = await signUpFrom('192.0.2.1', 'sixth@example.com');
  assert.equal(sixth.statusCode, 429);
  assert.equal(sixth.json().code, 'RATE_LIMITED');
  assert.equal(sixth.headers['retry-after'], '50');
  const { rows } = await user.db.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM users WHERE email = 'sixth@example.com'",
  );
  assert.equal(rows[0]!.n, 0);
  assert.equal(await welcomes(), before + 5, 'one welcome email per account made, none for the refused one');
});

test('another address is not limited by the first; a minute later the first may sign up again', async () => {
  assert.equal((await signUpFrom('192.0.2.2')).statusCode, 201);
  clock += 50_000;
  assert.equal((await signUpFrom('192.0.2.1')).statusCode, 201);
});

test('parallel sign-ups from one address make at most five accounts', async () => {
  const answers = await Promise.all(Array.from({ length: 8 }, () => signUpFrom('192.0.2.3')));
  assert.deepEqual(answers.map((a) => a.statusCode).sort(), [201, 201, 201, 201, 201, 429, 429, 429]);
});

test("refused sign-ups (a taken email, a weak password) use none of the address's allowance", async () => {
  assert.equal((await signUpFrom('192.0.2.4', 'taken-once@example.com')).statusCode, 201);
  for (let i = 0; i < 6; i++) assert.equal((await signUpFrom('192.0.2.4', 'taken-once@example.com')).statusCode, 409);
  const weak = await user.app.inject({
    method: 'POST',
    url: '/users',
    payload: { email: 'weak@example.com', password: 'short', name: 'W' },
    remoteAddress: '192.0.2.4',
  });
  assert.equal(weak.statusCode, 400);
  const answers: number[] = [];
  for (let i = 0; i < 5; i++) answers.push((await signUpFrom('192.0.2.4')).statusCode);
  assert.deepEqual(answers, [201, 201, 201, 201, 429]);
});

test('an instance admits SIGNUP_MAX_PER_SEC sign-ups a second from all addresses together', async () => {
  const small = await anotherInstance(user, { now, instance: 'user-small', config: { SIGNUP_MAX_PER_SEC: 3 } });
  others.push(small);
  const answers: LightMyRequestResponse[] = [];
  for (let i = 0; i < 4; i++) answers.push(await signUpFrom(`192.0.2.${10 + i}`, undefined, small));
  assert.deepEqual(
    answers.map((a) => a.statusCode),
    [201, 201, 201, 429],
  );
  assert.equal(answers[3]!.headers['retry-after'], '1');
  clock += 1000;
  assert.equal((await signUpFrom('192.0.2.20', undefined, small)).statusCode, 201);
});

test("an address past its own limit spends none of the instance's rate: a flood of refused sign-ups leaves it to others", async () => {
  const small = await anotherInstance(user, { now, instance: 'user-flooded', config: { SIGNUP_MAX_PER_SEC: 3 } });
  others.push(small);
  clock += 60_000;
  // 192.0.2.30 uses its five accounts over two seconds (the instance's rate allows three a second)...
  const made: number[] = [];
  for (let i = 0; i < 5; i++) {
    if (i === 3) clock += 1000;
    made.push((await signUpFrom('192.0.2.30', undefined, small)).statusCode);
  }
  assert.deepEqual(made, [201, 201, 201, 201, 201]);
  clock += 1000;
  // ...then keeps trying: each is refused for its address, before the instance's rate is touched.
  for (let i = 0; i < 20; i++)
    assert.match((await signUpFrom('192.0.2.30', undefined, small)).json().detail as string, /from your address/);
  const others3: number[] = [];
  for (let i = 0; i < 3; i++) others3.push((await signUpFrom(`192.0.2.${31 + i}`, undefined, small)).statusCode);
  assert.deepEqual(others3, [201, 201, 201], "three other addresses get the instance's whole second");
});
