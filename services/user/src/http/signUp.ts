import { randomUUID } from 'node:crypto';
import argon2 from 'argon2';
import { AppError, Type, type ServiceApp, type ServiceDeps } from '@shop/platform';
import { checkPassword, isPlausibleEmail, normaliseEmail } from '../domain/credentials.ts';

const SignUpBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
  },
  { additionalProperties: false },
);

export const PublicUser = Type.Object({
  id: Type.String({ format: 'uuid' }),
  email: Type.String(),
  name: Type.String(),
  role: Type.Union([Type.Literal('customer'), Type.Literal('admin')]),
  createdAt: Type.String(),
});

export function registerSignUp(app: ServiceApp, deps: ServiceDeps): void {
  app.post('/users', { schema: { body: SignUpBody, response: { 201: PublicUser } } }, async (request, reply) => {
    const email = normaliseEmail(request.body.email);
    if (!isPlausibleEmail(email)) {
      throw new AppError('VALIDATION_FAILED', { detail: 'body/email is not an email address', errors: [{ field: 'body/email', message: 'is not an email address' }] });
    }
    const name = request.body.name.trim();
    if (name === '') throw new AppError('VALIDATION_FAILED', { detail: 'body/name must not be blank', errors: [{ field: 'body/name', message: 'must not be blank' }] });
    const verdict = checkPassword(request.body.password, email);
    if (!verdict.ok) {
      throw new AppError('VALIDATION_FAILED', { detail: `body/password ${verdict.reason}`, errors: [{ field: 'body/password', message: verdict.reason }] });
    }
    const passwordHash = await argon2.hash(request.body.password, { type: argon2.argon2id });
    const { rows } = await deps.db.query<{ id: string; email: string; name: string; role: 'customer' | 'admin'; created_at: Date }>(
      `INSERT INTO users (id, email, name, password_hash) VALUES ($1, $2, $3, $4)
       ON CONFLICT (email) DO NOTHING
       RETURNING id, email, name, role, created_at`,
      [randomUUID(), email, name, passwordHash],
    );
    const user = rows[0];
    if (!user) throw new AppError('CONFLICT', { detail: 'An account with this email already exists' });
    return reply.status(201).send({ id: user.id, email: user.email, name: user.name, role: user.role, createdAt: user.created_at.toISOString() });
  });
}
