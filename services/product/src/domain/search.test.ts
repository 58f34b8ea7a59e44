import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseText, parseSearch } from './search.ts';
import { priceBandOf } from './priceBands.ts';

test('relevance is the default sort with a query, newest without', () => {
  const withQuery = parseSearch({ q: ' wireless   headphones ' });
  assert.ok(withQuery.ok);
  assert.equal(withQuery.value.sort, 'relevance');
  assert.equal(withQuery.value.text, 'wireless headphones');
  const browse = parseSearch({});
  assert.ok(browse.ok);
  assert.equal(browse.value.sort, 'newest');
  assert.equal(browse.value.limit, 20);
});

test('contradictory or impossible requests name the field', () => {
  assert.deepEqual(parseSearch({ minPrice: 10, maxPrice: 5 }), {
    ok: false,
    field: 'query/minPrice',
    message: 'must not be greater than maxPrice',
  });
  assert.equal(parseSearch({ sort: 'relevance' }).ok, false);
  assert.equal(parseSearch({ limit: 101 }).ok, false);
});

test('control characters and blank queries are dropped', () => {
  assert.equal(normaliseText('a\u0000b'), 'a b');
  assert.equal(normaliseText('   '), undefined);
});

test('price bands cover every price once, in major units', () => {
  assert.equal(priceBandOf(0).key, '<25');
  assert.equal(priceBandOf(2499).key, '<25');
  assert.equal(priceBandOf(2500).key, '25-50');
  assert.equal(priceBandOf(9999).key, '50-100');
  assert.equal(priceBandOf(24999).key, '100-250');
  assert.equal(priceBandOf(25000).key, '250+');
});
