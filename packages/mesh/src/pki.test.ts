import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { identityOf } from './identity.ts';
import { createCertificateAuthority } from './pki.ts';

test('issued certificates chain to the CA and carry the identity as a SPIFFE URI', async () => {
  const { ca } = await createCertificateAuthority();
  const bundle = await ca.issue('order');
  const cert = new X509Certificate(bundle.cert);
  assert.equal(cert.verify(new X509Certificate(ca.certPem).publicKey), true);
  assert.match(cert.subjectAltName ?? '', /URI:spiffe:\/\/shop\.local\/order/);
  assert.equal(identityOf(cert.raw), 'order');
});

test('a certificate from another CA does not verify against ours', async () => {
  const { ca } = await createCertificateAuthority();
  const { ca: foreign } = await createCertificateAuthority('someone else');
  const bundle = await foreign.issue('order');
  assert.equal(new X509Certificate(bundle.cert).verify(new X509Certificate(ca.certPem).publicKey), false);
});
