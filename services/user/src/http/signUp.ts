import type { ReadYourWrites } from '@shop/data';
import type { ServiceApp } from '@shop/platform';
import type { UserContext } from '../app/context.ts';
import { signUp } from '../app/signUp.ts';
import { answerAfterWrite } from './consistency.ts';
import { PublicUser, SignUpBody, SignUpHeaders } from './schemas.ts';

export { PublicUser };

export function registerSignUp(app: ServiceApp, ctx: UserContext, rw: ReadYourWrites): void {
  app.post(
    '/users',
    { schema: { headers: SignUpHeaders, body: SignUpBody, response: { 201: PublicUser } } },
    async (request, reply) => {
      const { user, replayed } = await signUp(ctx, {
        ...request.body,
        address: request.clientAddress,
        correlationId: request.id,
        idempotencyKey: request.headers['idempotency-key'],
      });
      if (replayed) void reply.header('idempotent-replayed', 'true');
      await answerAfterWrite(rw, user.id, reply);
      return reply.status(201).send({
        id: user.id,
        email: user.email,
        name: user.name,
        role: user.role,
        createdAt: user.createdAt.toISOString(),
      });
    },
  );
}
