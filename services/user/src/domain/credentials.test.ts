import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkPassword, isPlausibleEmail, normaliseEmail } from './credentials.ts';

test('short passwords are refused with the rule they broke', () => {
  assert.deepEqual(checkPassword('short', 'a@b.co'), { ok: false, reason: 'must be at least 10 characters' });
});

test('a password repeating the email local part is refused', () => {
  const verdict = checkPassword('Alice.smith-2026', 'alice.smith@example.com');
  assert.equal(verdict.ok, false);
});

test('a long varied password passes', () => {
  assert.deepEqual(checkPassword('correct horse battery staple', 'bob@example.com'), { ok: true });
});

test('emails are normalised to one canonical form', () => {
  assert.equal(normaliseEmail('  Alice@Example.COM '), 'alice@example.com');
  assert.equal(isPlausibleEmail('alice@example.com'), true);
  assert.equal(isPlausibleEmail('alice@@example.com'), false);
  assert.equal(isPlausibleEmail('alice'), false);
  assert.equal(isPlausibleEmail('ali\u0000ce@example.com'), false);
});
