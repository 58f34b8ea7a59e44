import { Type } from '@shop/platform';
import {
  CURRENCY_PATTERN,
  LABEL_PATTERN,
  MAX_ATTRIBUTES,
  MAX_PRICE_MINOR,
  MAX_STOCK,
  SKU_PATTERN,
  TEXT_PATTERN,
} from '../domain/product.ts';
import { MAX_LINE_QUANTITY, MAX_LINES, MAX_TTL_SECONDS, MIN_TTL_SECONDS } from '../domain/reservation.ts';
import { MAX_LIMIT, MAX_QUERY_LENGTH, SORTS } from '../domain/search.ts';

/**
 * A UUID in its plain form only: ajv's `uuid` format also accepts a
 * `urn:uuid:` prefix, which PostgreSQL does not (it would be a 500).
 */
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const Uuid = Type.String({ pattern: UUID_PATTERN });

export const IdParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export const SearchQuerystring = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: MAX_QUERY_LENGTH })),
    category: Type.Optional(Type.String({ maxLength: 64 })),
    brand: Type.Optional(Type.String({ maxLength: 100 })),
    minPrice: Type.Optional(
      Type.Integer({ minimum: 0, maximum: MAX_PRICE_MINOR, description: 'inclusive, minor units' }),
    ),
    maxPrice: Type.Optional(
      Type.Integer({ minimum: 0, maximum: MAX_PRICE_MINOR, description: 'inclusive, minor units' }),
    ),
    sort: Type.Optional(Type.Union(SORTS.map((s) => Type.Literal(s)))),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LIMIT })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 2048, pattern: '^[A-Za-z0-9_-]+$' })),
  },
  { additionalProperties: false },
);

const Label = (maxLength: number) => Type.String({ minLength: 1, maxLength, pattern: LABEL_PATTERN });
const Attributes = Type.Record(
  Type.String({ minLength: 1, maxLength: 64 }),
  Type.Union([Type.String({ maxLength: 500 }), Type.Number(), Type.Boolean()]),
  { maxProperties: MAX_ATTRIBUTES },
);
const Images = Type.Array(Type.String({ maxLength: 2048, format: 'uri', pattern: '^https?://[^\\s]+$' }), {
  maxItems: 20,
});

const editable = {
  name: Label(200),
  brand: Label(100),
  category: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z0-9][a-z0-9-]*$' }),
  description: Type.String({ maxLength: 5000, pattern: TEXT_PATTERN }),
  attributes: Attributes,
  priceMinor: Type.Integer({ minimum: 0, maximum: MAX_PRICE_MINOR }),
  currency: Type.String({ pattern: CURRENCY_PATTERN }),
  images: Images,
  stock: Type.Integer({ minimum: 0, maximum: MAX_STOCK }),
};

export const CreateProductBody = Type.Object(
  {
    sku: Type.String({ pattern: SKU_PATTERN }),
    name: editable.name,
    brand: editable.brand,
    category: editable.category,
    description: Type.Optional(editable.description),
    attributes: Type.Optional(editable.attributes),
    priceMinor: editable.priceMinor,
    currency: editable.currency,
    images: Type.Optional(editable.images),
    stock: Type.Optional(editable.stock),
  },
  { additionalProperties: false },
);

/** The SKU keys the inventory and cannot change; at least one field must be given. */
export const PatchProductBody = Type.Object(
  {
    name: Type.Optional(editable.name),
    brand: Type.Optional(editable.brand),
    category: Type.Optional(editable.category),
    description: Type.Optional(editable.description),
    attributes: Type.Optional(editable.attributes),
    priceMinor: Type.Optional(editable.priceMinor),
    currency: Type.Optional(editable.currency),
    images: Type.Optional(editable.images),
    stock: Type.Optional(editable.stock),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const ReserveBody = Type.Object(
  {
    reservationId: Uuid,
    items: Type.Array(
      Type.Object(
        { productId: Uuid, quantity: Type.Integer({ minimum: 1, maximum: MAX_LINE_QUANTITY }) },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: MAX_LINES },
    ),
    ttlSeconds: Type.Optional(Type.Integer({ minimum: MIN_TTL_SECONDS, maximum: MAX_TTL_SECONDS })),
  },
  { additionalProperties: false },
);
