/**
 * The product service's events. Topic `product` (keyed by product id): a
 * product was created or changed (with its stock) or deleted; every product
 * instance follows them to drop cached copies. Topic `inventory` (keyed by
 * reservation id): a reservation was committed (sold) or released.
 */
import { Type } from 'typebox';
import { ReservationLineSchema } from '../api/reservations.ts';
import { Currency, Minor, ProductId } from '../common.ts';
import { defineEvent, TOPICS } from './define.ts';

export const ProductSchema = Type.Object({
  id: ProductId,
  sku: Type.String({ maxLength: 100 }),
  name: Type.String({ maxLength: 500 }),
  brand: Type.String(),
  category: Type.String(),
  description: Type.String(),
  attributes: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
  priceMinor: Minor,
  currency: Currency,
  images: Type.Array(Type.String()),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

const Units = Type.Integer({ minimum: 0 });

export const ProductUpdated = defineEvent(
  TOPICS.product,
  'product.updated',
  Type.Object({ product: ProductSchema, stock: Type.Object({ onHand: Units, reserved: Units }) }),
);

export const ProductDeleted = defineEvent(
  TOPICS.product,
  'product.deleted',
  Type.Object({ productId: ProductId, sku: Type.String({ maxLength: 100 }) }),
);

const Reserved = { reservationId: Type.String({ format: 'uuid' }), items: Type.Array(ReservationLineSchema) };

export const InventoryCommitted = defineEvent(TOPICS.inventory, 'inventory.committed', Type.Object(Reserved));

export const InventoryReleased = defineEvent(
  TOPICS.inventory,
  'inventory.released',
  Type.Object({ ...Reserved, reason: Type.Union([Type.Literal('requested'), Type.Literal('expired')]) }),
);

export const PRODUCT_EVENTS = {
  'product.updated': ProductUpdated,
  'product.deleted': ProductDeleted,
  'inventory.committed': InventoryCommitted,
  'inventory.released': InventoryReleased,
} as const;
