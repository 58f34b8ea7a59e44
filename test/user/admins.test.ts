// Administrators on a real PostgreSQL: the bootstrap account made at start
// (ADMIN_EMAIL), never by promoting whoever signed up with that email; and
// roles changed by an operator over mTLS as the launcher (npm run admin),
// refused to every other caller. Nobody becomes an admin by signing up.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { decodeJwt } from 'jose';
import { createCertificateAuthority, type PemBundle } from '@shop/mesh/pki';
import { postRole, type Answer } from '@shop/launcher/admin';
import { createLogger, type ServiceApp } from '@shop/platform';
import { startEmbeddedCluster, type TestCluster } from '../support/postgres.ts';
import {
  anotherInstance,
  bearer,
  logIn,
  PASSWORD,
  refresh,
  signUp,
  startUserService,
  type UserService,
} from './harness.ts';

let cluster: TestCluster;
const services: UserService[] = [];
const apps: ServiceApp[] = [];

before(async () => {
  cluster = await startEmbeddedCluster('user-admins');
});
after(async () => {
  await Promise.all(apps.map((app) => app.close()));
  for (const service of services) await service.close();
  await cluster.close();
});

async function service(env: Record<string, string> = {}): Promise<UserService> {
  const started = await startUserService(cluster, { env });
  services.push(started);
  return started;
}

async function instance(of: UserService, options: Parameters<typeof anotherInstance>[1]): Promise<ServiceApp> {
  const app = await anotherInstance(of, options);
  apps.push(app);
  return app;
}

async function rolesOf(of: UserService): Promise<Array<{ email: string; role: string }>> {
  return (await of.db.query<{ email: string; role: string }>('SELECT email, role FROM users ORDER BY email')).rows;
}

/** A logger that keeps the lines it is given. */
function capture(): { logger: ReturnType<typeof createLogger>; lines: Array<{ level: string; msg: string }> } {
  const lines: Array<{ level: string; msg: string }> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as { level: string; msg: string });
      done();
    },
  });
  return {
    logger: createLogger({ service: 'user', instance: 'user-log', region: 'us-east', level: 'info' }, sink),
    lines,
  };
}

test('the bootstrap administrator is made at start from ADMIN_EMAIL and ADMIN_INITIAL_PASSWORD, and signs in as admin', async () => {
  const user = await service({ ADMIN_EMAIL: 'Root@Shop.io', ADMIN_INITIAL_PASSWORD: PASSWORD });
  assert.deepEqual(await rolesOf(user), [{ email: 'root@shop.io', role: 'admin' }]);
  const tokens = await logIn(user.app, 'root@shop.io');
  assert.equal(decodeJwt(tokens.accessToken).role, 'admin');
  const rotated = await user.app.inject({
    method: 'POST',
    url: '/users/keys/rotate',
    headers: bearer(tokens.accessToken),
  });
  assert.equal(rotated.statusCode, 201);
  const squatter = await user.app.inject({
    method: 'POST',
    url: '/users',
    payload: { email: 'root@shop.io', password: 'the squatter password', name: 'Eve' },
  });
  assert.equal(squatter.statusCode, 409, 'the email is taken by the administrator');
});

test('instances starting together on a database without an administrator make exactly one', async () => {
  const user = await service();
  const config = { ADMIN_EMAIL: 'ops@shop.io', ADMIN_INITIAL_PASSWORD: PASSWORD };
  await Promise.all([1, 2, 3].map((n) => instance(user, { instance: `user-boot-${n}`, config })));
  assert.deepEqual(await rolesOf(user), [{ email: 'ops@shop.io', role: 'admin' }]);
});

test('ADMIN_EMAIL taken by an account that signed up is NOT promoted: no administrator, and an error says why', async () => {
  const user = await service();
  await signUp(user.app, 'admin@shop.local', 'the squatter password', 'Eve');
  const { logger, lines } = capture();
  await instance(user, {
    instance: 'user-taken',
    logger,
    config: { ADMIN_EMAIL: 'admin@shop.local', ADMIN_INITIAL_PASSWORD: PASSWORD },
  });
  assert.deepEqual(await rolesOf(user), [{ email: 'admin@shop.local', role: 'customer' }]);
  assert.equal(
    decodeJwt((await logIn(user.app, 'admin@shop.local', 'the squatter password')).accessToken).role,
    'customer',
  );
  assert.ok(
    lines.some((l) => l.level === 'error' && /NOT promoted/.test(l.msg)),
    JSON.stringify(lines),
  );
});

test('once an administrator exists, a start with another ADMIN_EMAIL makes nobody', async () => {
  const user = await service({ ADMIN_EMAIL: 'first@shop.io', ADMIN_INITIAL_PASSWORD: PASSWORD });
  await instance(user, {
    instance: 'user-other-admin',
    config: { ADMIN_EMAIL: 'second@shop.io', ADMIN_INITIAL_PASSWORD: PASSWORD },
  });
  assert.deepEqual(await rolesOf(user), [{ email: 'first@shop.io', role: 'admin' }]);
});

test('a weak ADMIN_INITIAL_PASSWORD makes no account, and says so', async () => {
  const user = await service();
  const { logger, lines } = capture();
  await instance(user, {
    instance: 'user-weak',
    logger,
    config: { ADMIN_EMAIL: 'weak@shop.io', ADMIN_INITIAL_PASSWORD: 'short' },
  });
  assert.deepEqual(await rolesOf(user), []);
  assert.ok(
    lines.some((l) => l.level === 'error' && /ADMIN_INITIAL_PASSWORD must be at least 10 characters/.test(l.msg)),
    JSON.stringify(lines),
  );
});

// Role changes: POST /users/admin/roles over mTLS, as npm run admin calls it.

interface Certs {
  user: PemBundle;
  launcher: PemBundle;
  gateway: PemBundle;
}

async function meshInstance(of: UserService): Promise<{ port: number; certs: Certs }> {
  const { ca } = await createCertificateAuthority();
  const certs = {
    user: await ca.issue('user'),
    launcher: await ca.issue('launcher'),
    gateway: await ca.issue('gateway'),
  };
  const app = await instance(of, { instance: 'user-mesh', tls: certs.user });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, certs };
}

/** POST /users/admin/roles as `as`, the way `npm run admin` does it. */
function setRole(port: number, as: PemBundle, email: string, role: 'admin' | 'customer'): Promise<Answer> {
  return postRole(port, as, { email, role });
}

let mesh: { port: number; certs: Certs };
let shop: UserService;

test("the launcher's identity promotes an account; the promoted account signs in as admin", async () => {
  shop = await service({ ADMIN_EMAIL: 'boss@shop.io', ADMIN_INITIAL_PASSWORD: PASSWORD });
  mesh = await meshInstance(shop);
  await signUp(shop.app, 'trusted@shop.io');
  const promoted = await setRole(mesh.port, mesh.certs.launcher, 'Trusted@Shop.io', 'admin');
  assert.equal(promoted.status, 200, JSON.stringify(promoted.body));
  assert.deepEqual(
    { email: promoted.body.email, role: promoted.body.role, changed: promoted.body.changed },
    { email: 'trusted@shop.io', role: 'admin', changed: true },
  );
  assert.equal(decodeJwt((await logIn(shop.app, 'trusted@shop.io')).accessToken).role, 'admin');
  const again = await setRole(mesh.port, mesh.certs.launcher, 'trusted@shop.io', 'admin');
  assert.equal(again.body.changed, false);
});

test("the gateway's identity, and any caller without mTLS, may not change roles", async () => {
  await signUp(shop.app, 'eve@shop.io');
  const viaGateway = await setRole(mesh.port, mesh.certs.gateway, 'eve@shop.io', 'admin');
  assert.equal(viaGateway.status, 403);
  const eve = await logIn(shop.app, 'eve@shop.io');
  const withoutMesh = await shop.app.inject({
    method: 'POST',
    url: '/users/admin/roles',
    headers: bearer(eve.accessToken),
    payload: { email: 'eve@shop.io', role: 'admin' },
  });
  assert.equal(withoutMesh.statusCode, 403);
  assert.equal(withoutMesh.json().code, 'FORBIDDEN');
  assert.deepEqual(
    (await rolesOf(shop)).find((r) => r.email === 'eve@shop.io'),
    { email: 'eve@shop.io', role: 'customer' },
  );
});

test("a demotion ends the account's sessions (user.session_revoked each); the last administrator cannot be demoted", async () => {
  const session = await logIn(shop.app, 'trusted@shop.io');
  const demoted = await setRole(mesh.port, mesh.certs.launcher, 'trusted@shop.io', 'customer');
  assert.equal(demoted.status, 200);
  assert.equal(demoted.body.role, 'customer');
  assert.equal(
    (await refresh(shop.app, session.refreshToken)).statusCode,
    401,
    'the demoted account signs in again, as a customer',
  );
  const { sub, sid } = decodeJwt(session.accessToken) as { sub: string; sid: string };
  const { rows } = await shop.db.query<{ payload: unknown }>(
    "SELECT envelope->'payload' AS payload FROM outbox WHERE type = 'user.session_revoked' AND key = $1",
    [sub],
  );
  assert.ok(
    rows.some((r) => JSON.stringify(r.payload) === JSON.stringify({ userId: sub, sessionId: sid })),
    JSON.stringify(rows),
  );
  const last = await setRole(mesh.port, mesh.certs.launcher, 'boss@shop.io', 'customer');
  assert.equal(last.status, 409);
  assert.match(last.body.detail as string, /last administrator/);
  const unknown = await setRole(mesh.port, mesh.certs.launcher, 'nobody@shop.io', 'admin');
  assert.equal(unknown.status, 404);
});
