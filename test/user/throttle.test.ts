// Login throttling per account and per client address, counted in the database. Fake clock.
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

before(async () => {
  cluster = await startEmbeddedCluster('user-throttle');
  user = await startUserService(cluster, { now, env: { LOGIN_MAX_FAILURES_PER_ACCOUNT: '5', LOGIN_MAX_FAILURES_PER_IP: '12' } });
  second = await anotherInstance(user, { now });
});
after(async () => {
  await second.close();
  await user.close();
  await cluster.close();
});

function attempt(email: string, password: string, ip: string, app: ServiceApp = user.app): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: '/users/sessions', payload: { email, password }, remoteAddress: ip });
}

async function statuses(count: number, email: string, password: string, ip: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push((await attempt(email, password, ip)).statusCode);
  return out;
}

test('after 5 failures an account gets 429 + Retry-After, even with the right password, on every instance', async () => {
  await signUp(user.app, 'victim@example.com');
  assert.deepEqual(await statuses(5, 'victim@example.com', 'wrong guess number', '10.1.0.1'), [401, 401, 401, 401, 401]);
  const limited = await attempt('victim@example.com', PASSWORD, '10.1.0.2');
  assert.equal(limited.statusCode, 429);
  assert.equal(limited.json().code, 'RATE_LIMITED');
  assert.equal(limited.headers['retry-after'], '60');
  const elsewhere = await attempt('victim@example.com', PASSWORD, '10.1.0.3', second);
  assert.equal(elsewhere.statusCode, 429, 'the counter lives in the database, not in one instance');
});

test('the lock grows when failures continue after it expires, and a later success gets in', async () => {
  clock += 61_000;
  assert.equal((await attempt('victim@example.com', 'still guessing', '10.1.0.4')).statusCode, 401);
  const relocked = await attempt('victim@example.com', PASSWORD, '10.1.0.4');
  assert.equal(relocked.statusCode, 429);
  assert.equal(relocked.headers['retry-after'], '120');
  clock += 121_000;
  assert.equal((await attempt('victim@example.com', PASSWORD, '10.1.0.4')).statusCode, 200);
});

test('a success resets the account counter', async () => {
  await signUp(user.app, 'forgetful@example.com');
  assert.deepEqual(await statuses(4, 'forgetful@example.com', 'wrong guess', '10.2.0.1'), [401, 401, 401, 401]);
  assert.equal((await attempt('forgetful@example.com', PASSWORD, '10.2.0.1')).statusCode, 200);
  assert.deepEqual(await statuses(4, 'forgetful@example.com', 'wrong again', '10.2.0.1'), [401, 401, 401, 401]);
  assert.equal((await attempt('forgetful@example.com', PASSWORD, '10.2.0.1')).statusCode, 200);
});

test('unknown emails are throttled like real ones (no enumeration through 429s)', async () => {
  assert.deepEqual(await statuses(6, 'ghost@example.com', 'whatever it is', '10.3.0.1'), [401, 401, 401, 401, 401, 429]);
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

test('parallel guesses cannot slip past the limit while hashes are being checked', async () => {
  await signUp(user.app, 'burst@example.com');
  const results = await Promise.all(Array.from({ length: 10 }, (_, i) => attempt('burst@example.com', `parallel guess ${i}`, `10.5.0.${i + 1}`)));
  const codes = results.map((r) => r.statusCode).sort();
  assert.deepEqual(codes, [401, 401, 401, 401, 401, 429, 429, 429, 429, 429]);
});
