import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decideRoleChange, SIGN_UP_ROLE } from './roles.ts';

test('a sign-up is a customer, whatever the email', () => {
  assert.equal(SIGN_UP_ROLE, 'customer');
});

test('promotion and demotion change the role; the same role is no change', () => {
  assert.deepEqual(decideRoleChange('customer', 'admin', 1), { ok: true, changed: true });
  assert.deepEqual(decideRoleChange('admin', 'customer', 2), { ok: true, changed: true });
  assert.deepEqual(decideRoleChange('admin', 'admin', 1), { ok: true, changed: false });
});

test('the last administrator cannot be demoted', () => {
  assert.deepEqual(decideRoleChange('admin', 'customer', 1), { ok: false, reason: 'last-admin' });
});
