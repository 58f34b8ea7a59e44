import { AppError, type ServiceApp } from '@shop/platform';
import { changeRole } from '../app/admins.ts';
import type { UserContext } from '../app/context.ts';
import { RoleChanged, RoleChangeBody } from './schemas.ts';

/** The one mesh identity that may change roles: the launcher's, which `npm run admin` uses. */
export const ROLE_CALLERS = ['launcher'];

/**
 * Promotes or demotes an account: for operators (npm run admin), never for
 * clients. The platform refuses other mesh identities (the gateway included)
 * under mTLS; the handler also refuses when there is no mTLS identity at all,
 * since then nobody can be told apart from a client.
 */
export function registerRoles(app: ServiceApp, ctx: UserContext): void {
  app.post(
    '/users/admin/roles',
    { config: { callers: ROLE_CALLERS }, schema: { body: RoleChangeBody, response: { 200: RoleChanged } } },
    async (request) => {
      if (!request.caller || !ROLE_CALLERS.includes(request.caller)) {
        throw new AppError('FORBIDDEN', {
          detail: 'Roles are changed by an operator over the mesh (npm run admin), not through the API',
        });
      }
      const { user, changed } = await changeRole(ctx, { ...request.body, correlationId: request.id });
      request.log.warn(
        {
          userId: user.id,
          email: user.email,
          role: user.role,
          changed,
          caller: request.caller,
          clientAddress: request.clientAddress,
        },
        'role set by an operator',
      );
      return { id: user.id, email: user.email, role: user.role, changed };
    },
  );
}
