import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { isSealed, kekFromBytes, seal, unseal } from './keyEncryption.ts';

const kek = kekFromBytes(randomBytes(32));
const jwk = { kty: 'OKP', crv: 'Ed25519', x: 'public-part', d: 'private-part' };

test('a sealed key carries no private part in the clear and opens under its KEK and kid', () => {
  const sealed = seal(jwk, 'kid-1', kek);
  assert.ok(isSealed(sealed));
  assert.ok(!JSON.stringify(sealed).includes('private-part'));
  assert.deepEqual(unseal(sealed, 'kid-1', kek), jwk);
});

test('another KEK, another kid or a changed byte does not open it', () => {
  const sealed = seal(jwk, 'kid-1', kek);
  assert.throws(() => unseal(sealed, 'kid-1', kekFromBytes(randomBytes(32))), /sealed under KEK/);
  assert.throws(() => unseal(sealed, 'kid-2', kek));
  const ct = Buffer.from(sealed.ct, 'base64url');
  ct[0] = (ct[0] ?? 0) ^ 1;
  assert.throws(() => unseal({ ...sealed, ct: ct.toString('base64url') }, 'kid-1', kek));
});

test('a plaintext row written before sealing is read as it is', () => {
  assert.equal(isSealed(jwk), false);
  assert.deepEqual(unseal(jwk, 'kid-1', kek), jwk);
});

test('a KEK is 32 bytes', () => {
  assert.throws(() => kekFromBytes(randomBytes(16)), /32 bytes/);
});
