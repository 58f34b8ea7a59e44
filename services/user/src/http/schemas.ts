import { Type } from '@shop/platform';

/** Request and response schemas of the user service. Bodies refuse unknown fields. */
const strict = { additionalProperties: false } as const;

/** No control characters: PostgreSQL text cannot hold NUL, and none belongs in a name or an email. */
const printable = '^[^\\u0000-\\u001F\\u007F]*$';
const Email = Type.String({ minLength: 1, maxLength: 254, pattern: printable });
const Name = Type.String({ minLength: 1, maxLength: 200, pattern: printable });

/** Optional on sign-up: with it, a retried sign-up replays its account (Stripe's semantics). */
export const SignUpHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7E]+$' })),
});

export const SignUpBody = Type.Object(
  {
    email: Email,
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    name: Name,
  },
  strict,
);

export const LogInBody = Type.Object(
  {
    email: Email,
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  strict,
);

/** 32 random bytes, base64url without padding. */
export const RefreshBody = Type.Object({ refreshToken: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }) }, strict);

const Currency = Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217 code, e.g. EUR' });
const Language = Type.String({
  maxLength: 35,
  pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8}){0,3}$',
  description: 'BCP 47 tag, e.g. en or pt-BR',
});

/** A null removes a preference (JSON merge patch). */
export const PreferencesPatch = Type.Object(
  {
    newsletter: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
    currency: Type.Optional(Type.Union([Currency, Type.Null()])),
    language: Type.Optional(Type.Union([Language, Type.Null()])),
  },
  strict,
);

export const UpdateMeBody = Type.Object(
  {
    name: Type.Optional(Name),
    preferences: Type.Optional(PreferencesPatch),
  },
  { ...strict, minProperties: 1 },
);

export const Preferences = Type.Object({
  newsletter: Type.Optional(Type.Boolean()),
  currency: Type.Optional(Type.String()),
  language: Type.Optional(Type.String()),
});

const Role = Type.Union([Type.Literal('customer'), Type.Literal('admin')]);

export const PublicUser = Type.Object({
  id: Type.String({ format: 'uuid' }),
  email: Type.String(),
  name: Type.String(),
  role: Role,
  createdAt: Type.String(),
});

export const Profile = Type.Object({
  id: Type.String({ format: 'uuid' }),
  email: Type.String(),
  name: Type.String(),
  role: Role,
  preferences: Preferences,
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

export const TokenPair = Type.Object({
  accessToken: Type.String(),
  refreshToken: Type.String(),
  expiresIn: Type.Integer(),
  tokenType: Type.Literal('Bearer'),
});

/** The signing keys' set, as @shop/contracts declares it for every verifier. */
export { JwksSchema as Jwks } from '@shop/contracts';

/** An operator's role change (POST /users/admin/roles, the launcher's identity only). */
export const RoleChangeBody = Type.Object({ email: Email, role: Role }, strict);
export const RoleChanged = Type.Object({
  id: Type.String({ format: 'uuid' }),
  email: Type.String(),
  role: Role,
  changed: Type.Boolean(),
});

export const RotatedKey = Type.Object({ kid: Type.String(), createdAt: Type.String() });
