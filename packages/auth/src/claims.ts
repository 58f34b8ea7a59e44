/**
 * The access-token contract between the user service (which signs) and every
 * verifier (gateway, services). Change it in one place.
 *
 * - JWS, alg EdDSA (Ed25519) only; header carries `kid`.
 * - iss = TOKEN_ISSUER, aud = TOKEN_AUDIENCE, exp, iat, nbf, jti.
 * - sub = user id (uuid), `role` = 'customer' | 'admin', `email` = normalised email.
 * - sid = the session (refresh-token family) the token was issued in, when
 *   there is one: a revoked session ends what its tokens hold open (streams).
 * - JWKS served by the user service at GET /users/.well-known/jwks.json.
 */
export const TOKEN_ISSUER = 'urn:shop:user-service';
export const TOKEN_AUDIENCE = 'urn:shop:api';
export const TOKEN_ALGORITHMS = ['EdDSA'] as const;
/** Declared with the key set's schema in @shop/contracts. */
export { JWKS_PATH } from '@shop/contracts';

export type Role = 'customer' | 'admin';

export interface Principal {
  userId: string;
  role: Role;
  email: string;
  /** The token's id, for logging and revocation lists. */
  tokenId: string;
  /** The session (refresh-token family) the token belongs to, from `sid`; absent in tokens of older issuers. */
  sessionId: string | undefined;
  /** When the token expires, epoch ms: long-lived work done on its say-so (a stream) ends then. */
  expiresAt: number;
}
