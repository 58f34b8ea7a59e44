import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAdminArgs } from './adminCli.ts';

test('promote and demote name one email', () => {
  assert.deepEqual(parseAdminArgs(['promote', 'ops@shop.io']), { role: 'admin', email: 'ops@shop.io' });
  assert.deepEqual(parseAdminArgs(['demote', 'ops@shop.io']), { role: 'customer', email: 'ops@shop.io' });
});

test('anything else is the usage', () => {
  for (const argv of [
    [],
    ['promote'],
    ['promote', 'not-an-email'],
    ['grant', 'ops@shop.io'],
    ['promote', 'a@b.io', 'c@d.io'],
  ]) {
    assert.ok('error' in parseAdminArgs(argv), JSON.stringify(argv));
  }
});
