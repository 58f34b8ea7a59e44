import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CATEGORIES, generateProducts, mulberry32 } from './generator.ts';
import { SKU_PATTERN, attributeProblems } from './product.ts';

test('mulberry32 is deterministic and stays in [0, 1)', () => {
  const a = mulberry32(7);
  const b = mulberry32(7);
  for (let i = 0; i < 1000; i++) {
    const x = a();
    assert.equal(x, b());
    assert.ok(x >= 0 && x < 1);
  }
});

test('the same seed gives the same catalog; another seed another one', () => {
  assert.deepEqual(generateProducts(42, 0, 50), generateProducts(42, 0, 50));
  assert.notDeepEqual(
    generateProducts(42, 0, 50).map((p) => p.id),
    generateProducts(43, 0, 50).map((p) => p.id),
  );
  // Any slice can be generated alone.
  assert.deepEqual(generateProducts(42, 10, 5), generateProducts(42, 0, 15).slice(10));
});

test('generated products are valid and varied', () => {
  const products = generateProducts(1, 0, 2000);
  assert.equal(new Set(products.map((p) => p.id)).size, products.length);
  assert.equal(new Set(products.map((p) => p.sku)).size, products.length);
  assert.equal(new Set(products.map((p) => p.category)).size, Object.keys(CATEGORIES).length);
  for (const p of products) {
    assert.match(p.sku, new RegExp(SKU_PATTERN));
    assert.ok(Number.isInteger(p.priceMinor) && p.priceMinor >= 0);
    assert.ok(Number.isInteger(p.stock) && p.stock >= 0);
    assert.deepEqual(attributeProblems(p.attributes), []);
  }
});
