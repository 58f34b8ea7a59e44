export { TOKEN_ISSUER, TOKEN_AUDIENCE, TOKEN_ALGORITHMS, JWKS_PATH, type Principal, type Role } from './claims.ts';
export { createTokenVerifier, type TokenVerifier, type TokenVerifierOptions } from './verifier.ts';
export { verifierFromPeer, type PeerVerifierOptions } from './peerKeys.ts';
export { userVerifier } from './userVerifier.ts';
export { createAuthenticatedApp } from './authenticatedApp.ts';
export { registerAuthentication, requireUser, requireAdmin } from './plugin.ts';
export { createTestIssuer, type TestIssuer } from './testIssuer.ts';
export { createAttackTokens, type AttackToken, type AttackTokens } from './attackTokens.ts';
