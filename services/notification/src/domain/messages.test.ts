import { test } from 'node:test';
import assert from 'node:assert/strict';
import { money } from './messages.ts';

test("money uses each currency's own decimals, the same on every call", () => {
  for (let i = 0; i < 3; i += 1) {
    assert.equal(money(1234, 'EUR'), 'EUR\u00a012.34');
    assert.equal(money(1234, 'JPY'), 'JPY\u00a01,234');
    assert.equal(money(1234, 'KWD'), 'KWD\u00a01.234');
  }
});

test('a currency Intl does not know falls back to two decimals', () => {
  assert.equal(money(1234, 'X1'), 'X1 12.34');
  assert.equal(money(1234, 'X1'), 'X1 12.34');
});
