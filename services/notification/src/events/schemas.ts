import { Type, type TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import type { NotifiableEvent } from '../domain/messages.ts';

// The payloads this service understands, validated on the consumer side too
// (the producer's envelope is checked by the log; its payload is checked here).
const Uuid = Type.String({ format: 'uuid' });
const Email = Type.String({ format: 'email', maxLength: 320 });
const Currency = Type.String({ pattern: '^[A-Z]{3}$' });
const Minor = Type.Integer({ minimum: 0 });

const schemas: Record<NotifiableEvent['type'], TSchema> = {
  'user.registered': Type.Object({ userId: Uuid, email: Email, name: Type.String({ maxLength: 200 }) }),
  'order.confirmed': Type.Object({
    orderId: Type.String({ minLength: 1, maxLength: 100 }),
    userId: Uuid,
    email: Email,
    totalMinor: Minor,
    currency: Currency,
    items: Type.Array(
      Type.Object({
        productId: Type.String({ maxLength: 100 }),
        name: Type.String({ maxLength: 500 }),
        quantity: Type.Integer({ minimum: 1 }),
        unitPriceMinor: Minor,
      }),
      { maxItems: 500 },
    ),
  }),
  'order.cancelled': Type.Object({
    orderId: Type.String({ minLength: 1, maxLength: 100 }),
    userId: Uuid,
    email: Email,
    reason: Type.Optional(Type.String({ maxLength: 500 })),
  }),
  'order.refunded': Type.Object({
    orderId: Type.String({ minLength: 1, maxLength: 100 }),
    userId: Uuid,
    email: Email,
    amountMinor: Minor,
    currency: Currency,
  }),
};

type Validator = ReturnType<typeof Compile<TSchema>>;
const validators = new Map<string, Validator>(Object.entries(schemas).map(([type, schema]) => [type, Compile(schema)]));

/** Whether this service notifies about events of `type` (a checkout's order.placed, stock_reserved and paid: no). */
export function isNotifiable(type: string): boolean {
  return validators.has(type);
}

/** A session (refresh-token family) was revoked: its live streams end. Published by the user service on topic 'user'. */
export const SESSION_REVOKED = 'user.session_revoked';
const sessionRevoked = Compile(Type.Object({ userId: Uuid, sessionId: Uuid }));

/** The event types the consumer takes: the notifiable ones and session revocations (the rest are passed over). */
export function isHandled(type: string): boolean {
  return type === SESSION_REVOKED || isNotifiable(type);
}

export class InvalidPayloadError extends Error {
  override name = 'InvalidPayloadError';
}

/** The event as a NotifiableEvent, undefined for types this service ignores; throws on a malformed payload. */
export function parseNotifiable(type: string, payload: unknown): NotifiableEvent | undefined {
  const validator = validators.get(type);
  if (!validator) return undefined;
  if (!validator.Check(payload)) throw invalid(type, validator, payload);
  return { type, payload } as NotifiableEvent;
}

/** A user.session_revoked payload; throws on a malformed one. */
export function parseSessionRevoked(payload: unknown): { userId: string; sessionId: string } {
  if (!sessionRevoked.Check(payload)) throw invalid(SESSION_REVOKED, sessionRevoked, payload);
  return payload;
}

function invalid(type: string, validator: Pick<Validator, 'Errors'>, payload: unknown): InvalidPayloadError {
  const problems = [...validator.Errors(payload)].slice(0, 3).map((e) => `${e.instancePath || '/'} ${e.message}`);
  return new InvalidPayloadError(`${type} payload is invalid: ${problems.join('; ')}`);
}
