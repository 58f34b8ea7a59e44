import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError, isAppError } from '@shop/platform';
import type { Principal, TokenVerifier } from '@shop/auth';
import type { RateLimitDecision, RateLimitStore } from './rateLimit.ts';
import { clientAddress, type TrustedProxies } from './clientAddress.ts';

export interface AccessOptions {
  verifier: TokenVerifier;
  rateLimits: RateLimitStore;
  trustedProxies: TrustedProxies;
  userPerSec: number;
  anonymousPerSec: number;
  invalidTokenPerSec: number;
  now: () => number;
}

export interface Access {
  /** Authenticates and rate-limits one request; throws UNAUTHENTICATED or RATE_LIMITED. Anonymous: undefined. */
  admit(request: FastifyRequest, reply: FastifyReply): Promise<Principal | undefined>;
  /** The client's address, read through the trusted proxies (what the services are told in x-client-address). */
  addressOf(request: FastifyRequest): string;
}

/** Addresses refused for bad tokens, remembered at most this many at once (the oldest are forgotten first). */
const MAX_BLOCKED = 10_000;

/**
 * Who may pass the edge, and how often. Each request is charged once:
 * - no token: the client's address (RATE_LIMIT_ANON_PER_SEC);
 * - a valid token: its user (RATE_LIMIT_USER_PER_SEC), never the address, so
 *   many users behind one NAT do not share a budget;
 * - a refused token: the address again, on its own budget
 *   (RATE_LIMIT_INVALID_TOKEN_PER_SEC). Once that is spent, the address's
 *   tokens are refused with 429 before verification until Retry-After, so a
 *   flood of forged tokens costs one signature check per second, not one per
 *   request. (A valid user behind that address waits too: their token cannot
 *   be told from the forgeries without the check the block exists to save.)
 * The refused-address memory is this instance's; the budgets are the store's.
 */
export function createAccess(options: AccessOptions): Access {
  const blockedUntil = new Map<string, number>();

  async function charge(reply: FastifyReply, key: string, rate: number): Promise<RateLimitDecision> {
    const decision = await options.rateLimits.take(key, rate, rate, options.now());
    void reply.header('ratelimit-limit', String(decision.limit));
    void reply.header('ratelimit-remaining', String(decision.remaining));
    void reply.header('ratelimit-reset', String(decision.resetSec));
    void reply.header('ratelimit-policy', `${rate};w=1`);
    return decision;
  }

  function refuse(retryAfterSec: number, detail: string): AppError {
    return new AppError('RATE_LIMITED', { retryAfter: retryAfterSec, detail });
  }

  function block(address: string, retryAfterSec: number): void {
    const now = options.now();
    if (blockedUntil.size >= MAX_BLOCKED) {
      for (const [key, until] of blockedUntil)
        if (until <= now || blockedUntil.size >= MAX_BLOCKED) blockedUntil.delete(key);
    }
    blockedUntil.delete(address);
    blockedUntil.set(address, now + retryAfterSec * 1000);
  }

  const addressOf = (request: FastifyRequest): string =>
    clientAddress(request.socket.remoteAddress, request.headers['x-forwarded-for'], options.trustedProxies);

  return {
    addressOf,
    async admit(request, reply) {
      const address = addressOf(request);
      const header = request.headers.authorization;
      if (header === undefined) {
        const decision = await charge(reply, `ip:${address}`, options.anonymousPerSec);
        if (!decision.allowed)
          throw refuse(decision.retryAfterSec, `Over ${options.anonymousPerSec} requests per second from one address`);
        return undefined;
      }
      const until = blockedUntil.get(address) ?? 0;
      if (until > options.now())
        throw refuse(
          Math.ceil((until - options.now()) / 1000),
          `Over ${options.invalidTokenPerSec} refused tokens per second from one address`,
        );
      let principal: Principal;
      try {
        principal = await verify(options.verifier, header);
      } catch (error) {
        if (!(isAppError(error) && error.code === 'UNAUTHENTICATED')) throw error;
        const decision = await charge(reply, `bad-token:${address}`, options.invalidTokenPerSec);
        if (decision.allowed) throw error;
        block(address, decision.retryAfterSec);
        throw refuse(
          decision.retryAfterSec,
          `Over ${options.invalidTokenPerSec} refused tokens per second from one address`,
        );
      }
      const decision = await charge(reply, `user:${principal.userId}`, options.userPerSec);
      if (!decision.allowed) throw refuse(decision.retryAfterSec, `Over ${options.userPerSec} requests per second`);
      return principal;
    },
  };
}

function verify(verifier: TokenVerifier, header: string): Promise<Principal> {
  const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(header);
  if (!match?.[1])
    return Promise.reject(new AppError('UNAUTHENTICATED', { detail: 'Authorization must be "Bearer <access token>"' }));
  return verifier.verify(match[1]);
}
