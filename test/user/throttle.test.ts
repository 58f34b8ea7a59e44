// Login throttling, counted in the database (shared by instances), on a fake
// clock: hard locks only where the party counted is the one guessing (a client
// address; one account from one address), and across addresses only a delay,
// so nobody can lock a victim out of their account.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import type { ServiceApp } from '@shop/platform';
import { startEmbeddedCluster, type TestCluster } from '../support/postgres.ts';
import { anotherInstance, PASSWORD, signUp, startUserService, type UserService } from './harness.ts';

let cluster: TestCluster;
let user: UserService;
let second: ServiceApp;
let clock = Date.UTC(2030, 0, 1);
const now = (): number => clock;
/** The delays logins waited before their password was checked (recorded, not slept). */
const delays: number[] = [];
const sleep = (ms: number): Promise<void> => {
  delays.push(ms);
  return Promise.resolve();
};

before(async () => {
  cluster = await startEmbeddedCluster('user-throttle');
  user = await startUserService(cluster, {
    now,
    sleep,
    env: { LOGIN_MAX_FAILURES_PER_ACCOUNT: '5', LOGIN_MAX_FAILURES_PER_IP: '12' },
  });
  second = await anotherInstance(user, { now, sleep });
});
after(async () => {
  await second.close();
  await user.close();
  await cluster.close();
});

function attempt(
  email: string,
  password: string,
  ip: string,
  app: ServiceApp = user.app,
): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: '/users/sessions', payload: { email, password }, remoteAddress: ip });
}

async function statuses(count: number, email: string, password: string, ip: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push((await attempt(email, password, ip)).statusCode);
  return out;
}

test('after 5 failures from one address, that address gets 429 + Retry-After for the account, even with the right password, on every instance', async () => {
  await signUp(user.app, 'victim@example.com');
  assert.deepEqual(
    await statuses(5, 'victim@example.com', 'wrong guess number', '10.1.0.1'),
    [401, 401, 401, 401, 401],
  );
  const limited = await attempt('victim@example.com', PASSWORD, '10.1.0.1');
  assert.equal(limited.statusCode, 429);
  assert.equal(limited.json().code, 'RATE_LIMITED');
  assert.equal(limited.headers['retry-after'], '60');
  const elsewhere = await attempt('victim@example.com', PASSWORD, '10.1.0.1', second);
  assert.equal(elsewhere.statusCode, 429, 'the counter lives in the database, not in one instance');
});

test('meanwhile the account owner, from another address, gets in at once: the guesser locked only itself out, and cannot even slow the owner', async () => {
  delays.length = 0;
  const owner = await attempt('victim@example.com', PASSWORD, '10.1.0.2', second);
  assert.equal(owner.statusCode, 200, owner.body);
  assert.deepEqual(delays, [], 'one address is one of the 5 an account may fail from before its logins are delayed');
});

test('the lock of the guessing address grows when it keeps failing after the lock expires, and a later success gets in', async () => {
  clock += 61_000;
  assert.equal((await attempt('victim@example.com', 'still guessing', '10.1.0.1')).statusCode, 401);
  const relocked = await attempt('victim@example.com', PASSWORD, '10.1.0.1');
  assert.equal(relocked.statusCode, 429);
  assert.equal(relocked.headers['retry-after'], '120');
  clock += 121_000;
  assert.equal((await attempt('victim@example.com', PASSWORD, '10.1.0.1')).statusCode, 200);
});

test('guesses at one account from many addresses are delayed, doubling up to 2 s, and never lock the owner out', async () => {
  await signUp(user.app, 'target@example.com');
  delays.length = 0;
  const answers: number[] = [];
  for (let i = 1; i <= 12; i++)
    answers.push((await attempt('target@example.com', `distributed guess ${i}`, `10.6.0.${i}`)).statusCode);
  assert.deepEqual(answers, Array<number>(12).fill(401), 'no address failed more than once: nothing is locked');
  assert.deepEqual(delays, [100, 200, 400, 800, 1600, 2000, 2000]);
  const owner = await attempt('target@example.com', PASSWORD, '10.6.1.1');
  assert.equal(owner.statusCode, 200, owner.body);
  assert.equal(delays.at(-1), 2000);
  delays.length = 0;
  assert.equal((await attempt('target@example.com', PASSWORD, '10.6.1.1')).statusCode, 200);
  assert.deepEqual(delays, [], "a success clears the account's count");
});

test('a success resets the account counter', async () => {
  await signUp(user.app, 'forgetful@example.com');
  assert.deepEqual(await statuses(4, 'forgetful@example.com', 'wrong guess', '10.2.0.1'), [401, 401, 401, 401]);
  assert.equal((await attempt('forgetful@example.com', PASSWORD, '10.2.0.1')).statusCode, 200);
  assert.deepEqual(await statuses(4, 'forgetful@example.com', 'wrong again', '10.2.0.1'), [401, 401, 401, 401]);
  assert.equal((await attempt('forgetful@example.com', PASSWORD, '10.2.0.1')).statusCode, 200);
});

test('unknown emails are throttled like real ones (no enumeration through 429s)', async () => {
  assert.deepEqual(
    await statuses(6, 'ghost@example.com', 'whatever it is', '10.3.0.1'),
    [401, 401, 401, 401, 401, 429],
  );
});

test('one address spraying many accounts is limited by the per-address counter; other addresses are not', async () => {
  const ip = '10.4.0.1';
  const results: number[] = [];
  for (let i = 0; i < 13; i++) results.push((await attempt(`spray${i}@example.com`, 'password123456', ip)).statusCode);
  assert.deepEqual(results, [...Array<number>(12).fill(401), 429]);
  await signUp(user.app, 'innocent@example.com');
  const blocked = await attempt('innocent@example.com', PASSWORD, ip);
  assert.equal(blocked.statusCode, 429);
  assert.ok(Number(blocked.headers['retry-after']) > 0);
  assert.equal((await attempt('innocent@example.com', PASSWORD, '10.4.0.2')).statusCode, 200);
});

test('parallel guesses from one address cannot slip past its limit while hashes are being checked', async () => {
  await signUp(user.app, 'burst@example.com');
  const results = await Promise.all(
    Array.from({ length: 10 }, (_, i) => attempt('burst@example.com', `parallel guess ${i}`, '10.5.0.1')),
  );
  const codes = results.map((r) => r.statusCode).sort();
  assert.deepEqual(codes, [401, 401, 401, 401, 401, 429, 429, 429, 429, 429]);
});
