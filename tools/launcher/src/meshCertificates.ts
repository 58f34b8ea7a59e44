import { X509Certificate } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadOrCreatePki } from '@shop/mesh/pki';

export interface MeshFiles {
  certFile: string;
  keyFile: string;
  caFile: string;
}

const RENEW_BEFORE_MS = 7 * 86_400_000;

/**
 * The local CA (made on first start, kept under .data/pki) issues one
 * certificate per identity: each service, the gateway, and the launcher itself
 * (for its readiness probes). Certificates are reused across restarts and
 * renewed when within a week of expiry.
 */
export async function issueMeshCertificates(
  dir: string,
  identities: readonly string[],
): Promise<Map<string, MeshFiles>> {
  const ca = await loadOrCreatePki(dir);
  const caFile = join(dir, 'ca.crt');
  const out = new Map<string, MeshFiles>();
  for (const identity of identities) {
    const certFile = join(dir, `${identity}.crt`);
    const keyFile = join(dir, `${identity}.key`);
    if (!(await stillValid(certFile, ca.certPem))) {
      const bundle = await ca.issue(identity);
      await writeFile(keyFile, bundle.key, { mode: 0o600 });
      await writeFile(certFile, bundle.cert);
    }
    out.set(identity, { certFile, keyFile, caFile });
  }
  return out;
}

async function stillValid(certFile: string, caPem: string): Promise<boolean> {
  try {
    const cert = new X509Certificate(await readFile(certFile, 'utf8'));
    return cert.verify(new X509Certificate(caPem).publicKey) && Date.parse(cert.validTo) - Date.now() > RENEW_BEFORE_MS;
  } catch {
    return false;
  }
}
