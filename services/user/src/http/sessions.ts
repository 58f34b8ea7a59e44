import type { ServiceApp } from '@shop/platform';
import type { UserContext } from '../app/context.ts';
import { logIn } from '../app/logIn.ts';
import { logOut } from '../app/logOut.ts';
import { refreshSession } from '../app/refreshSession.ts';
import { LogInBody, RefreshBody, TokenPair } from './schemas.ts';

/** Tokens must not be cached by anything between the service and the client. */
const noStore = 'no-store';

export function registerSessions(app: ServiceApp, ctx: UserContext): void {
  app.post('/users/sessions', { schema: { body: LogInBody, response: { 200: TokenPair } } }, async (request, reply) => {
    // The end client's address as the gateway vouches for it: request.ip is the gateway's.
    const pair = await logIn(ctx, { ...request.body, address: request.clientAddress });
    return reply.header('cache-control', noStore).send(pair);
  });

  app.post(
    '/users/sessions/refresh',
    { schema: { body: RefreshBody, response: { 200: TokenPair } } },
    async (request, reply) => {
      const pair = await refreshSession(ctx, request.body.refreshToken, request.id);
      return reply.header('cache-control', noStore).send(pair);
    },
  );

  // DELETE with a body is the resource-shaped form; POST .../logout is for
  // clients and proxies that drop DELETE bodies. Both end the session.
  for (const [method, url] of [
    ['DELETE', '/users/sessions/current'],
    ['POST', '/users/sessions/logout'],
  ] as const) {
    app.route({
      method,
      url,
      schema: { body: RefreshBody },
      handler: async (request, reply) => {
        await logOut(ctx, request.body.refreshToken, request.id);
        return reply.status(204).send();
      },
    });
  }
}
