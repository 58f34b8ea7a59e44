import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { spiffeId } from './identity.ts';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
type CryptoKey = webcrypto.CryptoKey;

/**
 * The mesh's local certificate authority. Made once on first start under
 * .data/pki and kept; every service identity gets a certificate whose SAN is a
 * SPIFFE-style URI, `spiffe://shop.local/<identity>`, which is what servers
 * authorise callers by. ECDSA P-256: fast to make and to handshake.
 */
const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface PemBundle {
  cert: string;
  key: string;
  ca: string;
}

export interface CertificateAuthority {
  certPem: string;
  issue(identity: string, options?: { validForMs?: number; notBefore?: Date }): Promise<PemBundle>;
}

async function exportKey(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`;
}

async function importKey(pem: string): Promise<CryptoKey> {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return webcrypto.subtle.importKey('pkcs8', der, ALG, true, ['sign']);
}

function serial(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
    .toString('hex')
    .replace(/^[89a-f]/, '1');
}

export async function createCertificateAuthority(
  name = 'shop local mesh CA',
  validForMs = 10 * 365 * 86_400_000,
): Promise<{ ca: CertificateAuthority; keyPem: string }> {
  const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${name}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + validForMs),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const keyPem = await exportKey(keys.privateKey);
  return { ca: authority(cert, keys.privateKey), keyPem };
}

function authority(caCert: x509.X509Certificate, caKey: CryptoKey): CertificateAuthority {
  const certPem = caCert.toString('pem');
  return {
    certPem,
    async issue(identity, options = {}) {
      const keys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
      const notBefore = options.notBefore ?? new Date(Date.now() - 60_000);
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: serial(),
        subject: `CN=${identity}`,
        issuer: caCert.subject,
        notBefore,
        notAfter: new Date(notBefore.getTime() + (options.validForMs ?? 365 * 86_400_000)),
        signingKey: caKey,
        publicKey: keys.publicKey,
        signingAlgorithm: ALG,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
          new x509.SubjectAlternativeNameExtension([
            { type: 'url', value: spiffeId(identity) },
            { type: 'dns', value: 'localhost' },
            { type: 'ip', value: '127.0.0.1' },
          ]),
          await x509.AuthorityKeyIdentifierExtension.create(caCert),
        ],
      });
      return { cert: cert.toString('pem'), key: await exportKey(keys.privateKey), ca: certPem };
    },
  };
}

/** Loads the CA from `dir`, making it on first use; issues (and caches) certificates per identity. */
export async function loadOrCreatePki(dir: string): Promise<CertificateAuthority> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const certFile = join(dir, 'ca.crt');
  const keyFile = join(dir, 'ca.key');
  try {
    const [certPem, keyPem] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
    return authority(new x509.X509Certificate(certPem), await importKey(keyPem));
  } catch {
    const { ca, keyPem } = await createCertificateAuthority();
    await writeFile(keyFile, keyPem, { mode: 0o600 });
    await writeFile(certFile, ca.certPem);
    return ca;
  }
}
