/**
 * The access-token contract between the user service (which signs) and every
 * verifier (gateway, services). Change it in one place.
 *
 * - JWS, alg EdDSA (Ed25519) only; header carries `kid`.
 * - iss = TOKEN_ISSUER, aud = TOKEN_AUDIENCE, exp, iat, nbf, jti.
 * - sub = user id (uuid), `role` = 'customer' | 'admin', `email` = normalised email.
 * - JWKS served by the user service at GET /users/.well-known/jwks.json.
 */
export const TOKEN_ISSUER = 'urn:shop:user-service';
export const TOKEN_AUDIENCE = 'urn:shop:api';
export const TOKEN_ALGORITHMS = ['EdDSA'] as const;
export const JWKS_PATH = '/users/.well-known/jwks.json';

export type Role = 'customer' | 'admin';

export interface Principal {
  userId: string;
  role: Role;
  email: string;
  /** The token's id, for logging and revocation lists. */
  tokenId: string;
}
