// The product service on the machine's PostgreSQL and its streaming replica
// (scripts/replica.sh), two instances, for each cache adapter: an admin's
// change is never read back stale, whichever instance serves the read, even
// with the replica held behind; losing the replica fails no read. With
// CI=true a missing replica or Redis is a failure, not a skip.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { CONSISTENCY_HEADER, onReplica, parseLsn, tokenPosition, type ReadRouter } from '@shop/data';
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
import {
  createProduct,
  startProductService,
  startSecondInstance,
  type ProductServiceUnderTest,
} from './support/productService.ts';

const external = await externalServer();
const replicaMissing = 'skip' in external ? external.skip : await replicaSkip();
const redisMissing = await redisSkip();

type Product = { name: string; availability: { inStock: number } };

const variants: Array<{
  cache: string;
  env: { REDIS_URL?: string };
  skip: string | false;
  loseReplica: { how: string; act: () => Promise<void> };
}> = [
  {
    cache: 'in-process cache',
    env: {},
    skip: replicaMissing,
    loseReplica: { how: 'killed (SIGKILL)', act: killReplica },
  },
  {
    cache: 'Redis cache',
    env: { REDIS_URL },
    skip: replicaMissing || redisMissing,
    loseReplica: { how: 'stopped (fast shutdown)', act: stopReplica },
  },
];

for (const variant of variants) {
  describe(`product reads on a replica, two instances, ${variant.cache}`, { skip: variant.skip }, () => {
    const adminId = randomUUID();
    const category = `replica-${randomUUID().slice(0, 8)}`;
    let a: ProductServiceUnderTest;
    let b: { app: ServiceApp; reads: ReadRouter; close(): Promise<void> };
    let replica: pg.Client;
    let onReplicaAsService: pg.Client;
    let admin: { authorization: string };
    let id: string;

    const get = async (app: ServiceApp, headers: Record<string, string> = {}): Promise<Product> => {
      const response = await app.inject({ method: 'GET', url: `/products/${id}`, headers });
      assert.equal(response.statusCode, 200, response.body);
      return response.json();
    };
    const nameOnReplica = async (): Promise<string | undefined> =>
      (await onReplicaAsService.query<{ name: string }>('SELECT name FROM products WHERE id = $1', [id])).rows[0]?.name;
    const served = () => ({ a: a.reads.stats(), b: b.reads.stats() });

    before(async () => {
      a = await startProductService(EXTERNAL_URL, {
        replicaUrl: REPLICA_URL,
        env: variant.env.REDIS_URL ? { REDIS_URL: variant.env.REDIS_URL } : {},
      });
      b = await startSecondInstance(a, {}, { replicaUrl: REPLICA_URL });
      replica = await replicaAdmin();
      // The service's database was just created on the primary: the replica (restarted by the
      // previous variant, perhaps still catching up) has it once it has replayed that far.
      onReplicaAsService = await waitFor(
        'the replica to have the service database',
        async () => {
          const client = new pg.Client({ connectionString: onReplica(a.databaseUrl, REPLICA_URL) });
          client.on('error', () => undefined);
          try {
            await client.connect();
            return client;
          } catch (error) {
            await client.end().catch(() => undefined);
            throw error;
          }
        },
        15_000,
        100,
      );
      admin = { authorization: `Bearer ${await a.issuer.token({ userId: adminId, role: 'admin' })}` };
      id = await createProduct(a, {
        sku: `RP-${randomUUID().slice(0, 8).toUpperCase()}`,
        name: 'Original Name',
        brand: 'Acme',
        category,
        priceMinor: 1000,
        stock: 5,
      });
      await waitFor(
        'the replica to have the product',
        async () => ((await nameOnReplica()) ? true : undefined),
        10_000,
      );
      // Both instances cache the original row, read from the replica.
      await waitFor(
        'both instances to read from the replica',
        async () => {
          assert.equal((await get(a.app)).name, 'Original Name');
          assert.equal((await get(b.app)).name, 'Original Name');
          const now = served();
          return now.a.replica > 0 && now.b.replica > 0 ? true : undefined;
        },
        10_000,
      );
    });

    after(async () => {
      await replica?.query('SELECT pg_wal_replay_resume()').catch(() => undefined);
      await replica?.end().catch(() => undefined);
      await onReplicaAsService?.end().catch(() => undefined);
      await b?.close();
      await a?.close();
    });

    test("an admin's PATCH then GET, on the same and on another instance, is never stale with the replica held behind", async (t) => {
      await replica.query('SELECT pg_wal_replay_pause()');
      try {
        const before = served();
        const patched = await a.app.inject({
          method: 'PATCH',
          url: `/products/${id}`,
          headers: admin,
          payload: { name: 'Renamed Once', stock: 3 },
        });
        assert.equal(patched.statusCode, 200, patched.body);
        const token = String(patched.headers[CONSISTENCY_HEADER]);
        const written = tokenPosition(token, 'product');
        assert.ok(written, `a consistency token: ${token}`);
        await a.reads.poll();
        assert.ok(
          parseLsn(a.reads.status()[0]!.replayLsn!) < parseLsn(written),
          'the replica really is behind the write',
        );
        assert.equal(await nameOnReplica(), 'Original Name', 'and still has the old row');

        for (let i = 0; i < 10; i++) {
          for (const app of [a.app, b.app]) {
            const product = await get(app, { [CONSISTENCY_HEADER]: token });
            assert.deepEqual([product.name, product.availability.inStock], ['Renamed Once', 3]);
          }
          const page = await b.app.inject({
            method: 'GET',
            url: `/products?category=${category}`,
            headers: { [CONSISTENCY_HEADER]: token },
          });
          assert.deepEqual(
            page.json().items.map((p: Product) => [p.name, p.availability.inStock]),
            [['Renamed Once', 3]],
          );
        }
        const during = served();
        t.diagnostic(
          `replay paused, 30 reads with the token: instance A ${during.a.primary - before.a.primary} on the primary, ${during.a.replica - before.a.replica} on the replica; instance B ${during.b.primary - before.b.primary} / ${during.b.replica - before.b.replica}`,
        );
        assert.equal(
          during.a.replica + during.b.replica,
          before.a.replica + before.b.replica,
          'no read went to the replica that lacks the write',
        );

        await replica.query('SELECT pg_wal_replay_resume()');
        await waitFor(
          'the replica to serve the token holder again',
          async () => {
            const product = await get(b.app, { [CONSISTENCY_HEADER]: token });
            assert.equal(product.name, 'Renamed Once', 'never stale, whoever serves it');
            return b.reads.stats().replica > during.b.replica ? true : undefined;
          },
          10_000,
        );
      } finally {
        await replica.query('SELECT pg_wal_replay_resume()');
      }
    });

    test('without the header, the instance that took the write reads it back for the same admin', async () => {
      await replica.query('SELECT pg_wal_replay_pause()');
      try {
        const patched = await a.app.inject({
          method: 'PATCH',
          url: `/products/${id}`,
          headers: admin,
          payload: { name: 'Renamed Twice' },
        });
        assert.equal(patched.statusCode, 200, patched.body);
        for (let i = 0; i < 10; i++) assert.equal((await get(a.app, admin)).name, 'Renamed Twice');
      } finally {
        await replica.query('SELECT pg_wal_replay_resume()');
      }
    });

    test(
      'without the header, another instance reads the admin’s write back through the floor shared in Redis',
      {
        skip: variant.env.REDIS_URL ? false : 'an in-process floor is per instance: there the client echoes the header',
      },
      async () => {
        await replica.query('SELECT pg_wal_replay_pause()');
        try {
          const patched = await a.app.inject({
            method: 'PATCH',
            url: `/products/${id}`,
            headers: admin,
            payload: { name: 'Renamed Thrice' },
          });
          assert.equal(patched.statusCode, 200, patched.body);
          for (let i = 0; i < 10; i++) assert.equal((await get(b.app, admin)).name, 'Renamed Thrice');
        } finally {
          await replica.query('SELECT pg_wal_replay_resume()');
        }
      },
    );

    test(`the replica ${variant.loseReplica.how} during a stream of reads on both instances: no request fails`, async (t) => {
      const failures: string[] = [];
      let reads = 0;
      let stop = false;
      const requests = [
        (app: ServiceApp) => app.inject({ method: 'GET', url: `/products/${id}` }),
        (app: ServiceApp) => app.inject({ method: 'GET', url: `/products?category=${category}` }),
        (app: ServiceApp) => app.inject({ method: 'GET', url: '/products?q=renamed&limit=5' }),
        (app: ServiceApp) => app.inject({ method: 'GET', url: `/products/${id}`, headers: admin }),
      ];
      const loop = async (app: ServiceApp, n: number): Promise<void> => {
        for (let i = n; !stop; i++) {
          const response = await requests[i % requests.length]!(app);
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
        `${reads} reads, ${failures.length} failed; after the replica went: ${after.a.primary + after.b.primary - before.a.primary - before.b.primary} on the primary, ${after.a.fallbacks + after.b.fallbacks} fell back from the replica`,
      );
      assert.deepEqual(failures, []);
      assert.ok(reads > 100, `reads went on (${reads})`);
      assert.equal(a.reads.status()[0]!.state, 'down');
      assert.equal(b.reads.status()[0]!.state, 'down');
      // Leave a working replica for whatever runs next.
      await restartReplica();
    });
  });
}
