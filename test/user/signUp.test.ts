// The harness in use: the user service on a real PostgreSQL, through inject().
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from '@shop/user-service';
import { startEmbeddedCluster, type TestCluster } from '../support/postgres.ts';
import { startServiceForTest, type ServiceUnderTest } from '../support/service.ts';

let cluster: TestCluster;
let user: ServiceUnderTest<Parameters<typeof createApp>[0]>;

before(async () => {
  cluster = await startEmbeddedCluster('user');
  user = await startServiceForTest({ service: 'user', adminUrl: cluster.adminUrl, createApp });
});
after(async () => {
  await user.close();
  await cluster.close();
});

test('sign-up stores one account per normalised email', async () => {
  const first = await user.app.inject({ method: 'POST', url: '/users', payload: { email: 'Grace@Example.com', password: 'a long enough secret', name: 'Grace' } });
  assert.equal(first.statusCode, 201);
  const again = await user.app.inject({ method: 'POST', url: '/users', payload: { email: 'grace@example.com ', password: 'another long secret', name: 'G' } });
  assert.equal(again.statusCode, 409);
  assert.equal(again.json().code, 'CONFLICT');
  const { rows } = await user.db.query<{ n: number }>('SELECT count(*)::int AS n FROM users');
  assert.equal(rows[0]!.n, 1);
});
