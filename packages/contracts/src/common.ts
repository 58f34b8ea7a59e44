/**
 * The field shapes every contract shares (ids, money, e-mail), declared once
 * so an event and the API that carries the same value cannot drift apart.
 */
import { Type } from 'typebox';

export const Uuid = Type.String({ format: 'uuid' });
/** Order ids are UUIDs today; consumers have always taken any short id. */
export const OrderId = Type.String({ minLength: 1, maxLength: 100 });
export const ProductId = Type.String({ minLength: 1, maxLength: 100 });
export const Email = Type.String({ format: 'email', maxLength: 320 });
/** ISO 4217 code. */
export const Currency = Type.String({ pattern: '^[A-Z]{3}$' });
/** An amount in minor units (cents), never negative. */
export const Minor = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
export const Reason = Type.String({ maxLength: 500 });
