import { hasControlCharacter } from './text.ts';

/** A catalog entry as the service stores and serves it (prices in minor units). */
export interface Product {
  id: string;
  sku: string;
  name: string;
  brand: string;
  category: string;
  description: string;
  attributes: Attributes;
  priceMinor: number;
  currency: string;
  images: string[];
  createdAt: string;
  updatedAt: string;
}

/** A flat map: values are strings, numbers or booleans, never nested. */
export type Attributes = Record<string, string | number | boolean>;

export interface Availability {
  /** True when at least one unit can be reserved now. */
  available: boolean;
  /** Units on hand that are not reserved. */
  inStock: number;
}

export const SKU_PATTERN = '^[A-Z0-9][A-Z0-9-]{2,31}$';
export const CURRENCY_PATTERN = '^[A-Z]{3}$';
/** Categories and brands are shown as facets; keep them readable. */
export const LABEL_PATTERN = '^[^\\u0000-\\u001F\\u007F]+$';
/** Free text may hold newlines and tabs but no other control characters (PostgreSQL refuses NUL). */
export const TEXT_PATTERN = '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F]*$';
export const MAX_PRICE_MINOR = 100_000_000_00;
export const MAX_STOCK = 1_000_000;
export const MAX_ATTRIBUTES = 50;

/**
 * Checks an attributes object beyond what the schema says: key shape, no
 * control characters (jsonb refuses \u0000), bounded sizes. Returns the
 * problems as `{field, message}`, empty when fine.
 */
export function attributeProblems(
  attributes: Record<string, unknown>,
  field = 'body/attributes',
): Array<{ field: string; message: string }> {
  const problems: Array<{ field: string; message: string }> = [];
  const entries = Object.entries(attributes);
  if (entries.length > MAX_ATTRIBUTES) problems.push({ field, message: `must have at most ${MAX_ATTRIBUTES} entries` });
  for (const [key, value] of entries) {
    if (key.length === 0 || key.length > 64 || hasControlCharacter(key)) {
      problems.push({ field: `${field}/${key}`, message: 'must be a key of 1 to 64 printable characters' });
    } else if (typeof value === 'string') {
      if (value.length > 500 || hasControlCharacter(value))
        problems.push({ field: `${field}/${key}`, message: 'must be a string of at most 500 printable characters' });
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) problems.push({ field: `${field}/${key}`, message: 'must be a finite number' });
    } else if (typeof value !== 'boolean') {
      problems.push({ field: `${field}/${key}`, message: 'must be a string, number or boolean' });
    }
  }
  return problems;
}

export function availabilityOf(onHand: number, reserved: number): Availability {
  const inStock = Math.max(0, onHand - reserved);
  return { available: inStock > 0, inStock };
}
