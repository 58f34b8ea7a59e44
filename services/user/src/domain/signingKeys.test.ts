import { test } from 'node:test';
import assert from 'node:assert/strict';
import { publishedKeys, retirementTime, signingKeyOf } from './signingKeys.ts';

const keys = [
  { kid: 'old', createdAt: 1, retiresAt: 5000 },
  { kid: 'current', createdAt: 2, retiresAt: undefined },
  { kid: 'gone', createdAt: 0, retiresAt: 100 },
];

test('the newest unretired key signs', () => {
  assert.equal(signingKeyOf(keys)?.kid, 'current');
  assert.equal(signingKeyOf([{ kid: 'a', createdAt: 1, retiresAt: 2 }]), undefined);
});

test('retiring keys stay published until their retirement time', () => {
  assert.deepEqual(
    publishedKeys(keys, 1000).map((k) => k.kid),
    ['old', 'current'],
  );
  assert.deepEqual(
    publishedKeys(keys, 5000).map((k) => k.kid),
    ['current'],
  );
});

test('a key retires after the longest-lived token it signed, plus the margin', () => {
  assert.equal(retirementTime(1000, 900_000, 60_000), 961_000);
});
