import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { JWK } from 'jose';

/**
 * Signing keys at rest: each private JWK is sealed with AES-256-GCM under a
 * key-encryption key (KEK) that is not in the database (SIGNING_KEY_KEK_FILE),
 * so a copy of the database (a backup, a replica, a SQL injection) does not
 * sign tokens. The key's kid is the additional data: a sealed key moved to
 * another row does not open.
 */
export interface KeyEncryptionKey {
  /** A fingerprint of the KEK (not the key): names which KEK sealed a row. */
  id: string;
  key: Buffer;
}

export interface SealedJwk {
  sealed: 'A256GCM';
  kek: string;
  iv: string;
  tag: string;
  ct: string;
}

export function kekFromBytes(key: Buffer): KeyEncryptionKey {
  if (key.length !== 32) throw new Error(`A key-encryption key is 32 bytes, got ${key.length}`);
  return {
    id: createHash('sha256').update('shop signing-key KEK id\0').update(key).digest('base64url').slice(0, 16),
    key,
  };
}

/** Reads a KEK file: 32 random bytes, base64 (the launcher makes it once: <data dir>/pki/signing-kek). */
export async function loadKek(file: string): Promise<KeyEncryptionKey> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(
      `SIGNING_KEY_KEK_FILE ${file} cannot be read: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== 32)
    throw new Error(`SIGNING_KEY_KEK_FILE ${file} must hold 32 bytes in base64, it holds ${key.length}`);
  return kekFromBytes(key);
}

export function isSealed(value: unknown): value is SealedJwk {
  return typeof value === 'object' && value !== null && (value as { sealed?: unknown }).sealed === 'A256GCM';
}

export function seal(jwk: JWK, kid: string, kek: KeyEncryptionKey): SealedJwk {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', kek.key, iv).setAAD(Buffer.from(kid, 'utf8'));
  const ct = Buffer.concat([cipher.update(JSON.stringify(jwk), 'utf8'), cipher.final()]);
  return {
    sealed: 'A256GCM',
    kek: kek.id,
    iv: iv.toString('base64url'),
    tag: cipher.getAuthTag().toString('base64url'),
    ct: ct.toString('base64url'),
  };
}

/** The private JWK of a row: sealed ones are opened, plaintext ones (written before sealing) pass through. */
export function unseal(stored: JWK | SealedJwk, kid: string, kek: KeyEncryptionKey): JWK {
  if (!isSealed(stored)) return stored;
  if (stored.kek !== kek.id)
    throw new Error(
      `Signing key ${kid} was sealed under KEK ${stored.kek}, this instance has KEK ${kek.id}: SIGNING_KEY_KEK_FILE must be the same file for every instance`,
    );
  const decipher = createDecipheriv('aes-256-gcm', kek.key, Buffer.from(stored.iv, 'base64url')).setAAD(
    Buffer.from(kid, 'utf8'),
  );
  decipher.setAuthTag(Buffer.from(stored.tag, 'base64url'));
  const plain = Buffer.concat([decipher.update(Buffer.from(stored.ct, 'base64url')), decipher.final()]);
  return JSON.parse(plain.toString('utf8')) as JWK;
}
