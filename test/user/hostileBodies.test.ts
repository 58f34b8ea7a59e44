// Property: random and hostile JSON thrown at the user service's write routes
// never produces a 5xx, every refusal is problem+json, and a refused request
// leaves the users table exactly as it was.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startEmbeddedCluster, type TestCluster } from '../support/postgres.ts';
import { bearer, logIn, signUp, startUserService, type UserService } from './harness.ts';

let cluster: TestCluster;
let user: UserService;
let accessToken: string;

before(async () => {
  cluster = await startEmbeddedCluster('user-hostile');
  user = await startUserService(cluster);
  await signUp(user.app, 'target@example.com');
  ({ accessToken } = await logIn(user.app, 'target@example.com'));
});
after(async () => {
  await user.close();
  await cluster.close();
});

async function usersSnapshot(): Promise<string> {
  const { rows } = await user.db.query(
    'SELECT id, email, name, role, preferences, password_hash, created_at, updated_at FROM users ORDER BY id',
  );
  return JSON.stringify(rows);
}

const nasty = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  '\ud800',
  'a'.repeat(5000),
  '__proto__',
  "'; DROP TABLE users; --",
  'target@example.com',
  'EUR',
  'en',
  'correct horse battery staple',
  'A'.repeat(43),
);
const withControl = fc
  .tuple(fc.string(), fc.constantFrom('\u0000', '\u0007', '\u007f', '\ud800'))
  .map(([s, c]) => `${s}${c}${s}`);
const value = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), nasty, withControl, fc.jsonValue({ maxDepth: 3 }));
const fields = [
  'email',
  'password',
  'name',
  'refreshToken',
  'preferences',
  'role',
  'id',
  'newsletter',
  'currency',
  'language',
  'constructor',
  'prototype',
];
const body = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(fc.constantFrom(...fields), value, { maxKeys: 5 }),
  fc.record({ email: value, password: value, name: value }, { requiredKeys: [] }),
  fc.record(
    {
      name: value,
      preferences: fc.oneof(
        value,
        fc.dictionary(fc.constantFrom('newsletter', 'currency', 'language', 'theme', '__proto__'), value, {
          maxKeys: 4,
        }),
      ),
    },
    { requiredKeys: [] },
  ),
);
const rawPayload = fc.oneof(
  { weight: 4, arbitrary: body.map((b) => JSON.stringify(b)) },
  { weight: 1, arbitrary: fc.string() },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '{"__proto__":{"role":"admin"},"email":"p@example.com","password":"long enough pw","name":"P"}',
      '{"constructor":{"prototype":{"x":1}}}',
      '{"name":"x","name":"y"}',
      '[]',
      'null',
      '{',
      '{"preferences":{"__proto__":{"admin":true}}}',
    ),
  },
);
const routes = [
  {
    method: 'POST' as const,
    url: '/users',
    valid: { email: 'probe@example.com', password: 'a long enough secret', name: 'Probe' },
  },
  {
    method: 'POST' as const,
    url: '/users/sessions',
    valid: { email: 'target@example.com', password: 'a long enough secret' },
  },
  { method: 'POST' as const, url: '/users/sessions/refresh', valid: { refreshToken: 'A'.repeat(43) } },
  { method: 'PATCH' as const, url: '/users/me', valid: { name: 'Probe', preferences: { currency: 'EUR' } } },
];
/** The route's valid body with one field swapped for a hostile value: reaches the database paths. */
const request = fc.constantFrom(...routes).chain((target) =>
  fc.record({
    target: fc.constant(target),
    payload: fc.oneof(
      { weight: 2, arbitrary: rawPayload },
      {
        weight: 3,
        arbitrary: fc
          .tuple(
            fc.constantFrom(...Object.keys(target.valid), 'role'),
            fc.oneof(fc.string({ minLength: 1 }), withControl, nasty, value),
          )
          .map(([field, v]) => JSON.stringify({ ...target.valid, [field]: v })),
      },
    ),
  }),
);
const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  { weight: 1, arbitrary: fc.constantFrom('text/plain', 'application/json; charset=utf-16') },
);

test('NUL characters and lone surrogates are refused or stored, never a 500', async () => {
  const signUpNul = await user.app.inject({
    method: 'POST',
    url: '/users',
    payload: { email: 'nul@example.com', password: 'long enough pass\u0000', name: 'Nul\u0000Name' },
  });
  assert.equal(signUpNul.statusCode, 400, signUpNul.body);
  const patchNul = await user.app.inject({
    method: 'PATCH',
    url: '/users/me',
    headers: bearer(accessToken),
    payload: { name: 'a\u0000b' },
  });
  assert.equal(patchNul.statusCode, 400, patchNul.body);
  const loginNul = await user.app.inject({
    method: 'POST',
    url: '/users/sessions',
    payload: { email: 'target@example.com\u0000', password: 'x\u0000' },
    remoteAddress: '10.8.0.1',
  });
  assert.equal(loginNul.statusCode, 400, loginNul.body);
  const passwordNul = await user.app.inject({
    method: 'POST',
    url: '/users/sessions',
    payload: { email: 'target@example.com', password: 'x\u0000\ud800' },
    remoteAddress: '10.8.0.1',
  });
  assert.equal(passwordNul.statusCode, 401, passwordNul.body);
});

test('hostile bodies never cause a 5xx, and refused requests leave the users table unchanged', async () => {
  let snapshot = await usersSnapshot();
  let run = 0;
  await fc.assert(
    fc.asyncProperty(request, contentType, async ({ target, payload }, type) => {
      run += 1;
      const response = await user.app.inject({
        method: target.method,
        url: target.url,
        payload,
        headers: { 'content-type': type, ...(target.url === '/users/me' ? bearer(accessToken) : {}) },
        remoteAddress: `10.9.${Math.floor(run / 250)}.${run % 250}`,
      });
      assert.ok(
        response.statusCode < 500,
        `${target.method} ${target.url} ${payload} -> ${response.statusCode} ${response.body}`,
      );
      const after = await usersSnapshot();
      if (response.statusCode >= 400) {
        assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
        assert.equal(after, snapshot, `a refused ${target.url} changed the users table`);
      }
      snapshot = after;
    }),
    { numRuns: 400 },
  );
  const { rows } = await user.db.query<{ n: number }>("SELECT count(*)::int AS n FROM users WHERE role = 'admin'");
  assert.equal(rows[0]!.n, 0, 'no request made anyone an admin');
});
