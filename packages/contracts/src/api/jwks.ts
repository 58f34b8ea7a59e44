/**
 * The user service's published signing keys (RFC 7517), which every verifier
 * of access tokens (services, gateway) fetches over the mesh.
 */
import { Type, type Static } from 'typebox';

export const JWKS_PATH = '/users/.well-known/jwks.json';

export const JwksSchema = Type.Object({
  keys: Type.Array(
    Type.Object({
      kty: Type.String(),
      crv: Type.String(),
      x: Type.String(),
      kid: Type.String(),
      alg: Type.Literal('EdDSA'),
      use: Type.Literal('sig'),
    }),
  ),
});
export type Jwks = Static<typeof JwksSchema>;
