// Hostile traffic through the public entry (issue 13): for each endpoint
// family, 10,000 requests drawn by fast-check from one seed (paths with every
// encoding trick, hostile headers, bodies and methods) go through the real
// balancer and gateway processes over TCP. None may get a 5xx, every refusal
// is problem+json, no service-to-service route is reached (the services' own
// request counters say so), and no table of any service changes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import pg from 'pg';
import { Pool } from 'undici';
import { prepareShoppers, ShopClient } from '@shop/load';
import { hostileHeaders, NASTY_JSON, pathSegment, percentEncode, queryString, SEED } from '../hostile/support.ts';
import { startPlatform, type Platform } from './support.ts';

const PER_FAMILY = Number(process.env.HOSTILE_ENTRY_RUNS ?? 10_000);
const CONCURRENCY = 16;
const FAMILIES = ['/users', '/products', '/orders', '/payments', '/notifications', '/analytics'] as const;
const SERVICES = new Set(['user', 'product', 'order', 'payment', 'notification', 'analytics']);
const DATABASES = ['shop_user', 'shop_product', 'shop_order', 'shop_payment', 'shop_notification', 'shop_analytics'];
/**
 * Routes only other services (or the launcher) may call. Reached from outside,
 * any of them is a leak, whatever it answered.
 */
const INTERNAL_ROUTE = /^\/(payments|_chaos)(\/|$)|^\/users\/(keys|admin)(\/|$)/;
/**
 * Tables a refusal is meant to change: a failed login is counted against its
 * address and account, which is the throttle doing its work.
 */
const CHANGED_BY_REFUSALS = new Set(['shop_user.login_throttle']);

let platform: Platform;
let tokens: string[];
let productIds: string[];
let pool: Pool;

before(async () => {
  platform = await startPlatform(
    'hostile',
    28_000,
    {
      RATE_LIMIT_ANON_PER_SEC: '1000000',
      RATE_LIMIT_USER_PER_SEC: '1000000',
      RATE_LIMIT_INVALID_TOKEN_PER_SEC: '1000000',
    },
    { analytics: 1 },
  );
  const client = new ShopClient(platform.api);
  tokens = (await prepareShoppers(client, 'hostile-entry', 2)).map((u) => `Bearer ${u.token ?? ''}`);
  productIds = await client.productIds(20);
  await client.close();
  pool = new Pool(platform.api, { connections: CONCURRENCY, pipelining: 1 });
});

after(async () => {
  await pool?.close();
  await platform?.stop();
});

/** Segments that spell routes, escapes of them and ways out of the family: what path tricks are made of. */
const TRICKS = [
  'keys',
  'rotate',
  '%6beys',
  'payments',
  'charges',
  'refunds',
  '_chaos',
  'faults',
  'metrics',
  'ready',
  'health',
  'openapi.json',
  'admin',
  'roles',
  'cart',
  'items',
  'sessions',
  'refresh',
  'logout',
  'me',
  'stream',
  'read',
  '..',
  '.',
  '%2e%2e',
  '%2E%2e',
  '.%2e',
  '%2e',
  '%2f',
  '%2F..',
  '%5c',
  '%5C..',
  '',
  '%00',
  '%0a',
  '%20',
  ';',
  '..;',
  '%252e%252e',
  '%c0%ae',
  '%e2%80%ae',
  '~',
  '*',
];

interface Hostile {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
}

function requests(family: string, ids: readonly string[]): fc.Arbitrary<Hostile> {
  const segment = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...TRICKS) },
    { weight: 2, arbitrary: pathSegment(ids) },
    { weight: 1, arbitrary: fc.constantFrom(...ids) },
  );
  const path = fc
    .tuple(
      fc.constantFrom(family, `${family}/`, `/${family}`, family.toUpperCase(), `${family}%2f`),
      fc.array(segment, { maxLength: 5 }),
      queryString(['limit', 'cursor', 'q', 'category', 'unread'], ids),
    )
    .map(([prefix, segments, query]) =>
      `${prefix}${segments.map((s) => `/${s}`).join('')}${query}`.replace(/[^\x21-\x7e]/g, (c) => percentEncode(c)),
    );
  const body = fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: fc.constantFrom(...NASTY_JSON) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  );
  return fc.record({
    method: fc.constantFrom('GET', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'TRACE', 'PROPFIND'),
    path,
    headers: hostileHeaders({ tokens, edge: true }),
    body,
  });
}

/** Every service instance's count of answered requests on service-to-service routes. */
async function internalCalls(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const instance of (await platform.launcher.state()).instances) {
    if (!SERVICES.has(instance.service)) continue;
    const { status, text } = await platform.launcher.get(instance.port, '/metrics');
    if (status !== 200) continue;
    for (const line of text.split('\n')) {
      const match = /^http_requests_total\{(.*)\} (\d+)$/.exec(line);
      const route = match ? /route="([^"]*)"/.exec(match[1]!)?.[1] : undefined;
      if (match && route && INTERNAL_ROUTE.test(route))
        counts[`${instance.id} ${route}`] = (counts[`${instance.id} ${route}`] ?? 0) + Number(match[2]);
    }
  }
  return counts;
}

/** A fingerprint of every row of every table of every service, named `database.table`. */
async function snapshot(): Promise<Record<string, string>> {
  const secrets = JSON.parse(await readFile(join(platform.launcher.dataDir, 'secrets.json'), 'utf8')) as {
    postgres: string;
  };
  const port = (await platform.launcher.state()).postgres.port;
  const prints: Record<string, string> = {};
  for (const database of DATABASES) {
    const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password: secrets.postgres, database });
    await client.connect();
    try {
      const { rows: tables } = await client.query<{ schema: string; name: string }>(
        "SELECT table_schema AS schema, table_name AS name FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2",
      );
      for (const { schema, name } of tables) {
        const { rows } = await client.query<{ print: string }>(
          `SELECT count(*)::text || ':' || md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS print FROM "${schema}"."${name}" t`,
        );
        prints[`${database}.${name}`] = rows[0]!.print;
      }
    } finally {
      await client.end();
    }
  }
  return prints;
}

async function send(r: Hostile): Promise<{ status: number; type: string; text: string } | string> {
  try {
    const response = await pool.request({
      method: r.method,
      path: r.path,
      headers: r.headers,
      body: r.body,
      signal: AbortSignal.timeout(15_000),
    });
    const type = String(response.headers['content-type'] ?? '');
    // A stream that opened (a valid token, a query the route ignores) never ends by itself: its head is the answer.
    if (type.startsWith('text/event-stream')) {
      response.body.destroy();
      return { status: response.statusCode, type, text: '' };
    }
    return { status: response.statusCode, type, text: await response.body.text() };
  } catch (error) {
    // undici refuses to send some of what fast-check draws (a method or header it deems invalid): nothing left this process.
    const code = (error as { code?: string }).code;
    if (code === 'UND_ERR_INVALID_ARG') return 'unsent';
    return `transport ${code ?? (error as Error).message}`;
  }
}

for (const family of FAMILIES) {
  test(`${PER_FAMILY} hostile requests at ${family} through the balancer: no 5xx, refusals are problem+json, no internal route reached, no table changed`, async () => {
    const drawn = fc.sample(requests(family, productIds), {
      seed: SEED + family.length * 7919 + family.charCodeAt(1),
      numRuns: PER_FAMILY,
    });
    const internalBefore = await internalCalls();
    const before = await snapshot();
    const harms: string[] = [];
    const statuses = new Map<number | string, number>();
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < drawn.length) {
          const r = drawn[next++]!;
          const answer = await send(r);
          const status = typeof answer === 'string' ? answer : answer.status;
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          const what = `${r.method} ${r.path.slice(0, 160)} ${JSON.stringify(r.headers).slice(0, 160)}`;
          if (typeof answer === 'string') {
            if (answer !== 'unsent') harms.push(`${what} -> ${answer}`);
          } else if (answer.status >= 500) {
            harms.push(`${what} -> ${answer.status} ${answer.text.slice(0, 160)}`);
          } else if (answer.status >= 400 && r.method !== 'HEAD' && !/^application\/problem\+json/.test(answer.type)) {
            harms.push(`${what} -> ${answer.status} is not problem+json (${answer.type})`);
          }
        }
      }),
    );
    const summary = JSON.stringify(Object.fromEntries([...statuses].sort()));
    assert.deepEqual(harms.slice(0, 20), [], `${harms.length} harmful answers; statuses ${summary}`);
    assert.ok((statuses.get('unsent') ?? 0) < PER_FAMILY / 4, `most requests were sent: ${summary}`);
    assert.deepEqual(
      await internalCalls(),
      internalBefore,
      `a service-to-service route was reached from outside; statuses ${summary}`,
    );
    const afterwards = await snapshot();
    const changed = Object.keys(afterwards).filter(
      (table) => afterwards[table] !== before[table] && !CHANGED_BY_REFUSALS.has(table),
    );
    assert.deepEqual(changed, [], `tables changed by hostile requests; statuses ${summary}`);
  });
}
