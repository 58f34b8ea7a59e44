import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalPath, isCanonicalPath } from './paths.ts';

const canonical = (raw: string): string | undefined => {
  const result = canonicalPath(raw);
  return result.ok ? result.path : undefined;
};

test('dot segments, plain or percent-encoded in any case, are resolved before anything decides on the path', () => {
  assert.equal(canonical('/users/x/%2e%2e/keys/rotate'), '/users/keys/rotate');
  assert.equal(canonical('/users/x/%2E%2e/keys'), '/users/keys');
  assert.equal(canonical('/products/%2e%2e/metrics'), '/metrics');
  assert.equal(canonical('/orders/./cart'), '/orders/cart');
  assert.equal(canonical('/orders/%2e/cart'), '/orders/cart');
  assert.equal(canonical('/a/b/c/../../d'), '/a/d');
});

test('escaped unreserved characters are decoded, other escapes upper-cased', () => {
  assert.equal(canonical('/users/%6beys/rotate'), '/users/keys/rotate');
  assert.equal(canonical('/products/%7e%41'), '/products/~A');
  assert.equal(canonical('/users/a%40b'), '/users/a%40b');
  assert.equal(canonical('/x/%c3%a9'), '/x/%C3%A9');
});

test('empty segments collapse; a trailing slash stays', () => {
  assert.equal(canonical('//users///keys'), '/users/keys');
  assert.equal(canonical('/products/'), '/products/');
  assert.equal(canonical('/'), '/');
});

test('paths that no canonical form can carry safely are refused', () => {
  for (const raw of [
    '/users/..%2fkeys',
    '/users/%2F..',
    '/a\\b',
    '/a/%5c/b',
    '/a/%00',
    '/a/%0a',
    '/a/%zz',
    '/a/%4',
    '/..',
    '/a/../..',
    'users',
    '/a b',
    '/é',
  ])
    assert.equal(canonicalPath(raw).ok, false, raw);
});

test('isCanonicalPath holds exactly for what canonicalPath returns unchanged', () => {
  for (const path of ['/users/keys', '/products/abc-1', '/orders/cart/items/5', '/', '/products/'])
    assert.ok(isCanonicalPath(path), path);
  for (const path of ['/users/x/%2e%2e/keys', '//users', '/users/%6beys', '/x/%c3%a9', '/a/./b'])
    assert.equal(isCanonicalPath(path), false, path);
});
