import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from '@shop/auth';
import type { AccessTokenSigner } from '../domain/ports.ts';
import type { SqlKeyStore } from './keyStore.ts';

/**
 * Access tokens exactly per @shop/auth's claims contract, signed by the
 * current key; `sid` names the session (refresh-token family) the token was
 * issued in, so the end of that session (user.session_revoked) can end what
 * the token holds open.
 */
export function createAccessTokenSigner(keys: Pick<SqlKeyStore, 'signingKey'>): AccessTokenSigner {
  return {
    async sign(user, sessionId, times) {
      const key = await keys.signingKey();
      const issuedAt = Math.floor(times.now / 1000);
      return new SignJWT({ role: user.role, email: user.email, sid: sessionId })
        .setProtectedHeader({ alg: 'EdDSA', kid: key.kid, typ: 'JWT' })
        .setIssuer(TOKEN_ISSUER)
        .setAudience(TOKEN_AUDIENCE)
        .setSubject(user.id)
        .setJti(randomUUID())
        .setIssuedAt(issuedAt)
        .setNotBefore(issuedAt)
        .setExpirationTime(issuedAt + times.ttlSec)
        .sign(key.privateKey);
    },
  };
}
