import { randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type JSONWebKeySet, type JWTPayload } from 'jose';
import { TOKEN_AUDIENCE, TOKEN_ISSUER, type Role } from './claims.ts';

/**
 * Signs tokens exactly as the user service does, for tests of services that
 * verify them. Not a mock of the user service's logic: only its signature.
 */
export interface TestIssuer {
  jwks: JSONWebKeySet;
  token(claims: { userId?: string; role?: Role; email?: string; expiresInSec?: number }): Promise<string>;
  /** Signs exactly `payload` with the real key and kid (EdDSA): for attack tests that need a valid signature on bad claims. */
  sign(payload: JWTPayload): Promise<string>;
}

export async function createTestIssuer(kid = `test-${randomUUID().slice(0, 8)}`): Promise<TestIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' };
  return {
    jwks: { keys: [jwk] },
    token: ({ userId = randomUUID(), role = 'customer', email = 'someone@example.com', expiresInSec = 900 }) =>
      new SignJWT({ role, email })
        .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'JWT' })
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_AUDIENCE)
        .setSubject(userId)
        .setJti(randomUUID())
        .setIssuedAt()
        .setNotBefore('0s')
        .setExpirationTime(`${expiresInSec}s`)
        .sign(privateKey),
    sign: (payload) => new SignJWT(payload).setProtectedHeader({ alg: 'EdDSA', kid, typ: 'JWT' }).sign(privateKey),
  };
}
