import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PeerCertificate } from 'node:tls';
import { peerIdentityCheck } from './transport.ts';

const cert = (subjectaltname: string | undefined): PeerCertificate => ({ subjectaltname }) as PeerCertificate;

test('the server must carry the expected identity among its URIs', () => {
  const check = peerIdentityCheck('spiffe://shop.local/product');
  assert.equal(check('127.0.0.1', cert('DNS:localhost, URI:spiffe://shop.local/product')), undefined);
  assert.ok(check('127.0.0.1', cert('URI:spiffe://shop.local/order')) instanceof Error, 'another service');
  assert.ok(check('127.0.0.1', cert('URI:spiffe://shop.local/product-evil')) instanceof Error, 'a longer name');
  assert.ok(check('127.0.0.1', cert(undefined)) instanceof Error, 'no alternative names');
});
