import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAdminEmails, roleFor } from './roles.ts';

test('listed emails are admins, whatever their case and spacing', () => {
  const admins = parseAdminEmails(' Ops@Shop.io ,, root@shop.io');
  assert.equal(roleFor('ops@shop.io', admins), 'admin');
  assert.equal(roleFor('ROOT@shop.io', admins), 'admin');
  assert.equal(roleFor('eve@shop.io', admins), 'customer');
  assert.equal(parseAdminEmails(undefined).size, 0);
});
