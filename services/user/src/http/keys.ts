import { JWKS_PATH, requireAdmin } from '@shop/auth';
import type { ServiceApp } from '@shop/platform';
import type { UserContext } from '../app/context.ts';
import { rotateSigningKey } from '../app/rotateSigningKey.ts';
import { Jwks, RotatedKey } from './schemas.ts';

export function registerKeys(app: ServiceApp, ctx: UserContext): void {
  // Verifiers refetch on an unknown kid, so a short cache is enough. Read on the
  // primary, never a replica: a verifier refetching for a just-rotated kid must
  // find it, whichever instance answers (docs/decisions/0003-read-your-writes.md).
  app.get(JWKS_PATH, { schema: { response: { 200: Jwks } } }, async (_request, reply) => {
    const jwks = await ctx.keys.jwks();
    return reply.header('cache-control', 'public, max-age=60').send(jwks);
  });

  app.post('/users/keys/rotate', { schema: { response: { 201: RotatedKey } } }, async (request, reply) => {
    requireAdmin(request);
    const key = await rotateSigningKey(ctx);
    request.log.info({ kid: key.kid }, 'signing key rotated');
    return reply.status(201).send({ kid: key.kid, createdAt: key.createdAt.toISOString() });
  });
}
