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
  const keys = new CachedKeySet(options.loadKeys, now);
  const minRefresh = options.minRefreshIntervalMs ?? 5000;
  const tolerance = (options.clockToleranceSec ?? 5) * 1000;
  // A token that verified is a string we have seen: checking its signature
  // again on every request (about 0.2 ms of CPU, at every hop) tells us
  // nothing new until it expires or its key leaves the set.
  const verified = new Map<string, { principal: Principal; kid: string; until: number }>();

  return {
    async verify(token) {
      const hit = verified.get(token);
      if (hit) {
        if (now() < hit.until && keys.knows(hit.kid)) return hit.principal;
        verified.delete(token);
      }
      const kid = kidOf(token);
      if (!kid) throw unauthenticated('The token has no key id');
      const local = await keys.forKid(kid, minRefresh);
      const principal = principalOf(await verifySignature(token, local, options, now));
      if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value!);
      verified.set(token, {
        principal,
        kid,
        until: Math.min(principal.expiresAt + tolerance, now() + VERIFIED_CACHE_MS),
      });
      return principal;
    },
  };
}

type LocalKeySet = ReturnType<typeof createLocalJWKSet>;

/** The user service's key set as last fetched; one fetch at a time. */
class CachedKeySet {
  readonly #load: () => Promise<JSONWebKeySet>;
  readonly #now: () => number;
  #keys: LocalKeySet | undefined;
  #kids = new Set<string>();
  #lastFetch = Number.NEGATIVE_INFINITY;
  #inflight: Promise<void> | undefined;

  constructor(load: () => Promise<JSONWebKeySet>, now: () => number) {
    this.#load = load;
    this.#now = now;
  }

  knows(kid: string): boolean {
    return this.#kids.has(kid);
  }

  /**
   * The key set holding `kid`, refetched first when there is none yet or the
   * kid is unknown and the last fetch is `minRefreshMs` old. Without any key
   * set: 503; without the kid: 401.
   */
  async forKid(kid: string, minRefreshMs: number): Promise<LocalKeySet> {
    if (!this.#keys || (!this.#kids.has(kid) && this.#now() - this.#lastFetch >= minRefreshMs)) {
      try {
        await this.#refresh();
      } catch (error) {
        if (!this.#keys)
          throw new AppError('DEPENDENCY_UNAVAILABLE', {
            retryAfter: 1,
            detail: 'Signing keys are unavailable',
            cause: error,
          });
      }
    }
    if (!this.#keys || !this.#kids.has(kid)) throw unauthenticated('The token was signed by an unknown key');
    return this.#keys;
  }

  #refresh(): Promise<void> {
    this.#inflight ??= (async () => {
      try {
        const set = await this.#load();
        this.#keys = createLocalJWKSet(set);
        this.#kids = new Set(set.keys.map((k) => k.kid).filter((kid): kid is string => typeof kid === 'string'));
        this.#lastFetch = this.#now();
      } finally {
        this.#inflight = undefined;
      }
    })();
    return this.#inflight;
  }
}

/** The kid of the token's header, undefined when it has none or the header is unreadable. */
function kidOf(token: string): string | undefined {
  try {
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as {
      kid?: unknown;
    };
    return typeof header.kid === 'string' ? header.kid : undefined;
  } catch {
    return undefined;
  }
}

/** The token's claims once its signature and registered claims hold; 401 naming the failed check otherwise. */
async function verifySignature(
  token: string,
  keys: LocalKeySet,
  options: TokenVerifierOptions,
  now: () => number,
): Promise<JWTPayload> {
  try {
    const { payload } = await jwtVerify(token, keys, {
      algorithms: [...TOKEN_ALGORITHMS],
      issuer: options.issuer ?? TOKEN_ISSUER,
      audience: options.audience ?? TOKEN_AUDIENCE,
      clockTolerance: options.clockToleranceSec ?? 5,
      currentDate: new Date(now()),
      requiredClaims: ['exp', 'iat', 'sub', 'jti'],
    });
    return payload;
  } catch (error) {
    if (error instanceof errors.JOSEError) throw unauthenticated(refusal(error), error);
    throw error;
  }
}

/** The principal the claims name; 401 when they lack one this platform requires. */
function principalOf(payload: JWTPayload): Principal {
  const role = payload.role;
  if (
    (role !== 'customer' && role !== 'admin') ||
    typeof payload.email !== 'string' ||
    typeof payload.sub !== 'string' ||
    typeof payload.jti !== 'string'
  ) {
    throw unauthenticated('The token lacks required claims');
  }
  return {
    userId: payload.sub,
    role,
    email: payload.email,
    tokenId: payload.jti,
    sessionId: typeof payload.sid === 'string' ? payload.sid : undefined,
    expiresAt: (payload.exp ?? 0) * 1000,
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
