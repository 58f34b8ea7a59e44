import { requireUser } from '@shop/auth';
import type { ReadYourWrites } from '@shop/data';
import type { ServiceApp, Static } from '@shop/platform';
import type { UserContext } from '../app/context.ts';
import { getProfile, updateProfile } from '../app/profile.ts';
import type { UserRecord } from '../domain/ports.ts';
import { answerAfterWrite, readFloor } from './consistency.ts';
import { Profile, UpdateMeBody } from './schemas.ts';

function toProfile(user: UserRecord): Static<typeof Profile> {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role,
    preferences: user.preferences,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}

/** A user sees and changes only their own account: the id comes from the token, never the request. */
export function registerMe(app: ServiceApp, ctx: UserContext, rw: ReadYourWrites): void {
  app.get('/users/me', { schema: { response: { 200: Profile } } }, async (request) => {
    const principal = requireUser(request);
    return toProfile(await getProfile(ctx, principal.userId, await readFloor(rw, request.headers, principal.userId)));
  });

  app.patch('/users/me', { schema: { body: UpdateMeBody, response: { 200: Profile } } }, async (request, reply) => {
    const principal = requireUser(request);
    const user = await updateProfile(ctx, principal.userId, request.body);
    await answerAfterWrite(rw, principal.userId, reply);
    return toProfile(user);
  });
}
