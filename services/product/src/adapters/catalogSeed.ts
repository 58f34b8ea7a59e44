import type { Database, Queryable } from '@shop/data';
import { generateProducts, type GeneratedProduct } from '../domain/generator.ts';

/** Generated products are dated one minute apart from here, so "newest" is stable too. */
const CATALOG_EPOCH_MS = Date.UTC(2025, 0, 1);
const BATCH = 1000;

/**
 * Fills an empty catalog with `count` generated products (and their stock)
 * in one transaction under an advisory lock: instances starting together
 * seed it exactly once, and a crash halfway leaves it empty, not partial.
 * Returns how many were inserted (0 when the catalog already had products).
 *
 * Then it vacuums and analyzes the tables it filled. Until then the search
 * indexes' new entries wait in GIN's pending list, which every search scans
 * linearly, and the planner has no statistics: a search over 10,000 fresh
 * products took 60 ms of database time (a sequential scan computing word
 * similarity on every name) instead of 3 ms, about 150 ms end to end instead
 * of 20, until autovacuum came round.
 */
export async function seedCatalog(db: Database, options: { count: number; seed: number }): Promise<number> {
  if (options.count <= 0) return 0;
  const inserted = await fill(db, options);
  if (inserted > 0) {
    // VACUUM cannot run in a transaction block: each is its own statement.
    await db.query('VACUUM (ANALYZE) products');
    await db.query('VACUUM (ANALYZE) inventory');
  }
  return inserted;
}

async function fill(db: Database, options: { count: number; seed: number }): Promise<number> {
  return db.transaction(async (tx) => {
    // Start-up work, not a request: an instance waiting for another's seed (seconds on
    // a loaded machine) must not hit the request statement timeout and exit.
    await tx.query("SET LOCAL statement_timeout = '120s'");
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['product:catalog-seed']);
    const { rows } = await tx.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM products) AS any');
    if (rows[0]?.any) return 0;
    for (let start = 0; start < options.count; start += BATCH) {
      await insertBatch(tx, generateProducts(options.seed, start, Math.min(BATCH, options.count - start)));
    }
    return options.count;
  });
}

async function insertBatch(tx: Queryable, products: GeneratedProduct[]): Promise<void> {
  const values: unknown[] = [];
  const tuples = products.map((p) => {
    const base = values.length;
    values.push(
      p.id,
      p.sku,
      p.name,
      p.brand,
      p.category,
      p.description,
      JSON.stringify(p.attributes),
      p.priceMinor,
      p.currency,
      p.images,
      new Date(CATALOG_EPOCH_MS + p.ageIndex * 60_000).toISOString(),
    );
    return `(${Array.from({ length: 11 }, (_, i) => `$${base + i + 1}`).join(', ')}, $${base + 11})`;
  });
  await tx.query(
    `INSERT INTO products (id, sku, name, brand, category, description, attributes, price_minor, currency, images, created_at, updated_at) VALUES ${tuples.join(', ')}`,
    values,
  );
  await tx.query('INSERT INTO inventory (sku, on_hand) SELECT * FROM unnest($1::text[], $2::int[])', [
    products.map((p) => p.sku),
    products.map((p) => p.stock),
  ]);
}
