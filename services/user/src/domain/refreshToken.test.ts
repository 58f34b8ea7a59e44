import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assessRefresh, revokesFamily } from './refreshToken.ts';

const live = { expiresAt: 10_000, usedAt: undefined, familyRevokedAt: undefined };

test('an unspent, unexpired token of a live family is valid', () => {
  assert.equal(assessRefresh(live, 5000), 'valid');
});

test('unknown, expired and revoked tokens are refused without revoking anything', () => {
  assert.equal(assessRefresh(undefined, 0), 'unknown');
  assert.equal(assessRefresh(live, 10_000), 'expired');
  assert.equal(assessRefresh({ ...live, familyRevokedAt: 1, usedAt: 1 }, 0), 'revoked');
  for (const verdict of ['unknown', 'expired', 'revoked', 'valid'] as const)
    assert.equal(revokesFamily(verdict), false);
});

test('a spent token presented again is reuse, and reuse revokes the family, even after expiry', () => {
  assert.equal(assessRefresh({ ...live, usedAt: 1 }, 5000), 'reused');
  assert.equal(assessRefresh({ ...live, usedAt: 1 }, 20_000), 'reused');
  assert.equal(revokesFamily('reused'), true);
});
