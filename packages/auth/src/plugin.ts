import { AppError, type ServiceApp } from '@shop/platform';
import type { FastifyRequest } from 'fastify';
import type { Principal } from './claims.ts';
import type { TokenVerifier } from './verifier.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
  }
}

/**
 * Reads `Authorization: Bearer <token>` on every request. A route that needs a
 * user calls `requireUser(request)`; a missing or bad token on such a route is
 * 401 with `WWW-Authenticate`. Routes that do not need one ignore it.
 */
export function registerAuthentication(app: ServiceApp, verifier: TokenVerifier): void {
  app.decorateRequest('principal', undefined);
  // Before schema validation: an anonymous or forged request learns it must sign in, not that its body is wrong.
  app.addHook('preValidation', async (request, reply) => {
    const header = request.headers.authorization;
    if (header === undefined) return;
    const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/.exec(header);
    try {
      if (!match?.[1])
        throw new AppError('UNAUTHENTICATED', { detail: 'Authorization must be "Bearer <access token>"' });
      request.principal = await verifier.verify(match[1]);
    } catch (error) {
      void reply.header('www-authenticate', 'Bearer error="invalid_token"');
      throw error;
    }
  });
}

export function requireUser(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('UNAUTHENTICATED', { detail: 'Sign in: this needs an access token' });
  return request.principal;
}

export function requireAdmin(request: FastifyRequest): Principal {
  const principal = requireUser(request);
  if (principal.role !== 'admin') throw new AppError('FORBIDDEN', { detail: 'Only administrators may do this' });
  return principal;
}
