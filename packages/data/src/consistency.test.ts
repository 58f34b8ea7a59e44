import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConsistencyTracker, ReadYourWrites, formatToken, tokenPosition } from './consistency.ts';
import { MemoryCache } from './cache.ts';

test('a token names its service and position', () => {
  assert.equal(formatToken('product', '0/3000060'), 'product@0/3000060');
});

test("a service reads the latest of its own tokens and ignores others' and malformed ones", () => {
  const header = 'user@9/0, product@0/3000060 , product@0/30000A0,product@zz,@0/1,product@1/2/3';
  assert.equal(tokenPosition(header, 'product'), '0/30000A0');
  assert.equal(tokenPosition(['product@0/1', 'product@0/2'], 'product'), '0/2');
  assert.equal(tokenPosition('user@9/0', 'product'), undefined);
  assert.equal(tokenPosition(undefined, 'product'), undefined);
  assert.equal(tokenPosition('product@ffffffff/ffffffff', 'product'), 'FFFFFFFF/FFFFFFFF');
});

test('the floor is the later of the header and the subject’s noted write', async () => {
  let lsn = '0/100';
  const rw = new ReadYourWrites({
    scope: 'user',
    positionAfterWrite: () => Promise.resolve(lsn),
    tracker: new ConsistencyTracker({ store: new MemoryCache() }),
  });
  assert.deepEqual(await rw.afterWrite('u1'), { lsn: '0/100', token: 'user@0/100' });
  assert.equal(await rw.floor(undefined, 'u1'), '0/100', 'a client that does not echo the token');
  assert.equal(await rw.floor('user@0/200', 'u1'), '0/200');
  assert.equal(await rw.floor(undefined, 'u2'), undefined);
  lsn = '0/300';
  await rw.afterWrite();
  assert.equal(await rw.floor(undefined, 'u1'), '0/100', 'an anonymous write notes nothing');
});

test('a primary that cannot be asked loses the token, not the write', async () => {
  const errors: unknown[] = [];
  const rw = new ReadYourWrites({
    scope: 'user',
    positionAfterWrite: () => Promise.reject(new Error('gone')),
    onError: (e) => errors.push(e),
  });
  assert.equal(await rw.afterWrite('u1'), undefined);
  assert.equal(errors.length, 1);
});

test('noted positions expire', async () => {
  let clock = 0;
  const tracker = new ConsistencyTracker({ store: new MemoryCache({ now: () => clock }), ttlMs: 1000 });
  await tracker.noteWrite('u1', '0/10');
  clock = 999;
  assert.equal(await tracker.minLsnFor('u1'), '0/10');
  clock = 1000;
  assert.equal(await tracker.minLsnFor('u1'), undefined);
});
