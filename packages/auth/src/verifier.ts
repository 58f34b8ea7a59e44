import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { AppError } from '@shop/platform';
import { TOKEN_ALGORITHMS, TOKEN_AUDIENCE, TOKEN_ISSUER, type Principal } from './claims.ts';

export interface TokenVerifierOptions {
  /** Fetches the current key set (from the user service); called on start and on an unknown kid. */
  loadKeys: () => Promise<JSONWebKeySet>;
  issuer?: string;
  audience?: string;
  /** Allowed clock skew, seconds. */
  clockToleranceSec?: number;
  /** Do not refetch the key set more often than this when unknown kids keep arriving. */
  minRefreshIntervalMs?: number;
  now?: () => number;
}

export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
}

/**
 * Verifies access tokens by RFC 8725: an allow-list of algorithms (EdDSA only,
 * so `alg: none` and HS256-with-the-public-key confusion fail), iss, aud,
 * exp and nbf checked. The key set is cached and refetched when a token names
 * a kid we have not seen (key rotation), at most once per interval.
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const now = options.now ?? Date.now;
  const minRefresh = options.minRefreshIntervalMs ?? 5000;
  let keys: ReturnType<typeof createLocalJWKSet> | undefined;
  let knownKids = new Set<string>();
  let lastFetch = Number.NEGATIVE_INFINITY;
  let inflight: Promise<void> | undefined;
  const tolerance = (options.clockToleranceSec ?? 5) * 1000;
  // A token that verified is a string we have seen: checking its signature
  // again on every request (about 0.2 ms of CPU, at every hop) tells us
  // nothing new until it expires or its key leaves the set.
  const verified = new Map<string, { principal: Principal; kid: string; until: number }>();

  const refresh = (): Promise<void> => {
    inflight ??= (async () => {
      try {
        const set = await options.loadKeys();
        keys = createLocalJWKSet(set);
        knownKids = new Set(set.keys.map((k) => k.kid).filter((kid): kid is string => typeof kid === 'string'));
        lastFetch = now();
      } finally {
        inflight = undefined;
      }
    })();
    return inflight;
  };

  const kidOf = (token: string): string | undefined => {
    try {
      const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as {
        kid?: unknown;
      };
      return typeof header.kid === 'string' ? header.kid : undefined;
    } catch {
      return undefined;
    }
  };

  return {
    async verify(token) {
      const hit = verified.get(token);
      if (hit) {
        if (now() < hit.until && knownKids.has(hit.kid)) return hit.principal;
        verified.delete(token);
      }
      const kid = kidOf(token);
      if (!kid) throw unauthenticated('The token has no key id');
      if (!keys || (!knownKids.has(kid) && now() - lastFetch >= minRefresh)) {
        try {
          await refresh();
        } catch (error) {
          if (!keys)
            throw new AppError('DEPENDENCY_UNAVAILABLE', {
              retryAfter: 1,
              detail: 'Signing keys are unavailable',
              cause: error,
            });
        }
      }
      if (!keys || !knownKids.has(kid)) throw unauthenticated('The token was signed by an unknown key');
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keys, {
          algorithms: [...TOKEN_ALGORITHMS],
          issuer: options.issuer ?? TOKEN_ISSUER,
          audience: options.audience ?? TOKEN_AUDIENCE,
          clockTolerance: options.clockToleranceSec ?? 5,
          currentDate: new Date(now()),
          requiredClaims: ['exp', 'iat', 'sub', 'jti'],
        }));
      } catch (error) {
        if (error instanceof errors.JOSEError) throw unauthenticated(refusal(error), error);
        throw error;
      }
      const role = payload.role;
      if (
        (role !== 'customer' && role !== 'admin') ||
        typeof payload.email !== 'string' ||
        typeof payload.sub !== 'string' ||
        typeof payload.jti !== 'string'
      ) {
        throw unauthenticated('The token lacks required claims');
      }
      const principal: Principal = {
        userId: payload.sub,
        role,
        email: payload.email,
        tokenId: payload.jti,
        sessionId: typeof payload.sid === 'string' ? payload.sid : undefined,
        expiresAt: (payload.exp ?? 0) * 1000,
      };
      if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value!);
      verified.set(token, {
        principal,
        kid,
        until: Math.min((payload.exp ?? 0) * 1000 + tolerance, now() + VERIFIED_CACHE_MS),
      });
      return principal;
    },
  };
}

const VERIFIED_CACHE_SIZE = 10_000;
const VERIFIED_CACHE_MS = 60_000;

/**
 * Why a token was refused, one reason per check (each has a test that fails
 * when its check is removed). Claims are only examined once the signature
 * holds, so naming the failed claim tells a forger nothing.
 */
function refusal(error: errors.JOSEError): string {
  if (error instanceof errors.JWTExpired) return 'The token has expired';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'The token is signed with an algorithm that is not allowed';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'The token signature is not valid';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'The token is not valid yet';
    if (error.claim === 'aud') return 'The token is meant for another audience';
    if (error.claim === 'iss') return 'The token is from another issuer';
    if (error.reason === 'missing') return `The token lacks the ${error.claim} claim`;
  }
  return 'The token is not valid';
}

function unauthenticated(detail: string, cause?: unknown): AppError {
  return new AppError('UNAUTHENTICATED', { detail, cause });
}
