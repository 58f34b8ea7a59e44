// `npm start` as a user runs it: embedded PostgreSQL, every instance a real
// process on a real port, supervision, and a clean stop on Ctrl-C.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, rm } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { Agent, request } from 'undici';
import { isAlive, startLauncher, waitFor, writeTopology, type RunningLauncher } from './support/launcher.ts';
import { freePort, scratchDir } from './support/postgres.ts';

const portBase = 21_000;
let launcher: RunningLauncher;
let dir: string;

before(async () => {
  dir = await scratchDir('launcher');
  const topology = await writeTopology(dir, portBase, { user: 2, product: 2, order: 2, payment: 2, notification: 2 });
  launcher = await startLauncher({
    dataDir: dir,
    topology,
    env: {
      EMBEDDED_PG_PORT: String(await freePort()),
      PAYMENT_PROVIDER_URL: 'http://127.0.0.1:9',
      SMTP_URL: 'smtp://127.0.0.1:9',
    },
  });
});

after(async () => {
  if (launcher.child.exitCode === null) await launcher.interrupt();
  await rm(dir, { recursive: true, force: true });
});

test('prints one table of what runs where, with every instance and the database', () => {
  const out = launcher.output();
  assert.match(out, /service\s+instance\s+region\s+pid\s+port\s+ops\s+url/);
  for (const id of ['user-1', 'user-2', 'product-1', 'order-2', 'payment-1', 'notification-2'])
    assert.match(out, new RegExp(`\\b${id}\\b`));
  assert.match(out, /postgres\s+embedded/);
});

test('every instance is a separate live process, healthy and ready', async () => {
  const state = await launcher.state();
  const services = state.instances.filter((i) =>
    ['user', 'product', 'order', 'payment', 'notification'].includes(i.service),
  );
  assert.equal(services.length, 10);
  assert.ok(
    state.instances.some((i) => i.service === 'trace-collector'),
    'the built-in trace collector runs beside them',
  );
  const pids = new Set(state.instances.map((i) => i.pid));
  assert.equal(pids.size, state.instances.length, 'each instance its own OS process');
  for (const instance of state.instances) {
    assert.ok(instance.pid !== undefined && isAlive(instance.pid), `${instance.id} is alive`);
    const tls = ['user', 'product', 'order', 'payment', 'notification'].includes(instance.service);
    assert.equal((await launcher.get(instance.port, '/health', { tls })).status, 200, `${instance.id} /health`);
    assert.equal((await launcher.get(instance.port, '/ready', { tls })).status, 200, `${instance.id} /ready`);
  }
});

test('every service instance registers itself in the registry, with its mTLS address', async () => {
  const secrets = JSON.parse(await readFile(join(dir, 'secrets.json'), 'utf8')) as { postgres: string };
  const { postgres } = await launcher.state();
  const db = new pg.Client({
    connectionString: `postgres://postgres:${secrets.postgres}@127.0.0.1:${postgres.port}/shop_registry`,
  });
  await db.connect();
  try {
    const rows = await waitFor(
      'ten registrations',
      async () => {
        const result = await db.query<{ instance_id: string; url: string }>(
          'SELECT instance_id, url FROM instances WHERE expires_at > now() ORDER BY instance_id',
        );
        return result.rows.length === 10 ? result.rows : undefined;
      },
      5000,
    );
    assert.deepEqual(
      rows.find((r) => r.instance_id === 'user-1'),
      { instance_id: 'user-1', url: `https://127.0.0.1:${portBase + 1}` },
    );
  } finally {
    await db.end();
  }
});

test('services speak only mTLS: plaintext and certificate-less clients are refused', async () => {
  await assert.rejects(fetch(`http://127.0.0.1:${portBase + 1}/health`));
  // The client trusts the server here, so only its missing certificate can get it refused.
  const ca = await readFile(join(dir, 'pki', 'ca.crt'), 'utf8');
  const anonymous = new Agent({ connect: { ca, servername: 'localhost' } });
  try {
    await assert.rejects(
      request(`https://127.0.0.1:${portBase + 1}/health`, { dispatcher: anonymous }),
      /certificate required|CERTIFICATE_REQUIRED|socket|ECONNRESET/i,
    );
  } finally {
    await anonymous.close();
  }
  assert.equal(
    (await launcher.get(portBase + 1, '/health')).status,
    200,
    'with a certificate the same request is served',
  );
});

test('metrics expose request counts, latency histograms, pool usage and event-loop lag', async () => {
  const port = portBase + 11; // product-1
  await launcher.get(port, '/health');
  const { text } = await launcher.get(port, '/metrics');
  assert.match(text, /http_requests_total\{[^}]*route="\/health"[^}]*status="200"/);
  assert.match(text, /http_request_duration_seconds_bucket\{/);
  assert.match(text, /db_pool_connections_max\{[^}]*pool="primary"[^}]*\} 10/);
  assert.match(text, /nodejs_eventloop_lag_p99_seconds/);
  assert.match(text, /instance="product-1"/);
});

test('malformed sign-ups get 400 problem+json naming the field, and change nothing', async () => {
  const post = async (body: string, contentType = 'application/json') => {
    const response = await launcher.send(portBase + 1, '/users', {
      method: 'POST',
      body,
      headers: { 'content-type': contentType },
    });
    return { status: response.status, headers: response.headers, json: () => JSON.parse(response.text) as unknown };
  };
  const cases: Array<[string, number, string, string?]> = [
    ['{"email": "a@b.co", ', 400, 'MALFORMED_BODY'],
    ['{"password": "long enough password", "name": "A"}', 400, 'VALIDATION_FAILED', 'body/email'],
    [
      '{"email": "a@b.co", "password": "long enough password", "name": "A", "role": "admin"}',
      400,
      'VALIDATION_FAILED',
      'body/role',
    ],
    ['{"email": "a@b.co", "password": 12345678901, "name": "A"}', 400, 'VALIDATION_FAILED', 'body/password'],
    [
      '{"email": "not-an-email", "password": "long enough password", "name": "A"}',
      400,
      'VALIDATION_FAILED',
      'body/email',
    ],
    ['{"email": "a@b.co", "password": "short", "name": "A"}', 400, 'VALIDATION_FAILED', 'body/password'],
    ['{"email": "a@b.co", "password": "long enough password", "name": "   "}', 400, 'VALIDATION_FAILED', 'body/name'],
    [
      '{"email": "a@b.co", "password": "long enough password", "name": "A", "__proto__": {"role": "admin"}}',
      400,
      'MALFORMED_BODY',
    ],
    [JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(2_000_000), name: 'A' }), 413, 'BODY_TOO_LARGE'],
  ];
  for (const [body, statusCode, code, field] of cases) {
    const response = await post(body);
    assert.equal(response.status, statusCode, body.slice(0, 80));
    assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8');
    const problem = response.json() as { code: string; errors?: Array<{ field: string }> };
    assert.equal(problem.code, code, body.slice(0, 80));
    if (field) assert.equal(problem.errors?.[0]?.field, field);
  }
  const xml = await post('<user/>', 'application/xml');
  assert.equal(xml.status, 415);

  const secrets = JSON.parse(await readFile(join(dir, 'secrets.json'), 'utf8')) as { postgres: string };
  const { postgres } = await launcher.state();
  const db = new pg.Client({
    connectionString: `postgres://postgres:${secrets.postgres}@127.0.0.1:${postgres.port}/shop_user`,
  });
  await db.connect();
  try {
    // The launcher's bootstrap administrator is the one account before any sign-up.
    const customers = async (): Promise<number> =>
      (await db.query("SELECT count(*)::int AS n FROM users WHERE role = 'customer'")).rows[0].n as number;
    assert.equal(await customers(), 0, 'no rejected request wrote anything');
    const created = await post('{"email": " Ada@Example.com ", "password": "correct horse battery", "name": "Ada"}');
    assert.equal(created.status, 201);
    assert.equal((created.json() as { email: string }).email, 'ada@example.com');
    const duplicate = await post('{"email": "ada@example.COM", "password": "another long password", "name": "Ada 2"}');
    assert.equal(duplicate.status, 409);
    assert.equal(await customers(), 1);
  } finally {
    await db.end();
  }
});

test('kill -9 of an instance: the launcher restarts it and it becomes ready again', async () => {
  const before = (await launcher.state()).instances.find((i) => i.id === 'order-1')!;
  process.kill(before.pid!, 'SIGKILL');
  const restarted = await waitFor(
    'order-1 to be restarted',
    async () => {
      const now = (await launcher.state()).instances.find((i) => i.id === 'order-1');
      return now && now.pid !== undefined && now.pid !== before.pid ? now : undefined;
    },
    10_000,
  );
  assert.equal(restarted.restarts, before.restarts + 1);
  // As root, the launcher starts it in the background (nice 10), not at the cost of the instances serving.
  const root = process.getuid?.() === 0;
  if (root)
    assert.ok(
      nicenessOf(restarted.pid!).every((n) => n === 10),
      `starting at nice 10: ${nicenessOf(restarted.pid!).join(',')}`,
    );
  await waitFor(
    'order-1 ready',
    async () => ((await launcher.get(restarted.port, '/ready')).status === 200 ? true : undefined),
    10_000,
  );
  // Ready: back to normal priority, every thread of it.
  await waitFor(
    'order-1 at nice 0',
    () => Promise.resolve(nicenessOf(restarted.pid!).every((n) => n === 0) ? true : undefined),
    5000,
  );
  assert.match(launcher.output(), /order-1 \(pid \d+\) stopped by signal SIGKILL; restart #1/);
});

/** The niceness of each thread of a process (Linux /proc). */
function nicenessOf(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).map((tid) =>
    Number(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]),
  );
}

test('Ctrl-C stops every instance and the database, leaving no process behind', async () => {
  const state = await launcher.state();
  const pids = [...state.instances.map((i) => i.pid!), state.postgres.pid!];
  assert.equal(pids.length, state.instances.length + 1);
  assert.ok(pids.every((pid) => isAlive(pid)));
  const code = await launcher.interrupt();
  assert.equal(code, 0);
  for (const pid of pids) assert.equal(isAlive(pid), false, `pid ${pid} is gone`);
  assert.match(launcher.output(), /no process left behind/);
});
