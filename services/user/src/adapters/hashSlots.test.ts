import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHashSlots, HashSlotsFullError, type HashUse } from './hashSlots.ts';

/** Work that runs until released, recording when it started. */
function gate(): { promise: Promise<void>; release: () => void } {
  let release = (): void => undefined;
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test('a sign-up flood takes only its share: a login still starts at once', async () => {
  const slots = createHashSlots({ concurrency: 2, reservedForLogins: 1, queue: 16 });
  const started: HashUse[] = [];
  const gates = Array.from({ length: 5 }, gate);
  const signUps = gates.map((g) =>
    slots.run('signup', async () => {
      started.push('signup');
      await g.promise;
    }),
  );
  await tick();
  assert.deepEqual(started, ['signup'], 'one sign-up runs, the rest wait');
  const login = gate();
  const loggingIn = slots.run('login', async () => {
    started.push('login');
    await login.promise;
  });
  await tick();
  assert.deepEqual(started, ['signup', 'login'], 'the login took the reserved slot without waiting for sign-ups');
  login.release();
  await loggingIn;
  for (const g of gates) g.release();
  await Promise.all(signUps);
});

test('logins may use every slot, and a freed slot goes to a waiting login before a sign-up', async () => {
  const slots = createHashSlots({ concurrency: 2, reservedForLogins: 1, queue: 16 });
  const order: string[] = [];
  const first = gate();
  const second = gate();
  const a = slots.run('login', () => first.promise);
  const b = slots.run('login', () => second.promise);
  const c = slots.run('signup', () => Promise.resolve(order.push('signup')));
  const d = slots.run('login', () => Promise.resolve(order.push('login')));
  await tick();
  assert.deepEqual(order, [], 'two logins hold both slots');
  first.release();
  await a;
  await d;
  assert.deepEqual(order, ['login']);
  second.release();
  await Promise.all([b, c]);
  assert.deepEqual(order, ['login', 'signup']);
});

test('a full sign-up queue refuses sign-ups at once, never logins', async () => {
  const slots = createHashSlots({ concurrency: 2, reservedForLogins: 1, queue: 1 });
  const hold = gate();
  const running = slots.run('signup', () => hold.promise);
  const queued = slots.run('signup', () => Promise.resolve());
  await assert.rejects(
    slots.run('signup', () => Promise.resolve()),
    (error: unknown) => error instanceof HashSlotsFullError && error.use === 'signup',
  );
  assert.equal(await slots.run('login', () => Promise.resolve('in')), 'in');
  hold.release();
  await Promise.all([running, queued]);
});

test('a reservation as large as the pool is refused: sign-ups would never run', () => {
  assert.throws(() => createHashSlots({ concurrency: 2, reservedForLogins: 2, queue: 1 }), /below concurrency/);
});
