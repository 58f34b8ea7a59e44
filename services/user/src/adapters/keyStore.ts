import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { Database, Queryable } from '@shop/data';
import type { KeyStore, PublishedKeySet } from '../domain/ports.ts';
import { publishedKeys, retirementTime, signingKeyOf, type KeyRecord } from '../domain/signingKeys.ts';
import { isSealed, seal, unseal, type KeyEncryptionKey, type SealedJwk } from './keyEncryption.ts';

export interface SigningKey {
  kid: string;
  privateKey: Awaited<ReturnType<typeof importJWK>>;
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

type StoredKey = KeyRecord & { row: KeyRow };

const LOCK = 'user:signing-keys';

/**
 * The service's Ed25519 signing keys, kept in its database so every instance
 * signs with the same set and publishes the same JWKS. The private JWK is
 * sealed under the key-encryption key (keyEncryption.ts); rows written before
 * that (plaintext) are still read, and sealed at the next start.
 */
export class SqlKeyStore implements KeyStore {
  readonly #options: KeyStoreOptions;
  #signing: { key: SigningKey; readAt: number } | undefined;
  #published: { set: PublishedKeySet; readAt: number } | undefined;

  constructor(options: KeyStoreOptions) {
    this.#options = options;
  }

  async ensureSigningKey(): Promise<void> {
    const current = await this.#options.db.transaction(async (q) => {
      await q.query('SELECT pg_advisory_xact_lock(hashtext($1))', [LOCK]);
      await this.#sealPlaintextRows(q);
      return signingKeyOf(await this.#readKeys(q))?.row ?? (await this.#insertKey(q));
    });
    await this.#toSigningKey(current);
  }

  async rotate(): Promise<{ kid: string; createdAt: Date }> {
    const { now, accessTokenTtlMs } = this.#options;
    const row = await this.#options.db.transaction(async (q) => {
      await q.query('SELECT pg_advisory_xact_lock(hashtext($1))', [LOCK]);
      const created = await this.#insertKey(q);
      const retiresAt = new Date(retirementTime(now(), accessTokenTtlMs, this.#options.retirementMarginMs ?? 60_000));
      await q.query('UPDATE signing_keys SET retires_at = $1 WHERE retires_at IS NULL AND kid <> $2', [
        retiresAt,
        created.kid,
      ]);
      return created;
    });
    this.#signing = { key: await this.#toSigningKey(row), readAt: now() };
    this.#published = undefined;
    return { kid: row.kid, createdAt: row.created_at };
  }

  /** The key to sign with now (cached for signingCacheMs). */
  async signingKey(): Promise<SigningKey> {
    const { db, now } = this.#options;
    if (this.#signing && now() - this.#signing.readAt < (this.#options.signingCacheMs ?? 10_000))
      return this.#signing.key;
    let current = signingKeyOf(await this.#readKeys(db));
    if (!current) {
      await this.ensureSigningKey();
      current = signingKeyOf(await this.#readKeys(db));
    }
    if (!current) throw new Error('No signing key could be created');
    this.#signing = { key: await this.#toSigningKey(current.row), readAt: now() };
    return this.#signing.key;
  }

  async jwks(): Promise<PublishedKeySet> {
    const { db, now } = this.#options;
    if (this.#published && now() - this.#published.readAt < (this.#options.jwksCacheMs ?? 1000))
      return this.#published.set;
    const keys = publishedKeys(await this.#readKeys(db), now()).sort((a, b) => b.createdAt - a.createdAt);
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
    this.#published = { set, readAt: now() };
    return set;
  }

  async #readKeys(q: Queryable): Promise<StoredKey[]> {
    const { rows } = await q.query<KeyRow>(
      'SELECT kid, public_jwk, private_jwk, created_at, retires_at FROM signing_keys WHERE retires_at IS NULL OR retires_at > $1',
      [new Date(this.#options.now())],
    );
    return rows.map((row) => ({
      kid: row.kid,
      createdAt: row.created_at.getTime(),
      retiresAt: row.retires_at?.getTime(),
      row,
    }));
  }

  async #insertKey(q: Queryable): Promise<KeyRow> {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const row: KeyRow = {
      kid,
      public_jwk: publicJwk,
      private_jwk: seal(await exportJWK(privateKey), kid, this.#options.kek),
      created_at: new Date(this.#options.now()),
      retires_at: null,
    };
    await q.query('INSERT INTO signing_keys (kid, public_jwk, private_jwk, created_at) VALUES ($1, $2, $3, $4)', [
      row.kid,
      JSON.stringify(row.public_jwk),
      JSON.stringify(row.private_jwk),
      row.created_at,
    ]);
    return row;
  }

  async #toSigningKey(row: KeyRow): Promise<SigningKey> {
    return { kid: row.kid, privateKey: await importJWK(unseal(row.private_jwk, row.kid, this.#options.kek), 'EdDSA') };
  }

  /** Seals every row still holding a plaintext private key (written before keys were sealed). */
  async #sealPlaintextRows(q: Queryable): Promise<void> {
    const { rows } = await q.query<{ kid: string; private_jwk: JWK | SealedJwk }>(
      "SELECT kid, private_jwk FROM signing_keys WHERE NOT private_jwk ? 'sealed'",
    );
    for (const row of rows) {
      if (!isSealed(row.private_jwk))
        await q.query('UPDATE signing_keys SET private_jwk = $2 WHERE kid = $1', [
          row.kid,
          JSON.stringify(seal(row.private_jwk, row.kid, this.#options.kek)),
        ]);
    }
  }
}
