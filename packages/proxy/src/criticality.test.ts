import { test } from 'node:test';
import assert from 'node:assert/strict';
import { criticalityRank } from '@shop/mesh';
import { criticalityOf } from './criticality.ts';

test('checkout, payment and login above cart; cart above product pages; product pages above search; history last', () => {
  const rank = (method: string, url: string) => criticalityRank(criticalityOf(method, url));
  const checkout = rank('POST', '/orders');
  const login = rank('POST', '/users/sessions');
  const refresh = rank('POST', '/users/sessions/refresh');
  const cart = rank('PUT', '/orders/cart/items/p-1');
  const order = rank('GET', '/orders/o-1');
  const product = rank('GET', '/products/p-1');
  const search = rank('GET', '/products?q=shoes&limit=20');
  const analytics = rank('GET', '/analytics/summary');
  const history = rank('GET', '/notifications?limit=10');
  assert.deepEqual([checkout, login, refresh], [0, 0, 0]);
  assert.ok(cart > checkout && order === cart);
  assert.ok(product > cart);
  assert.ok(search > product);
  assert.ok(analytics > search && history === analytics);
});

test('an unknown route ranks as the default; a look-alike prefix is not its neighbour', () => {
  assert.equal(criticalityOf('GET', '/elsewhere'), 'default');
  assert.equal(criticalityOf('POST', '/ordersx'), 'default');
  assert.equal(criticalityOf('GET', '/products'), 'low');
});
