// The user service on the machine's PostgreSQL and its streaming replica
// (scripts/replica.sh), two instances, with read-your-writes floors in process
// and in Redis: a profile change or a new account is never read back stale
// with the replica held behind; losing the replica fails no request. With
// CI=true a missing replica or Redis is a failure, not a skip.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { JWKS_PATH } from '@shop/auth';
import { CONSISTENCY_HEADER, parseLsn, tokenPosition, type ReadRouter } from '@shop/data';
import type { ServiceApp } from '@shop/platform';
import { EXTERNAL_URL, externalServer } from '../support/postgres.ts';
import { waitFor } from '../support/launcher.ts';
import {
  REPLICA_URL,
  killReplica,
  replicaAdmin,
  replicaSkip,
  restartReplica,
  stopReplica,
} from '../data/support/replica.ts';
import { REDIS_URL, redisSkip } from '../data/support/redis.ts';
import { anotherInstanceOnReplica, bearer, logIn, signUp, startUserService, type UserService } from './harness.ts';

const external = await externalServer();
const replicaMissing = 'skip' in external ? external.skip : await replicaSkip();
const redisMissing = await redisSkip();

const variants: Array<{
  store: string;
  env: Record<string, string>;
  skip: string | false;
  loseReplica: { how: string; act: () => Promise<void> };
}> = [
  {
    store: 'floors in process',
    env: {},
    skip: replicaMissing,
    loseReplica: { how: 'stopped (fast shutdown)', act: stopReplica },
  },
  {
    store: 'floors in Redis',
    env: { REDIS_URL },
    skip: replicaMissing || redisMissing,
    loseReplica: { how: 'killed (SIGKILL)', act: killReplica },
  },
];

for (const variant of variants) {
  describe(`user profiles on a replica, two instances, ${variant.store}`, { skip: variant.skip }, () => {
    let a: UserService;
    let b: { app: ServiceApp; reads: ReadRouter };
    let replica: pg.Client;
    let auth: Record<string, string>;

    const me = async (app: ServiceApp, headers: Record<string, string>): Promise<{ name: string }> => {
      const response = await app.inject({ method: 'GET', url: '/users/me', headers });
      assert.equal(response.statusCode, 200, response.body);
      return response.json();
    };
    const served = () => ({ a: a.reads.stats(), b: b.reads.stats() });
    const paused = async (work: () => Promise<void>): Promise<void> => {
      await replica.query('SELECT pg_wal_replay_pause()');
      try {
        await work();
      } finally {
        await replica.query('SELECT pg_wal_replay_resume()');
      }
    };

    before(async () => {
      a = await startUserService({ adminUrl: EXTERNAL_URL }, { replicaUrl: REPLICA_URL, env: variant.env });
      b = await anotherInstanceOnReplica(a, REPLICA_URL);
      replica = await replicaAdmin();
      const email = `reader-${randomUUID().slice(0, 8)}@example.com`;
      await signUp(a.app, email, undefined, 'First Name');
      auth = bearer((await logIn(a.app, email)).accessToken);
      await waitFor(
        'both instances to read profiles from the replica',
        async () => {
          assert.equal((await me(a.app, auth)).name, 'First Name');
          assert.equal((await me(b.app, auth)).name, 'First Name');
          const now = served();
          return now.a.replica > 0 && now.b.replica > 0 ? true : undefined;
        },
        10_000,
      );
    });

    after(async () => {
      await replica?.query('SELECT pg_wal_replay_resume()').catch(() => undefined);
      await replica?.end().catch(() => undefined);
      await b?.app.close();
      await a?.close();
    });

    test('a profile change is read back on both instances with the token, with the replica held behind', async (t) => {
      await paused(async () => {
        const before = served();
        const patched = await a.app.inject({
          method: 'PATCH',
          url: '/users/me',
          headers: auth,
          payload: { name: 'Second Name' },
        });
        assert.equal(patched.statusCode, 200, patched.body);
        const token = String(patched.headers[CONSISTENCY_HEADER]);
        await a.reads.poll();
        assert.ok(
          parseLsn(a.reads.status()[0]!.replayLsn!) < parseLsn(tokenPosition(token, 'user')!),
          'the replica really is behind the write',
        );
        for (let i = 0; i < 10; i++) {
          assert.equal((await me(a.app, { ...auth, [CONSISTENCY_HEADER]: token })).name, 'Second Name');
          assert.equal((await me(b.app, { ...auth, [CONSISTENCY_HEADER]: token })).name, 'Second Name');
        }
        const during = served();
        t.diagnostic(
          `replay paused, 20 reads with the token: ${during.a.primary + during.b.primary - before.a.primary - before.b.primary} on the primary, ${during.a.replica + during.b.replica - before.a.replica - before.b.replica} on the replica`,
        );
        assert.equal(during.a.replica + during.b.replica, before.a.replica + before.b.replica);
      });
      const resumed = b.reads.stats().replica;
      await waitFor(
        'the replica to serve the profile again',
        async () => {
          assert.equal((await me(b.app, auth)).name, 'Second Name', 'never stale, whoever serves it');
          return b.reads.stats().replica > resumed ? true : undefined;
        },
        10_000,
      );
    });

    test('the same instance reads its write back without the header', async () => {
      await paused(async () => {
        const patched = await a.app.inject({
          method: 'PATCH',
          url: '/users/me',
          headers: auth,
          payload: { name: 'Third Name' },
        });
        assert.equal(patched.statusCode, 200, patched.body);
        for (let i = 0; i < 5; i++) assert.equal((await me(a.app, auth)).name, 'Third Name');
      });
    });

    test(
      'another instance reads the write back without the header, through the floor shared in Redis',
      {
        skip: variant.env.REDIS_URL ? false : 'an in-process floor is per instance: there the client echoes the header',
      },
      async () => {
        await paused(async () => {
          const patched = await a.app.inject({
            method: 'PATCH',
            url: '/users/me',
            headers: auth,
            payload: { name: 'Fourth Name' },
          });
          assert.equal(patched.statusCode, 200, patched.body);
          for (let i = 0; i < 5; i++) assert.equal((await me(b.app, auth)).name, 'Fourth Name');
        });
      },
    );

    test('a new account has a profile on another instance before the replica has it', async () => {
      await paused(async () => {
        const email = `newcomer-${randomUUID().slice(0, 8)}@example.com`;
        await signUp(a.app, email, undefined, 'Newcomer');
        const token = bearer((await logIn(a.app, email)).accessToken);
        assert.equal((await me(b.app, token)).name, 'Newcomer');
      });
    });

    test(`the replica ${variant.loseReplica.how} during a stream of reads on both instances: no request fails`, async (t) => {
      const failures: string[] = [];
      let reads = 0;
      let stop = false;
      const loop = async (app: ServiceApp, n: number): Promise<void> => {
        for (let i = n; !stop; i++) {
          const response = await app.inject({
            method: 'GET',
            url: i % 3 === 0 ? JWKS_PATH : '/users/me',
            headers: auth,
          });
          if (response.statusCode === 200) reads += 1;
          else failures.push(`${response.statusCode} ${response.body.slice(0, 200)}`);
        }
      };
      const loops = [a.app, b.app, a.app, b.app].map((app, n) => loop(app, n));
      await new Promise((resolve) => setTimeout(resolve, 500));
      const before = served();
      assert.ok(before.a.replica > 0 && before.b.replica > 0);
      await variant.loseReplica.act();
      await new Promise((resolve) => setTimeout(resolve, 1500));
      stop = true;
      await Promise.all(loops);
      const after = served();
      t.diagnostic(
        `${reads} requests, ${failures.length} failed; after the replica went: ${after.a.primary + after.b.primary - before.a.primary - before.b.primary} profile reads on the primary, ${after.a.fallbacks + after.b.fallbacks} fell back from the replica`,
      );
      assert.deepEqual(failures, []);
      assert.ok(reads > 100, `requests went on (${reads})`);
      assert.equal(a.reads.status()[0]!.state, 'down');
      // Leave a working replica for whatever runs next.
      await restartReplica();
    });
  });
}
