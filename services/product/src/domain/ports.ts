/**
 * What the product use cases need from the outside world, as ports:
 * adapters/ implements them over the service's database, caches and the
 * outbox; createApp.ts wires them. Write ports run on one transaction
 * (ProductStore.transaction): a change, its stock and its event commit together.
 */
import type { EventPayload } from '@shop/contracts';
import type { CursorPosition } from './cursor.ts';
import type { Attributes, Availability, Product } from './product.ts';
import type { ReleaseReason, RequestedLine, Reservation } from './reservation.ts';
import type { SearchQuery } from './search.ts';

/** A product with its availability now. */
export interface ProductView extends Product {
  availability: Availability;
}

export interface NewProduct {
  sku: string;
  name: string;
  brand: string;
  category: string;
  description?: string;
  attributes?: Attributes;
  priceMinor: number;
  currency: string;
  images?: string[];
  stock?: number;
}

/** Every field optional; the SKU is the inventory's key and cannot change. */
export interface ProductPatch {
  name?: string;
  brand?: string;
  category?: string;
  description?: string;
  attributes?: Attributes;
  priceMinor?: number;
  currency?: string;
  images?: string[];
  /** Units on hand; never below what is reserved. */
  stock?: number;
}

/** Units of one SKU. */
export interface Stock {
  onHand: number;
  reserved: number;
}

/** A product's stock row, as locked for a reservation. */
export interface StockedProduct extends Stock {
  id: string;
  sku: string;
  name: string;
}

/** Units of one SKU to move. */
export interface SkuQuantity {
  sku: string;
  quantity: number;
}

/** Catalog rows, on the transaction. */
export interface CatalogRepository {
  /** Inserts a product (id given); undefined when its SKU is taken. */
  insert(product: NewProduct & { id: string }): Promise<Product | undefined>;
  /** Applies the given fields (stock aside); undefined when there is no such product. */
  update(id: string, patch: Omit<ProductPatch, 'stock'>): Promise<Product | undefined>;
  /** The product's SKU and reserved units, product and stock rows locked; undefined when there is no such product. */
  lockForDelete(id: string): Promise<{ sku: string; reserved: number } | undefined>;
  delete(id: string): Promise<void>;
}

/** Stock rows, on the transaction. Every writer locks them in product-id order. */
export interface InventoryRepository {
  create(sku: string, onHand: number): Promise<void>;
  /** The SKU's stock (none: zero). */
  stockOf(sku: string): Promise<Stock>;
  /** Sets units on hand; undefined (nothing changed) when that is below the reserved units. */
  setOnHand(sku: string, onHand: number): Promise<Stock | undefined>;
  /** Locks the stock of these products in product-id order; unknown products are absent from the map. */
  lockProducts(productIds: readonly string[]): Promise<Map<string, StockedProduct>>;
  /** Reserves units where enough are free; how many SKUs were reserved. */
  reserve(lines: readonly SkuQuantity[]): Promise<number>;
  /** Locks the stock rows a reservation holds, in product-id order. */
  lockReservation(reservationId: string): Promise<void>;
  /** The units leave the shelf: on hand and reserved both drop. */
  commit(lines: readonly SkuQuantity[]): Promise<void>;
  /** The units are free again: reserved drops. */
  release(lines: readonly SkuQuantity[]): Promise<void>;
}

/** Reservations, on the transaction (or the primary, for a plain read). */
export interface ReservationRepository {
  /** Creates a held reservation expiring in `ttlSeconds`; false when the id exists already. */
  insertHeld(id: string, ttlSeconds: number): Promise<boolean>;
  /** Adds the lines, priced and named from the catalog now. */
  addLines(id: string, lines: readonly RequestedLine[]): Promise<void>;
  /** With its lines; `forUpdate` locks the reservation until the transaction ends. */
  load(id: string, options?: { forUpdate?: boolean }): Promise<Reservation | undefined>;
  /** Moves a held reservation to its final state: committed, or released for a reason. */
  settle(id: string, final: { status: 'committed' } | { status: 'released'; reason: ReleaseReason }): Promise<void>;
  /** The id of a held reservation past its expiry, locked, skipping ones another sweeper holds; undefined when none. */
  claimExpired(): Promise<string | undefined>;
  /** The database's clock (expiry is judged by it). */
  now(): Promise<Date>;
}

export type ProductEventType = 'product.updated' | 'product.deleted' | 'inventory.committed' | 'inventory.released';

/** An event this service writes, by its @shop/contracts type. */
export interface ProductEvent<T extends ProductEventType = ProductEventType> {
  type: T;
  /** Ordering key (the product or reservation id). */
  key: string;
  payload: EventPayload<T>;
  correlationId: string;
}

/** The transactional outbox: an event exists if and only if its change committed. */
export interface EventOutbox {
  append<T extends ProductEventType>(event: ProductEvent<T>): Promise<void>;
}

/** The repositories of one transaction. */
export interface ProductUnit {
  catalog: CatalogRepository;
  inventory: InventoryRepository;
  reservations: ReservationRepository;
  outbox: EventOutbox;
}

/** Runs work on one transaction of the product database. */
export interface ProductStore {
  transaction<T>(work: (unit: ProductUnit) => Promise<T>): Promise<T>;
  /** Reservations read outside a transaction (on the primary). */
  reservations: Pick<ReservationRepository, 'load'>;
}

/** Reads products for the product page; see adapters/productReader.ts. */
export interface ProductReader {
  /**
   * The product with fresh availability; undefined when there is no such
   * product. `floor`: the caller's read-your-writes position: nothing older
   * is served, from the cache or from a replica.
   */
  get(id: string, floor?: string): Promise<ProductView | undefined>;
  /**
   * Drops the cached entry; call after a change to the product committed, here
   * or on another instance. `position`: the primary's WAL position at or after
   * the change; until every replica is past it, refills read at least there.
   */
  invalidate(id: string, position?: string): Promise<void>;
}

export interface Facets {
  category: Array<{ value: string; count: number }>;
  brand: Array<{ value: string; count: number }>;
  price: Array<{ key: string; minPriceMinor: number; maxPriceMinor: number | null; count: number }>;
}

export interface SearchResult {
  items: ProductView[];
  facets: Facets;
  nextCursor: string | null;
}

/** The catalog's search (replicas when configured); `minLsn` is the caller's read-your-writes floor. */
export interface ProductSearch {
  search(query: SearchQuery, after: CursorPosition | undefined, minLsn: string | undefined): Promise<SearchResult>;
}

/** Recent search pages, per instance. */
export interface SearchCache {
  /** The page of this search, from the cache when a recent one is there; one load per key at a time. */
  read(query: SearchQuery, after: CursorPosition | undefined, load: () => Promise<SearchResult>): Promise<SearchResult>;
  /** Drops every page: a product changed, so any page may have. */
  clear(): void;
}
