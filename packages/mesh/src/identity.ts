import { X509Certificate } from 'node:crypto';

/**
 * Service identities in the mesh are SPIFFE-style URIs in a certificate's
 * subject alternative name: `spiffe://shop.local/<identity>`. Servers authorise
 * callers by it; clients check that the server is the service they meant.
 */
export const TRUST_DOMAIN = 'shop.local';

export function spiffeId(identity: string): string {
  return `spiffe://${TRUST_DOMAIN}/${identity}`;
}

/** The identity a peer certificate carries, or undefined (no certificate, or another trust domain). */
export function identityOf(certificateDer: Buffer | undefined): string | undefined {
  if (!certificateDer || certificateDer.length === 0) return undefined;
  const cert = new X509Certificate(certificateDer);
  const match = /URI:spiffe:\/\/([^/,\s]+)\/([^,\s]+)/.exec(cert.subjectAltName ?? '');
  return match && match[1] === TRUST_DOMAIN ? match[2] : undefined;
}
