import catalog from './catalog.json' with { type: 'json' };
import type { Attributes, Product } from './product.ts';

/**
 * The demo catalog: realistic products from a seeded PRNG, so the same seed
 * always gives the same catalog (same ids, SKUs, prices and stock) on every
 * machine and every instance.
 */
export interface GeneratedProduct extends Omit<Product, 'createdAt' | 'updatedAt'> {
  stock: number;
  /** Minutes after the catalog epoch (for a stable "newest" order). */
  ageIndex: number;
}

/** mulberry32: a tiny, fast, well-distributed 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** How one attribute is drawn: one of a list, an integer in a range (inclusive), or true with a probability. */
type AttributeSpec = { one: Array<string | number> } | { int: [number, number] } | { chance: number };

interface CategorySpec {
  code: string;
  brands: string[];
  nouns: string[];
  adjectives: string[];
  /** Price range in major units. */
  price: [number, number];
  blurb: string[];
  /** Drawn in this order (the order fixes the catalog for a seed). */
  attributes: Record<string, AttributeSpec>;
}

interface Picker {
  one<T>(items: readonly T[]): T;
  int(min: number, max: number): number;
  chance(p: number): boolean;
}

/** The categories of the demo catalog: their names, brands, price ranges and attributes (data, in catalog.json). */
export const CATEGORIES = catalog as unknown as Record<string, CategorySpec>;

function drawAttributes(specs: Record<string, AttributeSpec>, pick: Picker): Attributes {
  const attributes: Attributes = {};
  for (const [key, spec] of Object.entries(specs)) {
    if ('one' in spec) attributes[key] = pick.one(spec.one);
    else if ('int' in spec) attributes[key] = pick.int(spec.int[0], spec.int[1]);
    else attributes[key] = pick.chance(spec.chance);
  }
  return attributes;
}

const categoryNames = Object.keys(CATEGORIES);

function picker(random: () => number): Picker {
  return {
    one: <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!,
    int: (min, max) => min + Math.floor(random() * (max - min + 1)),
    chance: (p) => random() < p,
  };
}

function uuidFrom(random: () => number): string {
  const bytes = Array.from({ length: 16 }, () => Math.floor(random() * 256));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function brandCode(brand: string): string {
  const letters = brand
    .normalize('NFD')
    .replace(/[^A-Za-z]/g, '')
    .toUpperCase();
  return letters.slice(0, 3).padEnd(3, 'X');
}

/** Products `start` to `start + count - 1` of the catalog for `seed`; each depends only on (seed, index). */
export function generateProducts(seed: number, start: number, count: number): GeneratedProduct[] {
  const out: GeneratedProduct[] = [];
  for (let index = start; index < start + count; index++) out.push(generateProduct(seed, index));
  return out;
}

export function generateProduct(seed: number, index: number): GeneratedProduct {
  // One PRNG stream per product: any slice of the catalog can be generated alone.
  const random = mulberry32((Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0);
  const pick = picker(random);
  const category = pick.one(categoryNames);
  const spec = CATEGORIES[category]!;
  const brand = pick.one(spec.brands);
  const noun = pick.one(spec.nouns);
  const adjective = pick.one(spec.adjectives);
  const model = pick.chance(0.5) ? ` ${pick.int(2, 9)}${pick.one(['00', '10', '50', 'X', 'S'])}` : '';
  const name = `${brand} ${adjective} ${noun}${model}`;
  const [low, high] = spec.price;
  // Skewed towards the cheap end, like real catalogs; prices end in .99 or .49.
  const major = Math.max(1, Math.floor(low + (high - low) * random() ** 2.2));
  const priceMinor = major * 100 + pick.one([99, 49, 0]) - (major > 1 ? 100 : 0);
  const attributes = drawAttributes(spec.attributes, pick);
  const description = `${name}. ${pick.one(spec.blurb)} ${pick.one(spec.blurb)} Category: ${category}.`;
  const id = uuidFrom(random);
  const stock = pick.chance(0.06) ? 0 : pick.int(1, 250);
  return {
    id,
    sku: `${spec.code}-${brandCode(brand)}-${String(index + 1).padStart(6, '0')}`,
    name,
    brand,
    category,
    description,
    attributes,
    priceMinor: Math.max(0, priceMinor),
    currency: 'USD',
    images: [`https://images.shop.example/${spec.code.toLowerCase()}/${id}.jpg`],
    stock,
    ageIndex: index,
  };
}
