// The public catalog on a real PostgreSQL: search (typos, weights), facets,
// filters, sorts, keyset pagination, admin-only writes, the product cache.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startEmbeddedCluster, type TestCluster } from '../support/postgres.ts';
import { createProduct, startProductService, type ProductServiceUnderTest } from './support/productService.ts';

let cluster: TestCluster;
let shop: ProductServiceUnderTest;
let big: ProductServiceUnderTest;
const ids: Record<string, string> = {};

type Item = {
  id: string;
  sku: string;
  name: string;
  brand: string;
  category: string;
  priceMinor: number;
  createdAt: string;
  availability: { available: boolean; inStock: number };
};
type Page = {
  items: Item[];
  facets: {
    category: Array<{ value: string; count: number }>;
    brand: Array<{ value: string; count: number }>;
    price: Array<{ key: string; count: number; minPriceMinor: number; maxPriceMinor: number | null }>;
  };
  nextCursor: string | null;
};

async function search(service: ProductServiceUnderTest, query: string): Promise<Page> {
  const response = await service.app.inject({ method: 'GET', url: `/products?${query}` });
  assert.equal(response.statusCode, 200, response.body);
  return response.json();
}

before(async () => {
  cluster = await startEmbeddedCluster('product-catalog');
  shop = await startProductService(cluster.adminUrl, { countQueries: /FROM products p WHERE p\.id = \$1/ });
  big = await startProductService(cluster.adminUrl, { env: { CATALOG_SEED_COUNT: '240', CATALOG_SEED: '7' } });
  const fixtures = [
    {
      sku: 'EL-SONY-1',
      name: 'Sony WH-1000 Wireless Headphones',
      brand: 'Sony',
      category: 'electronics',
      priceMinor: 29999,
      stock: 5,
      description: 'Noise cancelling over-ear headphones.',
    },
    {
      sku: 'EL-BOSE-1',
      name: 'Bose QuietComfort Headphones',
      brand: 'Bose',
      category: 'electronics',
      priceMinor: 24900,
      stock: 0,
    },
    {
      sku: 'EL-ANKR-1',
      name: 'Anker Soundcore Bluetooth Speaker',
      brand: 'Anker',
      category: 'electronics',
      priceMinor: 3999,
      stock: 12,
    },
    {
      sku: 'BO-PENG-1',
      name: 'Field Guide to Birds',
      brand: 'Penguin',
      category: 'books',
      priceMinor: 1299,
      stock: 3,
      description: 'Best read outdoors, without headphones.',
    },
    {
      sku: 'SP-NIKE-1',
      name: 'Nike Pegasus Running Shoes',
      brand: 'Nike',
      category: 'sports',
      priceMinor: 12000,
      stock: 7,
    },
    {
      sku: 'SP-ADID-1',
      name: 'Adidas Ultraboost Running Shoes',
      brand: 'Adidas',
      category: 'sports',
      priceMinor: 18000,
      stock: 7,
      attributes: { size: 'M', weightGrams: 310, waterproof: false },
    },
  ];
  for (const fixture of fixtures) ids[fixture.sku] = await createProduct(shop, fixture);
});
after(async () => {
  await shop?.close();
  await big?.close();
  await cluster?.close();
});

describe('search', () => {
  test('a misspelt word still finds the product', async () => {
    const page = await search(shop, 'q=heaphones');
    const names = page.items.map((i) => i.name);
    assert.ok(names.includes('Sony WH-1000 Wireless Headphones'), names.join(', '));
    assert.ok(names.includes('Bose QuietComfort Headphones'), names.join(', '));
    const brand = await search(shop, 'q=addidas');
    assert.equal(brand.items[0]?.sku, 'SP-ADID-1');
  });

  test('a match in the name outranks a match in the description', async () => {
    const page = await search(shop, 'q=headphones');
    assert.deepEqual(page.items.map((i) => i.sku).slice(-1), ['BO-PENG-1']);
    assert.equal(page.items.length, 3);
  });

  test('facets count the whole matching set', async () => {
    const all = await search(shop, 'limit=1');
    assert.deepEqual(all.facets.category, [
      { value: 'electronics', count: 3 },
      { value: 'sports', count: 2 },
      { value: 'books', count: 1 },
    ]);
    assert.equal(all.facets.brand.length, 6);
    assert.deepEqual(Object.fromEntries(all.facets.price.map((b) => [b.key, b.count])), {
      '<25': 1,
      '25-50': 1,
      '50-100': 0,
      '100-250': 3,
      '250+': 1,
    });
    const band = all.facets.price.find((b) => b.key === '100-250')!;
    assert.deepEqual([band.minPriceMinor, band.maxPriceMinor], [10000, 24999]);
    const running = await search(shop, 'q=running');
    assert.deepEqual(running.facets.category, [{ value: 'sports', count: 2 }]);
  });

  test('filters combine', async () => {
    const cheapSports = await search(shop, 'category=sports&maxPrice=15000');
    assert.deepEqual(
      cheapSports.items.map((i) => i.sku),
      ['SP-NIKE-1'],
    );
    const band = await search(shop, 'minPrice=10000&maxPrice=24999');
    assert.deepEqual(band.items.map((i) => i.sku).sort(), ['EL-BOSE-1', 'SP-ADID-1', 'SP-NIKE-1']);
    const sonyHeadphones = await search(shop, 'q=headphones&brand=Sony');
    assert.deepEqual(
      sonyHeadphones.items.map((i) => i.sku),
      ['EL-SONY-1'],
    );
    const none = await search(shop, 'category=books&brand=Sony');
    assert.deepEqual(none.items, []);
    assert.equal(none.nextCursor, null);
  });

  test('sorts order by price, name and age', async () => {
    const asc = await search(shop, 'sort=price_asc');
    assert.deepEqual(
      asc.items.map((i) => i.priceMinor),
      [1299, 3999, 12000, 18000, 24900, 29999],
    );
    const desc = await search(shop, 'sort=price_desc&limit=2');
    assert.deepEqual(
      desc.items.map((i) => i.priceMinor),
      [29999, 24900],
    );
    const byName = await search(shop, 'sort=name');
    assert.deepEqual(
      byName.items.map((i) => i.name),
      [...byName.items.map((i) => i.name)].sort((a, b) => a.localeCompare(b)),
    );
    const newest = await search(shop, 'sort=newest&limit=1');
    assert.equal(newest.items[0]?.sku, 'SP-ADID-1');
  });

  test('items carry availability', async () => {
    const page = await search(shop, 'q=bose');
    assert.deepEqual(page.items[0]?.availability, { available: false, inStock: 0 });
  });
});

describe('pagination', () => {
  for (const query of [
    'sort=newest',
    'sort=price_asc',
    'sort=price_desc',
    'sort=name',
    'q=wireless',
    'q=running%20shoes&sort=price_desc',
    'category=electronics&sort=name',
  ]) {
    test(`every item exactly once across pages: ${query}`, async () => {
      const first = await search(big, `${query}&limit=100`);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: Page = await search(big, `${query}&limit=7${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...page.items.map((i) => i.id));
        cursor = page.nextCursor;
        pages += 1;
        assert.ok(pages < 100, 'pagination does not end');
      } while (cursor);
      const expected = first.facets.category.reduce((sum, c) => sum + c.count, 0);
      assert.ok(expected > 0, 'the query matches something');
      assert.equal(new Set(seen).size, seen.length, 'no item twice');
      assert.equal(seen.length, expected, 'no item missed');
      if (expected <= 100)
        assert.deepEqual(
          seen,
          first.items.map((i) => i.id),
          'pages keep the order of one big page',
        );
    });
  }

  test('a tampered cursor is a 400 naming query/cursor', async () => {
    const page = await search(big, 'sort=price_asc&limit=5');
    const cursor = page.nextCursor!;
    const tampered = `${cursor.slice(0, 10)}${cursor[10] === 'A' ? 'B' : 'A'}${cursor.slice(11)}`;
    for (const bad of [tampered, 'garbage', Buffer.from('{"v":1}').toString('base64url')]) {
      const response = await big.app.inject({ method: 'GET', url: `/products?sort=price_asc&limit=5&cursor=${bad}` });
      assert.equal(response.statusCode, 400, bad);
      assert.equal(response.json().errors[0].field, 'query/cursor');
    }
    const otherSearch = await big.app.inject({
      method: 'GET',
      url: `/products?sort=price_desc&limit=5&cursor=${cursor}`,
    });
    assert.equal(otherSearch.statusCode, 400);
  });

  test('limit over the cap is a 400 naming query/limit', async () => {
    const response = await big.app.inject({ method: 'GET', url: '/products?limit=101' });
    assert.equal(response.statusCode, 400);
    assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
    assert.equal(response.json().errors[0].field, 'query/limit');
    const defaults = await search(big, '');
    assert.equal(defaults.items.length, 20);
  });
});

describe('one product', () => {
  test('is served with its availability; unknown is 404, malformed 400', async () => {
    const response = await shop.app.inject({ method: 'GET', url: `/products/${ids['SP-ADID-1']}` });
    assert.equal(response.statusCode, 200);
    const product = response.json();
    assert.deepEqual(
      {
        sku: product.sku,
        priceMinor: product.priceMinor,
        currency: product.currency,
        attributes: product.attributes,
        availability: product.availability,
      },
      {
        sku: 'SP-ADID-1',
        priceMinor: 18000,
        currency: 'USD',
        attributes: { size: 'M', weightGrams: 310, waterproof: false },
        availability: { available: true, inStock: 7 },
      },
    );
    const missing = await shop.app.inject({ method: 'GET', url: '/products/00000000-0000-4000-8000-000000000000' });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().code, 'NOT_FOUND');
    for (const bad of ['not-a-uuid', 'urn:uuid:00000000-0000-4000-8000-000000000000', '%00']) {
      const malformed = await shop.app.inject({ method: 'GET', url: `/products/${bad}` });
      assert.equal(malformed.statusCode, 400, bad);
    }
  });
});

describe('catalog writes', () => {
  test('need an administrator: no token 401, a customer 403', async () => {
    const body = {
      sku: 'HO-TEST-1',
      name: 'Kettle',
      brand: 'Tefal',
      category: 'home',
      priceMinor: 2999,
      currency: 'EUR',
    };
    const anonymous = await shop.app.inject({ method: 'POST', url: '/products', payload: body });
    assert.equal(anonymous.statusCode, 401);
    const customer = await shop.app.inject({
      method: 'POST',
      url: '/products',
      headers: await shop.auth('customer'),
      payload: body,
    });
    assert.equal(customer.statusCode, 403);
    const id = ids['EL-ANKR-1']!;
    for (const [method, payload] of [
      ['PATCH', { priceMinor: 1 }],
      ['DELETE', undefined],
    ] as const) {
      assert.equal((await shop.app.inject({ method, url: `/products/${id}`, payload })).statusCode, 401);
      assert.equal(
        (await shop.app.inject({ method, url: `/products/${id}`, headers: await shop.auth('customer'), payload }))
          .statusCode,
        403,
      );
    }
    const { rows } = await shop.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM products WHERE sku = 'HO-TEST-1' OR price_minor = 1",
    );
    assert.equal(rows[0]!.n, 0);
  });

  test('bad fields are 400s naming the field; a taken SKU is 409', async () => {
    const valid = {
      sku: 'HO-TEST-2',
      name: 'Kettle',
      brand: 'Tefal',
      category: 'home',
      priceMinor: 2999,
      currency: 'EUR',
    };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ priceMinor: -1 }, 'body/priceMinor'],
      [{ priceMinor: 12.5 }, 'body/priceMinor'],
      [{ currency: 'eur' }, 'body/currency'],
      [{ sku: 'lower case' }, 'body/sku'],
      [{ images: ['ftp://example.com/a.jpg'] }, 'body/images/0'],
      [{ attributes: { nested: { no: 1 } } }, 'body/attributes/nested'],
      [{ name: 'bad\u0000name' }, 'body/name'],
      [{ colour: 'red' }, 'body/colour'],
    ];
    const admin = await shop.auth('admin');
    for (const [change, field] of cases) {
      const response = await shop.app.inject({
        method: 'POST',
        url: '/products',
        headers: admin,
        payload: { ...valid, ...change },
      });
      assert.equal(response.statusCode, 400, JSON.stringify(change));
      assert.ok(
        response.json().errors.some((e: { field: string }) => e.field.startsWith(field)),
        `${JSON.stringify(change)}: ${response.body}`,
      );
    }
    const taken = await shop.app.inject({
      method: 'POST',
      url: '/products',
      headers: admin,
      payload: { ...valid, sku: 'EL-SONY-1' },
    });
    assert.equal(taken.statusCode, 409);
  });

  test('create, patch and delete write product events to the outbox', async () => {
    const admin = await shop.auth('admin');
    const id = await createProduct(shop, {
      sku: 'GA-TEST-1',
      name: 'Garden Hose',
      brand: 'Gardena',
      category: 'garden',
      priceMinor: 1999,
      stock: 4,
    });
    const patched = await shop.app.inject({
      method: 'PATCH',
      url: `/products/${id}`,
      headers: admin,
      payload: { priceMinor: 2499, stock: 9 },
    });
    assert.equal(patched.statusCode, 200);
    assert.equal(patched.json().availability.inStock, 9);
    const deleted = await shop.app.inject({ method: 'DELETE', url: `/products/${id}`, headers: admin });
    assert.equal(deleted.statusCode, 204);
    assert.equal((await shop.app.inject({ method: 'GET', url: `/products/${id}` })).statusCode, 404);
    assert.equal((await shop.app.inject({ method: 'DELETE', url: `/products/${id}`, headers: admin })).statusCode, 404);
    const { rows } = await shop.db.query<{ type: string; topic: string; key: string; envelope: Record<string, any> }>(
      'SELECT type, topic, key, envelope FROM outbox WHERE key = $1 ORDER BY created_at',
      [id],
    );
    assert.deepEqual(
      rows.map((r) => r.type),
      ['product.updated', 'product.updated', 'product.deleted'],
    );
    const envelope = rows[1]!.envelope;
    assert.equal(rows[1]!.topic, 'product');
    assert.deepEqual(
      {
        type: envelope.type,
        version: envelope.version,
        key: envelope.key,
        aggregateId: envelope.aggregateId,
        producer: envelope.producer,
      },
      { type: 'product.updated', version: 1, key: id, aggregateId: id, producer: 'product-service' },
    );
    assert.equal(envelope.payload.product.priceMinor, 2499);
    assert.equal(typeof envelope.correlationId, 'string');
  });
});

describe('product cache', () => {
  test('concurrent misses on one key cause one database read; PATCH invalidates', async () => {
    const id = ids['EL-SONY-1']!;
    shop.counted.n = 0;
    const responses = await Promise.all(
      Array.from({ length: 25 }, () => shop.app.inject({ method: 'GET', url: `/products/${id}` })),
    );
    assert.ok(responses.every((r) => r.statusCode === 200));
    assert.equal(shop.counted.n, 1, 'one read for 25 concurrent misses');
    await Promise.all(Array.from({ length: 5 }, () => shop.app.inject({ method: 'GET', url: `/products/${id}` })));
    assert.equal(shop.counted.n, 1, 'hits do not read');

    const patched = await shop.app.inject({
      method: 'PATCH',
      url: `/products/${id}`,
      headers: await shop.auth('admin'),
      payload: { name: 'Sony WH-1000XM5 Wireless Headphones', stock: 4 },
    });
    assert.equal(patched.statusCode, 200);
    const after = await shop.app.inject({ method: 'GET', url: `/products/${id}` });
    assert.equal(after.json().name, 'Sony WH-1000XM5 Wireless Headphones');
    assert.equal(after.json().availability.inStock, 4);
    assert.equal(shop.counted.n, 2, 'the change was read once more');
  });
});

describe('hostile input', () => {
  async function fingerprint(): Promise<unknown> {
    const { rows } = await shop.db.query(
      `SELECT (SELECT count(*)::int FROM products) AS products, (SELECT coalesce(sum(on_hand), 0)::int FROM inventory) AS on_hand,
              (SELECT coalesce(sum(reserved), 0)::int FROM inventory) AS reserved, (SELECT count(*)::int FROM reservations) AS reservations,
              (SELECT count(*)::int FROM outbox) AS events, (SELECT max(updated_at) FROM products) AS last_update`,
    );
    return rows[0];
  }

  const nasty = fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    "'; DROP TABLE products; --",
    '%',
    '%ZZ',
    '\uD800',
    '💥',
    '1e999',
    '-1',
    'NaN',
    'null',
    '[]',
    '{}',
    'x'.repeat(5000),
    '\\',
    '<script>',
    'relevance',
    '9'.repeat(30),
  );
  const text = fc.oneof(
    nasty,
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ maxLength: 300 }),
    fc.integer().map(String),
  );
  const controlled = (value: string): boolean =>
    [...value].some((c) => c.charCodeAt(0) <= 0x1f || c.charCodeAt(0) === 0x7f);
  const encode = (value: string): string => {
    try {
      return encodeURIComponent(value);
    } catch {
      return value.replace(/[^A-Za-z0-9]/g, '%');
    }
  };

  test('GET /products never answers 5xx and changes nothing', async () => {
    const before = await fingerprint();
    const key = fc.oneof(
      {
        arbitrary: fc.constantFrom('q', 'category', 'brand', 'minPrice', 'maxPrice', 'sort', 'limit', 'cursor'),
        weight: 5,
      },
      { arbitrary: fc.string({ maxLength: 10 }), weight: 1 },
    );
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(key, text), { maxLength: 4 }), async (pairs) => {
        const query = pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
        const response = await shop.app.inject({ method: 'GET', url: `/products?${query}` });
        statuses.add(response.statusCode);
        assert.ok(response.statusCode < 500, `${query} -> ${response.statusCode} ${response.body.slice(0, 300)}`);
        if (response.statusCode >= 400)
          assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
      }),
      { numRuns: 200 },
    );
    assert.ok(statuses.has(200) && statuses.has(400), `the property reached the database: ${[...statuses].join(',')}`);
    assert.deepEqual(await fingerprint(), before);
  });

  test('POST /products with hostile bodies never answers 5xx and changes nothing', async () => {
    const before = await fingerprint();
    const admin = await shop.auth('admin');
    const hostileAttributes = fc
      .dictionary(text, fc.oneof(text, fc.double(), fc.constant(null), fc.array(fc.integer()), fc.object()), {
        minKeys: 1,
        maxKeys: 4,
      })
      .filter((attributes) =>
        Object.entries(attributes).some(
          ([k, v]) =>
            typeof v === 'object' ||
            controlled(k) ||
            k === '' ||
            k.length > 64 ||
            (typeof v === 'string' && (controlled(v) || v.length > 500)) ||
            (typeof v === 'number' && !Number.isFinite(v)),
        ),
      );
    const almostValid = fc.record({
      sku: fc.constant('HX-HOSTILE-1'),
      name: fc.constant('Hostile'),
      brand: fc.constant('Acme'),
      category: fc.constant('toys'),
      priceMinor: fc.constant(100),
      currency: fc.constant('USD'),
      attributes: hostileAttributes,
    });
    const body = fc.oneof(
      fc.anything(),
      almostValid,
      fc.record(
        {
          sku: text,
          name: text,
          brand: text,
          category: text,
          priceMinor: fc.oneof(fc.double(), fc.integer(), text),
          currency: text,
          images: fc.array(text),
        },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(body, async (payload) => {
        const response = await shop.app.inject({
          method: 'POST',
          url: '/products',
          headers: { ...admin, 'content-type': 'application/json' },
          payload: JSON.stringify(payload) ?? 'undefined',
        });
        assert.ok(
          response.statusCode >= 400 && response.statusCode < 500,
          `${JSON.stringify(payload)?.slice(0, 300)} -> ${response.statusCode} ${response.body.slice(0, 300)}`,
        );
      }),
      { numRuns: 200 },
    );
    await fc.assert(
      fc.asyncProperty(text, async (raw) => {
        const response = await shop.app.inject({
          method: 'POST',
          url: '/products',
          headers: { ...admin, 'content-type': 'application/json' },
          payload: raw,
        });
        assert.ok(
          response.statusCode >= 400 && response.statusCode < 500,
          `${raw.slice(0, 100)} -> ${response.statusCode}`,
        );
      }),
      { numRuns: 100 },
    );
    assert.deepEqual(await fingerprint(), before);
  });

  test('POST /inventory/reservations with hostile bodies never answers 5xx and changes nothing', async () => {
    const before = await fingerprint();
    const line = fc.record(
      {
        productId: fc.oneof(fc.uuid(), text),
        quantity: fc.oneof(fc.integer({ min: -5, max: 200 }), fc.double(), text),
      },
      { requiredKeys: [] },
    );
    const validLine = fc.record({ productId: fc.uuid(), quantity: fc.integer({ min: 1, max: 100 }) });
    const unknownProducts = fc.record({
      reservationId: fc.uuid(),
      items: fc.array(validLine, { minLength: 1, maxLength: 5 }),
    });
    const body = fc.oneof(
      fc.anything(),
      unknownProducts,
      fc.record(
        {
          reservationId: fc.oneof(fc.uuid(), text),
          items: fc.oneof(fc.array(line, { maxLength: 60 }), text),
          ttlSeconds: fc.oneof(fc.integer(), text),
        },
        { requiredKeys: [] },
      ),
    );
    const statuses = new Set<number>();
    await fc.assert(
      fc.asyncProperty(body, async (payload) => {
        const response = await shop.app.inject({
          method: 'POST',
          url: '/inventory/reservations',
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify(payload) ?? 'null',
        });
        statuses.add(response.statusCode);
        assert.ok(
          response.statusCode >= 400 && response.statusCode < 500,
          `${JSON.stringify(payload)?.slice(0, 300)} -> ${response.statusCode} ${response.body.slice(0, 300)}`,
        );
      }),
      { numRuns: 200 },
    );
    assert.ok(statuses.has(422) && statuses.has(400), `the property reached the database: ${[...statuses].join(',')}`);
    assert.deepEqual(await fingerprint(), before);
  });
});
