import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeCursor, encodeCursor } from './cursor.ts';

const id = '0b9c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d';

test('a cursor decodes to the position it was made from', () => {
  const cursor = encodeCursor('search-a', { key: '1999', id });
  assert.match(cursor, /^[A-Za-z0-9_-]+$/);
  assert.deepEqual(decodeCursor(cursor, 'search-a', 'price_asc'), { ok: true, position: { key: '1999', id } });
});

test('a cursor from another search is refused', () => {
  const cursor = encodeCursor('search-a', { key: '1999', id });
  const result = decodeCursor(cursor, 'search-b', 'price_asc');
  assert.equal(result.ok, false);
});

test('every single-character change to a cursor is refused', () => {
  const cursor = encodeCursor('s', { key: '2025-01-01T00:00:00.000000Z', id });
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  for (let i = 0; i < cursor.length; i++) {
    const replacement = alphabet[(alphabet.indexOf(cursor[i]!) + 7) % alphabet.length]!;
    const tampered = cursor.slice(0, i) + replacement + cursor.slice(i + 1);
    assert.equal(decodeCursor(tampered, 's', 'newest').ok, false, `position ${i}`);
  }
});

test('a key of the wrong shape for the sort is refused', () => {
  const cursor = encodeCursor('s', { key: '1; DROP TABLE products', id });
  assert.equal(decodeCursor(cursor, 's', 'price_asc').ok, false);
  assert.equal(decodeCursor('not-a-cursor', 's', 'price_asc').ok, false);
});
