import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { Database, Queryable } from '@shop/data';
import { publishedKeys, retirementTime, signingKeyOf, type KeyRecord } from '../domain/signingKeys.ts';
import { isSealed, seal, unseal, type KeyEncryptionKey, type SealedJwk } from './keyEncryption.ts';

/** A public Ed25519 key as published in the JWKS. */
export interface PublishedKey {
  kty: string;
  crv: string;
  x: string;
  kid: string;
  alg: 'EdDSA';
  use: 'sig';
}
export interface PublishedKeySet {
  keys: PublishedKey[];
}

export interface SigningKey {
  kid: string;
  privateKey: Awaited<ReturnType<typeof importJWK>>;
}

/**
 * The service's Ed25519 signing keys, kept in its database so every instance
 * signs with the same set and publishes the same JWKS. The private JWK is
 * sealed under the key-encryption key (keyEncryption.ts); rows written before
 * that (plaintext) are still read, and sealed at the next start.
 */
export interface KeyStore {
  /**
   * Creates the first signing key if none is active and seals plaintext rows;
   * safe when instances start together. Fails if the signing key does not open
   * under this instance's KEK (better at start than at every login).
   */
  ensureSigningKey(): Promise<void>;
  /** A new key becomes the signing key; the previous ones retire once their tokens have expired. */
  rotate(): Promise<{ kid: string; createdAt: Date }>;
  signingKey(): Promise<SigningKey>;
  jwks(): Promise<PublishedKeySet>;
}

export interface KeyStoreOptions {
  db: Database;
  /** Seals the private keys at rest. */
  kek: KeyEncryptionKey;
  now: () => number;
  accessTokenTtlMs: number;
  /** Beyond the token lifetime: covers other instances' signing-key cache and clock skew. */
  retirementMarginMs?: number;
  /** How long an instance keeps signing with the key it last read. */
  signingCacheMs?: number;
  /** How long a read key set is reused (bounds the queries unknown kids can cause). */
  jwksCacheMs?: number;
}

interface KeyRow {
  kid: string;
  public_jwk: JWK;
  private_jwk: JWK | SealedJwk;
  created_at: Date;
  retires_at: Date | null;
}

const LOCK = 'user:signing-keys';

export function createKeyStore(options: KeyStoreOptions): KeyStore {
  const { db, now } = options;
  const margin = options.retirementMarginMs ?? 60_000;
  const signingCacheMs = options.signingCacheMs ?? 10_000;
  const jwksCacheMs = options.jwksCacheMs ?? 1000;
  let signing: { key: SigningKey; readAt: number } | undefined;
  let published: { set: PublishedKeySet; readAt: number } | undefined;

  const readKeys = async (q: Queryable): Promise<Array<KeyRecord & { row: KeyRow }>> => {
    const { rows } = await q.query<KeyRow>(
      'SELECT kid, public_jwk, private_jwk, created_at, retires_at FROM signing_keys WHERE retires_at IS NULL OR retires_at > $1',
      [new Date(now())],
    );
    return rows.map((row) => ({
      kid: row.kid,
      createdAt: row.created_at.getTime(),
      retiresAt: row.retires_at?.getTime(),
      row,
    }));
  };

  const insertKey = async (q: Queryable): Promise<KeyRow> => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const row: KeyRow = {
      kid,
      public_jwk: publicJwk,
      private_jwk: seal(await exportJWK(privateKey), kid, options.kek),
      created_at: new Date(now()),
      retires_at: null,
    };
    await q.query('INSERT INTO signing_keys (kid, public_jwk, private_jwk, created_at) VALUES ($1, $2, $3, $4)', [
      row.kid,
      JSON.stringify(row.public_jwk),
      JSON.stringify(row.private_jwk),
      row.created_at,
    ]);
    return row;
  };

  const toSigningKey = async (row: KeyRow): Promise<SigningKey> => ({
    kid: row.kid,
    privateKey: await importJWK(unseal(row.private_jwk, row.kid, options.kek), 'EdDSA'),
  });

  /** Seals every row still holding a plaintext private key (written before keys were sealed). */
  const sealPlaintextRows = async (q: Queryable): Promise<void> => {
    const { rows } = await q.query<{ kid: string; private_jwk: JWK | SealedJwk }>(
      "SELECT kid, private_jwk FROM signing_keys WHERE NOT private_jwk ? 'sealed'",
    );
    for (const row of rows) {
      if (!isSealed(row.private_jwk))
        await q.query('UPDATE signing_keys SET private_jwk = $2 WHERE kid = $1', [
          row.kid,
          JSON.stringify(seal(row.private_jwk, row.kid, options.kek)),
        ]);
    }
  };

  const ensureSigningKey = async (): Promise<void> => {
    const current = await db.transaction(async (q) => {
      await q.query('SELECT pg_advisory_xact_lock(hashtext($1))', [LOCK]);
      await sealPlaintextRows(q);
      return signingKeyOf(await readKeys(q))?.row ?? (await insertKey(q));
    });
    await toSigningKey(current);
  };

  return {
    ensureSigningKey,

    async rotate() {
      const row = await db.transaction(async (q) => {
        await q.query('SELECT pg_advisory_xact_lock(hashtext($1))', [LOCK]);
        const created = await insertKey(q);
        const retiresAt = new Date(retirementTime(now(), options.accessTokenTtlMs, margin));
        await q.query('UPDATE signing_keys SET retires_at = $1 WHERE retires_at IS NULL AND kid <> $2', [
          retiresAt,
          created.kid,
        ]);
        return created;
      });
      signing = { key: await toSigningKey(row), readAt: now() };
      published = undefined;
      return { kid: row.kid, createdAt: row.created_at };
    },

    async signingKey() {
      if (signing && now() - signing.readAt < signingCacheMs) return signing.key;
      let current = signingKeyOf(await readKeys(db));
      if (!current) {
        await ensureSigningKey();
        current = signingKeyOf(await readKeys(db));
      }
      if (!current) throw new Error('No signing key could be created');
      signing = { key: await toSigningKey(current.row), readAt: now() };
      return signing.key;
    },

    async jwks() {
      if (published && now() - published.readAt < jwksCacheMs) return published.set;
      const keys = publishedKeys(await readKeys(db), now()).sort((a, b) => b.createdAt - a.createdAt);
      const set: PublishedKeySet = {
        keys: keys.map(({ row }) => ({
          kty: row.public_jwk.kty ?? 'OKP',
          crv: row.public_jwk.crv ?? 'Ed25519',
          x: row.public_jwk.x ?? '',
          kid: row.kid,
          alg: 'EdDSA',
          use: 'sig',
        })),
      };
      published = { set, readAt: now() };
      return set;
    },
  };
}
