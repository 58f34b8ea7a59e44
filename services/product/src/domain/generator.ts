import type { Attributes } from './product.ts';

/**
 * The demo catalog: realistic products from a seeded PRNG, so the same seed
 * always gives the same catalog (same ids, SKUs, prices and stock) on every
 * machine and every instance.
 */
export interface GeneratedProduct {
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

interface CategorySpec {
  code: string;
  brands: string[];
  nouns: string[];
  adjectives: string[];
  /** Price range in major units. */
  price: [number, number];
  attributes: (pick: Picker) => Attributes;
  blurb: string[];
}

interface Picker {
  one<T>(items: readonly T[]): T;
  int(min: number, max: number): number;
  chance(p: number): boolean;
}

const colours = ['black', 'white', 'silver', 'blue', 'red', 'green', 'grey', 'navy', 'beige', 'pink'];

export const CATEGORIES: Record<string, CategorySpec> = {
  electronics: {
    code: 'EL',
    brands: ['Sony', 'Samsung', 'Bose', 'Logitech', 'Anker', 'Philips', 'JBL', 'Lenovo'],
    nouns: [
      'Wireless Headphones',
      'Bluetooth Speaker',
      'Smartwatch',
      'Mechanical Keyboard',
      'Wireless Mouse',
      'USB-C Charger',
      '4K Monitor',
      'Noise Cancelling Earbuds',
      'Portable SSD',
      'Webcam',
      'Tablet',
      'E-Reader',
    ],
    adjectives: ['Pro', 'Ultra', 'Compact', 'Lite', 'Max', 'Plus', 'Studio', 'Air'],
    price: [15, 900],
    attributes: (p) => ({
      colour: p.one(colours),
      warrantyYears: p.int(1, 3),
      wireless: p.chance(0.6),
      batteryHours: p.int(4, 60),
    }),
    blurb: [
      'Crisp sound and all-day comfort.',
      'Fast charging and a battery that lasts.',
      'Pairs in seconds with phones, tablets and laptops.',
      'Built for work and play.',
      'A sleek aluminium design.',
    ],
  },
  home: {
    code: 'HO',
    brands: ['IKEA', 'Dyson', 'KitchenAid', 'Le Creuset', 'Tefal', 'Brabantia', 'Joseph Joseph'],
    nouns: [
      'Cast Iron Casserole',
      'Stand Mixer',
      'Cordless Vacuum',
      'Non-Stick Frying Pan',
      'Pedal Bin',
      'Chopping Board Set',
      'Table Lamp',
      'Linen Duvet Cover',
      'Air Purifier',
      'Electric Kettle',
    ],
    adjectives: ['Classic', 'Deluxe', 'Essential', 'Signature', 'Nordic', 'Everyday'],
    price: [8, 650],
    attributes: (p) => ({
      colour: p.one(colours),
      material: p.one(['steel', 'cast iron', 'oak', 'cotton', 'linen', 'ceramic']),
      dishwasherSafe: p.chance(0.5),
    }),
    blurb: [
      'Made to last for years of daily use.',
      'Easy to clean and easy to store.',
      'A timeless look for any kitchen.',
      'Thoughtful details that make chores lighter.',
    ],
  },
  books: {
    code: 'BO',
    brands: ['Penguin', 'HarperCollins', "O'Reilly", 'Vintage', 'Bloomsbury', 'Macmillan'],
    nouns: [
      'Guide to Distributed Systems',
      'Cookbook',
      'Mystery Novel',
      'History of Rome',
      'Field Guide to Birds',
      'Poetry Collection',
      'Science Fiction Anthology',
      'Biography',
      'Atlas of the World',
      'Programming Handbook',
    ],
    adjectives: ['Illustrated', 'Complete', 'Pocket', 'Annotated', 'Collected', 'Essential'],
    price: [6, 80],
    attributes: (p) => ({
      pages: p.int(120, 960),
      format: p.one(['hardcover', 'paperback']),
      language: p.one(['en', 'de', 'fr', 'es']),
    }),
    blurb: [
      'A page-turner critics loved.',
      'Clear, practical and full of examples.',
      'Beautifully illustrated throughout.',
      'The definitive edition, revised and updated.',
    ],
  },
  sports: {
    code: 'SP',
    brands: ['Nike', 'Adidas', 'Wilson', 'Garmin', 'Decathlon', 'Yonex', 'Salomon'],
    nouns: [
      'Running Shoes',
      'Yoga Mat',
      'Tennis Racket',
      'Football',
      'Cycling Helmet',
      'GPS Running Watch',
      'Dumbbell Set',
      'Trail Backpack',
      'Badminton Racket',
      'Water Bottle',
    ],
    adjectives: ['Pro', 'Trail', 'Elite', 'Sprint', 'Endurance', 'Training'],
    price: [10, 500],
    attributes: (p) => ({
      colour: p.one(colours),
      size: p.one(['XS', 'S', 'M', 'L', 'XL']),
      weightGrams: p.int(100, 5000),
    }),
    blurb: [
      'Engineered for performance.',
      'Lightweight, breathable and tough.',
      'Trusted by athletes everywhere.',
      'Grip and comfort in every condition.',
    ],
  },
  toys: {
    code: 'TO',
    brands: ['LEGO', 'Hasbro', 'Mattel', 'Playmobil', 'Ravensburger', 'Hot Wheels'],
    nouns: [
      'Building Set',
      'Jigsaw Puzzle',
      'Board Game',
      'Remote Control Car',
      'Plush Bear',
      'Doll House',
      'Train Set',
      'Science Kit',
      'Card Game',
      'Marble Run',
    ],
    adjectives: ['Creator', 'Classic', 'Junior', 'Family', 'Adventure', 'Deluxe'],
    price: [5, 300],
    attributes: (p) => ({ minAge: p.int(3, 14), pieces: p.int(10, 3000), batteriesIncluded: p.chance(0.3) }),
    blurb: [
      'Hours of creative fun.',
      'A family favourite for game night.',
      'Encourages curiosity and problem solving.',
      'Safe, durable and colourful.',
    ],
  },
  fashion: {
    code: 'FA',
    brands: ["Levi's", 'Uniqlo', 'Zara', 'H&M', 'Patagonia', 'Ray-Ban', 'Fossil'],
    nouns: [
      'Denim Jacket',
      'Wool Sweater',
      'Slim Fit Jeans',
      'Leather Belt',
      'Sunglasses',
      'Rain Jacket',
      'Cotton T-Shirt',
      'Chino Trousers',
      'Analog Watch',
      'Canvas Tote',
    ],
    adjectives: ['Classic', 'Slim', 'Relaxed', 'Vintage', 'Organic', 'Heritage'],
    price: [9, 400],
    attributes: (p) => ({
      colour: p.one(colours),
      size: p.one(['XS', 'S', 'M', 'L', 'XL', 'XXL']),
      material: p.one(['cotton', 'wool', 'denim', 'leather', 'polyester']),
    }),
    blurb: [
      'A wardrobe staple.',
      'Soft, breathable and made to be worn often.',
      'Tailored for a modern fit.',
      'Responsibly sourced materials.',
    ],
  },
  beauty: {
    code: 'BE',
    brands: ["L'Oreal", 'Nivea', 'The Ordinary', 'Clinique', 'Dove', 'Braun'],
    nouns: [
      'Moisturising Cream',
      'Vitamin C Serum',
      'Electric Toothbrush',
      'Hair Dryer',
      'Shampoo',
      'Sunscreen SPF 50',
      'Lip Balm',
      'Beard Trimmer',
      'Face Cleanser',
      'Perfume',
    ],
    adjectives: ['Hydrating', 'Gentle', 'Sensitive', 'Radiance', 'Daily', 'Intense'],
    price: [3, 250],
    attributes: (p) => ({
      volumeMl: p.int(10, 500),
      vegan: p.chance(0.4),
      skinType: p.one(['all', 'dry', 'oily', 'sensitive']),
    }),
    blurb: [
      'Dermatologist tested.',
      'Gentle enough for every day.',
      'Visible results in two weeks.',
      'Fragrance free and cruelty free.',
    ],
  },
  garden: {
    code: 'GA',
    brands: ['Gardena', 'Bosch', 'Fiskars', 'Weber', 'Husqvarna', 'Kärcher'],
    nouns: [
      'Garden Hose',
      'Lawn Mower',
      'Pruning Shears',
      'Charcoal Grill',
      'Pressure Washer',
      'Raised Bed Planter',
      'Leaf Blower',
      'Watering Can',
      'Hedge Trimmer',
      'Compost Bin',
    ],
    adjectives: ['Cordless', 'Heavy Duty', 'Compact', 'Ergonomic', 'Premium', 'Classic'],
    price: [7, 800],
    attributes: (p) => ({
      colour: p.one(['green', 'black', 'orange', 'grey']),
      cordless: p.chance(0.5),
      warrantyYears: p.int(1, 5),
    }),
    blurb: [
      'Tough enough for every season.',
      'Makes garden work quicker.',
      'Weatherproof and built to last.',
      'Comfortable grip, less strain.',
    ],
  },
};

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
  const attributes = spec.attributes(pick);
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
