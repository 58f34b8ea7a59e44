// Shared pieces of the hostile-input suites: one seed, the hostile values,
// requests built from them, what every answer must look like, and a snapshot
// of a service's tables to prove a refused request changed nothing.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import type { Database } from '@shop/data';

/** Every property here runs from this seed: a failure names it and replays exactly. */
export const SEED = 20_261_130;

export function runs(numRuns: number): { seed: number; numRuns: number } {
  return { seed: SEED, numRuns };
}

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type Method = (typeof HTTP_METHODS)[number];

/** A UUID in the spellings a parser may or may not accept: ajv's `uuid` format takes `urn:uuid:`, PostgreSQL does not. */
export function uuidSpellings(id: string): string[] {
  return [
    id,
    id.toUpperCase(),
    `urn:uuid:${id}`,
    `{${id}}`,
    id.replaceAll('-', ''),
    `${id}\n`,
    `${id} `,
    `${id.slice(0, -1)}g`,
    '00000000-0000-0000-0000-000000000000',
    'ffffffff-ffff-ffff-ffff-ffffffffffff',
  ];
}

/**
 * One of the ids (real rows, so lookups can hit), in one of its spellings;
 * most often those one layer accepts and the next may not (urn:uuid:, upper case).
 */
function spelledId(ids: readonly string[]): fc.Arbitrary<string> {
  const spelling = fc.oneof(
    { weight: 3, arbitrary: fc.constant(2) },
    { weight: 2, arbitrary: fc.constant(1) },
    { weight: 8, arbitrary: fc.nat(9) },
  );
  return fc.tuple(fc.constantFrom(...ids), spelling).map(([id, i]) => uuidSpellings(id)[i]!);
}

/** Strings that have broken a parser, a query or a template somewhere. */
export const NASTY_STRINGS = [
  '',
  ' ',
  '\t',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  'ab\udc00cd',
  '💥',
  'é',
  '\u202e',
  '\ufeff',
  '\u2028',
  '.',
  '..',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '%2e%2e%2f',
  '/',
  '//',
  '\\',
  "' OR '1'='1",
  "'; DROP TABLE users; --",
  '1; SELECT pg_sleep(10)',
  '$1',
  '{"$gt":""}',
  '{"__proto__":{"role":"admin"}}',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'null',
  'undefined',
  'true',
  'false',
  '[]',
  '{}',
  'NaN',
  'Infinity',
  '-Infinity',
  '-1',
  '-0',
  '0',
  '1e308',
  '1e999',
  '1e-308',
  '0x10',
  '9'.repeat(40),
  '1.5',
  ' 1',
  '1 ',
  '<script>alert(1)</script>',
  '${7*7}',
  '{{7*7}}',
  '%s%s%s%n',
  '%',
  '%ZZ',
  '%00',
  'a'.repeat(5000),
];

// Built once: string arbitraries over big alphabets are costly to construct.
const anyString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.oneof(fc.integer(), fc.double(), fc.bigInt()).map(String),
  fc.uuid(),
);

const nasty = fc.constantFrom(...NASTY_STRINGS);

/** Any string: nasty ones, odd spellings of the given ids (real rows, so lookups hit), or random text. */
export function hostileText(ids: readonly string[] = []): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 2, arbitrary: nasty },
    { weight: ids.length > 0 ? 2 : 0, arbitrary: ids.length > 0 ? spelledId(ids) : nasty },
    { weight: 1, arbitrary: anyString },
  );
}

/**
 * Percent-encodes any JS string, lone surrogates included (as the three bytes
 * CESU-8 would give them: invalid UTF-8 a server must refuse, not choke on).
 */
export function percentEncode(value: string): string {
  let out = '';
  for (const ch of value) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0xd800 && cp <= 0xdfff)
      out += [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join('');
    else out += encodeURIComponent(ch);
  }
  return out;
}

/** A path segment: a hostile value encoded, or raw bytes that are already trouble in a URL. */
export function pathSegment(ids: readonly string[] = []): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: hostileText(ids).map(percentEncode) },
    { weight: ids.length > 0 ? 4 : 0, arbitrary: ids.length > 0 ? spelledId(ids).map(percentEncode) : fc.constant('') },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '..',
        '.',
        '%2e%2e',
        '%2F',
        '..%2F..%2F',
        '%00',
        '%',
        '%ZZ',
        '%C0%AE',
        '%ED%A0%80',
        ';',
        ';x=1',
        '*',
        'a'.repeat(9000),
      ),
    },
  );
}

/** A query string: known keys and junk ones, repeated, as arrays (`k[]=`), nested (`a[b]=`), encoded or not. */
export function queryString(keys: readonly string[], ids: readonly string[] = []): fc.Arbitrary<string> {
  const key = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...keys) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(...[...keys, 'a'].flatMap((k) => [`${k}[]`, `${k}[0]`, `${k}[b]`, `${k}.b`])),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '__proto__',
        '__proto__[admin]',
        'constructor[prototype][x]',
        'role',
        'userId',
        '',
        '=',
        '&',
      ),
    },
    { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
  );
  const value = fc.oneof(
    { weight: 3, arbitrary: hostileText(ids) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '-1',
        '0',
        '1',
        '100',
        '101',
        '2147483648',
        '9007199254740993',
        '1e21',
        'NaN',
        '-Infinity',
        '1.0',
        '0x1',
        'true',
        'false',
        '',
      ),
    },
  );
  const pair = fc
    .tuple(key, value, fc.boolean())
    .map(([k, v, raw]) =>
      raw
        ? `${k}=${v}`.replace(/[^\x21-\x7e]/g, (c) => percentEncode(c)).replace(/#/g, '%23')
        : `${percentEncode(k)}=${percentEncode(v)}`,
    );
  return fc.array(pair, { maxLength: 5 }).map((pairs) => (pairs.length === 0 ? '' : `?${pairs.join('&')}`));
}

/** A header value a real HTTP parser would let through (visible ASCII, space, tab, obs-text); no CR, LF or NUL. */
export function headerText(): fc.Arbitrary<string> {
  return hostileText().map((s) => s.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?'));
}

export interface HeaderOptions {
  /** Valid `Bearer ...` headers worth sending (the callers' own tokens). */
  tokens: readonly string[];
  /**
   * At the edge (the gateway) every header comes from the client, so a spent
   * deadline (`x-request-timeout-ms: 0`) is hostile input too. Behind it the
   * header is the mesh client's (it overwrites any the client sent, and never
   * sends less than 1), and a spent budget is answered 504 by contract
   * (docs/errors.md, DEADLINE_EXCEEDED): services get every other spelling.
   */
  edge?: boolean;
}

const SPENT_DEADLINE = /^0+$/;

/**
 * Headers a client controls: authorization (valid, tampered, malformed, doubled),
 * content-type variants, idempotency keys, deadline and consistency tokens,
 * request and trace ids, all optional.
 */
export function hostileHeaders(options: HeaderOptions): fc.Arbitrary<Record<string, string>> {
  const tokens = options.tokens;
  const authorization = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...tokens) },
    { weight: 2, arbitrary: fc.constant(undefined) },
    {
      weight: 2,
      arbitrary: fc.oneof(
        headerText().map((s) => `Bearer ${s}`),
        fc.constantFrom(...tokens).map((t) => `${t.slice(0, -6)}AAAAAA`),
        fc.constantFrom(...tokens).map((t) => t.replace('Bearer ', 'bearer ')),
        fc.constantFrom(...tokens).map((t) => `${t}, ${t}`),
        fc.constantFrom(...tokens).map((t) => `${t}.${t.slice(7)}`),
        fc.constantFrom(
          'Bearer',
          'Bearer ',
          'Basic YWRtaW46YWRtaW4=',
          'Bearer a.b.c',
          'Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.',
          `Bearer ${'a'.repeat(9000)}.b.c`,
        ),
      ),
    },
  );
  const contentType = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom('application/json', 'application/json', 'application/json; charset=utf-8', undefined),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        'APPLICATION/JSON',
        'application/json; charset=utf-16',
        'application/json; charset=latin1',
        'application/jsonx',
        'application/json, text/plain',
        'text/plain',
        'text/html',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/octet-stream',
        '*/*',
        '',
        ';',
        'application/problem+json',
      ),
    },
  );
  const anyDeadline = fc.oneof(
    fc.constant(undefined),
    fc.constantFrom(
      '0',
      '00',
      '-1',
      '-0',
      'NaN',
      'Infinity',
      '1e3',
      '1.5',
      '',
      ' ',
      'abc',
      '99999999999999999999999',
      '0x10',
      '1,000',
      '+5',
      '60000',
      '120001',
      '0, 5000',
    ),
    headerText(),
  );
  const deadline = options.edge
    ? anyDeadline
    : anyDeadline.filter((value) => value === undefined || !SPENT_DEADLINE.test(value));
  return fc
    .record(
      {
        authorization,
        'content-type': contentType,
        'idempotency-key': fc.oneof(
          fc.constant(undefined),
          fc.constant('hostile-key-00000001'),
          headerText(),
          fc.constant('k'.repeat(300)),
        ),
        'x-request-timeout-ms': deadline,
        'x-consistency-token': fc.oneof(
          fc.constant(undefined),
          headerText(),
          fc.constantFrom(
            'user@0/0',
            'product@FFFFFFFF/FFFFFFFF',
            'order@0/1,order@ZZ',
            '@',
            'x@',
            `product@${'F'.repeat(40)}/1`,
          ),
        ),
        'x-request-id': fc.oneof(fc.constant(undefined), headerText()),
        traceparent: fc.oneof(
          fc.constant(undefined),
          headerText(),
          fc.constant('00-ffffffffffffffffffffffffffffffff-ffffffffffffffff-ff'),
        ),
        'last-event-id': fc.oneof(fc.constant(undefined), headerText()),
        'x-forwarded-for': fc.oneof(fc.constant(undefined), headerText(), fc.constant('1.1.1.1, 2.2.2.2, ::1')),
      },
      { requiredKeys: [] },
    )
    .map((record) =>
      Object.fromEntries(Object.entries(record).filter((entry): entry is [string, string] => entry[1] !== undefined)),
    );
}

/** JSON texts built to trip a parser: prototype keys, duplicates, deep nesting, broken syntax. */
export const NASTY_JSON = [
  '{',
  '}',
  '[',
  '{"a":',
  '{"a":1,}',
  "{'a':1}",
  '{"a":1}{"b":2}',
  'nul',
  'NaN',
  '',
  ' ',
  '\u0000',
  '"',
  '"\\ud800"',
  '{"\\u0000":1}',
  'null',
  'true',
  '0',
  '-1',
  '"a string"',
  '[]',
  '[{}]',
  '{}',
  '{"__proto__":{"role":"admin","isAdmin":true}}',
  '{"constructor":{"prototype":{"role":"admin"}}}',
  '{"a":{"__proto__":{"x":1}}}',
  '{"a":1,"a":2}',
  `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
  `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`,
  `{"a":"${'\\u0000'.repeat(1000)}"}`,
  '\ufeff{}',
  '{"a":1e999}',
  '{"a":-0}',
  `{"a":${'9'.repeat(400)}}`,
];

/**
 * A hostile body for a route whose valid body is `valid`: that body with one
 * field replaced, removed or added (prototype keys too), any JSON at all, or
 * text that is not JSON; always as the raw text sent.
 */
export function hostileBody(
  valid: Record<string, unknown>,
  ids: readonly string[] = [],
): fc.Arbitrary<string | undefined> {
  const fields = Object.keys(valid);
  const value = fc.oneof(
    { weight: 3, arbitrary: hostileText(ids) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        null,
        true,
        false,
        0,
        -1,
        1.5,
        1e308,
        -1e308,
        Number.MAX_SAFE_INTEGER + 2,
        [],
        {},
        [1],
        { a: 1 },
      ),
    },
  );
  const swapped =
    fields.length === 0
      ? fc.constant(JSON.stringify(valid))
      : fc.tuple(fc.constantFrom(...fields), value).map(([field, v]) => JSON.stringify({ ...valid, [field]: v }));
  const removed =
    fields.length === 0
      ? fc.constant('{}')
      : fc.constantFrom(...fields).map((field) => JSON.stringify({ ...valid, [field]: undefined }));
  const extra = fc
    .tuple(
      fc.constantFrom('__proto__', 'constructor', 'prototype', 'id', 'userId', 'role', 'admin', 'status', 'extra', ''),
      value,
    )
    .map(([field, v]) => {
      const text = JSON.stringify(valid);
      const member = `${JSON.stringify(field)}:${JSON.stringify(v)}`;
      return text === '{}' ? `{${member}}` : `${text.slice(0, -1)},${member}}`;
    });
  return fc.oneof(
    { weight: 3, arbitrary: swapped },
    { weight: 1, arbitrary: removed },
    { weight: 2, arbitrary: extra },
    { weight: 2, arbitrary: fc.constantFrom(...NASTY_JSON) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.string({ maxLength: 60 }) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

/** Bodies around a body limit: just under (valid JSON, one huge string) and just over. */
export function bodiesNearLimit(limit: number, field = 'name'): string[] {
  const under = JSON.stringify({ [field]: 'x'.repeat(limit - field.length - 16) });
  const over = JSON.stringify({ [field]: 'x'.repeat(limit + 1) });
  return [under, over];
}

/**
 * For each request, a body just under the limit is a 400 (validation names the
 * field) and one just over is a 413, both well-formed refusals.
 */
export async function assertBodyLimits(
  app: {
    inject(options: {
      method: 'POST' | 'PUT' | 'PATCH';
      url: string;
      headers: Record<string, string>;
      payload: string;
    }): Promise<LightMyRequestResponse>;
  },
  requests: ReadonlyArray<{ method: 'POST' | 'PUT' | 'PATCH'; url: string; headers: Record<string, string> }>,
  [under, over]: string[],
): Promise<void> {
  for (const { method, url, headers } of requests) {
    const small = await app.inject({ method, url, headers, payload: under! });
    assertWellRefused(small, `${method} ${url} just under the limit`);
    assert.equal(small.statusCode, 400);
    const large = await app.inject({ method, url, headers, payload: over! });
    assertWellRefused(large, `${method} ${url} just over the limit`);
    assert.equal(large.statusCode, 413);
  }
}

/**
 * What every answer to a hostile request must be: never a 5xx, and every
 * refusal a problem+json document whose status is the response's.
 */
export function assertWellRefused(response: LightMyRequestResponse, what: string, method = 'GET'): void {
  assert.ok(response.statusCode < 500, `${what} -> ${response.statusCode} ${response.body.slice(0, 500)}`);
  if (response.statusCode >= 400) {
    assert.match(
      String(response.headers['content-type']),
      /^application\/problem\+json/,
      `${what} -> ${response.statusCode} is not problem+json`,
    );
    // A HEAD answer has the GET's headers and no body.
    if (method === 'HEAD') return;
    const problem = JSON.parse(response.body) as { status?: unknown; code?: unknown };
    assert.equal(problem.status, response.statusCode, `${what}: the problem's status is the response's`);
    assert.equal(typeof problem.code, 'string', `${what}: the problem names a code`);
  }
}

/**
 * A fingerprint of every row of every table in the service's schema (its
 * outbox included), table by table, so a difference names the table.
 */
export async function snapshotTables(db: Database, except: readonly string[] = []): Promise<Record<string, string>> {
  const { rows: tables } = await db.query<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name",
  );
  const names = tables.map((t) => t.name).filter((name) => !except.includes(name));
  if (names.length === 0) return {};
  const sql = names
    .map(
      (name) =>
        `SELECT '${name}' AS name, count(*)::text || ':' || md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS print FROM "${name}" t`,
    )
    .join(' UNION ALL ');
  const { rows } = await db.query<{ name: string; print: string }>(sql);
  return Object.fromEntries(rows.map((r) => [r.name, r.print]));
}

/** One generated request, as inject() takes it. */
export interface HostileRequest {
  method: Method | 'OPTIONS' | 'HEAD';
  url: string;
  headers: Record<string, string>;
  payload: string | undefined;
}

export function describeRequest(r: HostileRequest): string {
  const body =
    r.payload === undefined
      ? ''
      : ` body=${JSON.stringify(r.payload.length > 200 ? `${r.payload.slice(0, 200)}...(${r.payload.length})` : r.payload)}`;
  const headers = Object.fromEntries(
    Object.entries(r.headers).map(([k, v]) => [k, v.length > 80 ? `${v.slice(0, 80)}...` : v]),
  );
  return `${r.method} ${r.url.length > 200 ? `${r.url.slice(0, 200)}...` : r.url} headers=${JSON.stringify(headers)}${body}`;
}

/** Counts statuses, so a property can show (and require) that it reached its handlers. */
export class StatusTally {
  readonly seen = new Map<number, number>();
  add(status: number): void {
    this.seen.set(status, (this.seen.get(status) ?? 0) + 1);
  }
  count(predicate: (status: number) => boolean): number {
    return [...this.seen].filter(([status]) => predicate(status)).reduce((n, [, c]) => n + c, 0);
  }
  toString(): string {
    return JSON.stringify(Object.fromEntries([...this.seen].sort(([a], [b]) => a - b)));
  }
}

/** One route as the properties see it: its method, its paths (params filled), its query keys and a valid body. */
export interface RouteSpec {
  method: Method;
  path: fc.Arbitrary<string>;
  /** Query keys the route knows (junk ones are added). */
  query?: readonly string[];
  /** A valid body: hostile ones are built from it. Without, bodies are junk or none. */
  body?: Record<string, unknown>;
}

/** Which part of a request is hostile: one at a time (so the rest is valid and the handler is reached), or all at once. */
const HOSTILE_PARTS = ['path', 'query', 'headers', 'body', 'method', 'all'] as const;

/**
 * Requests aimed at `routes`. Each is the route's valid request (its own
 * method, the first token, JSON, a fresh idempotency key, its valid body)
 * with one part made hostile, or with every part hostile at once. The path
 * is always the route's own arbitrary (hostile params where it has them).
 */
export function hostileRequests(
  routes: readonly RouteSpec[],
  options: HeaderOptions & { ids?: readonly string[] },
): fc.Arbitrary<HostileRequest> {
  const ids = options.ids ?? [];
  const headers = hostileHeaders(options);
  const validHeaders = fc
    .record({ authorization: fc.constantFrom(...options.tokens), key: fc.uuid() })
    .map(({ authorization, key }) => ({
      authorization,
      'content-type': 'application/json',
      'idempotency-key': `hostile-${key}`,
    }));
  const noBody = fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: hostileBody({}, ids) },
  );
  const otherMethod = fc.constantFrom<HostileRequest['method']>(...HTTP_METHODS, 'OPTIONS', 'HEAD');
  return fc.oneof(
    ...routes.map((route) =>
      fc
        .record({
          part: fc.constantFrom(...HOSTILE_PARTS),
          path: route.path,
          query: queryString(route.query ?? ['limit', 'cursor'], ids),
          valid: validHeaders,
          headers,
          body: route.body ? hostileBody(route.body, ids) : noBody,
          method: otherMethod,
        })
        .map(({ part, path, query, valid, headers: hostile, body, method }): HostileRequest => {
          const all = part === 'all';
          const payload = all || part === 'body' ? body : route.body ? JSON.stringify(route.body) : undefined;
          // A valid request declares JSON only when it carries some (an empty JSON body is a 400 of its own).
          const { 'content-type': json, ...validWithoutType } = valid;
          const base = payload === undefined ? validWithoutType : { ...validWithoutType, 'content-type': json };
          return {
            method: all || part === 'method' ? method : route.method,
            url: all || part === 'query' ? `${path}${query}` : path,
            headers: all ? hostile : part === 'headers' ? { ...base, ...hostile } : base,
            payload,
          };
        }),
    ),
  );
}

export function send(
  app: { inject: (options: any) => Promise<LightMyRequestResponse> },
  r: HostileRequest,
): Promise<LightMyRequestResponse> {
  return app.inject({
    method: r.method,
    url: r.url,
    headers: r.headers,
    ...(r.payload === undefined ? {} : { payload: r.payload }),
  });
}

export interface PropertyOptions {
  numRuns: number;
  /** The state a refused request must leave as it was, part by part (table by table). */
  snapshot: () => Promise<Record<string, unknown>>;
  /** Parts a refusal is meant to change (a failed login counts against the throttle); none unless said. */
  refusalMayChange?: (request: HostileRequest, response: LightMyRequestResponse) => readonly string[];
  /** Called after each request (e.g. to put back what an accepted one changed). */
  afterEach?: (request: HostileRequest, response: LightMyRequestResponse) => Promise<void>;
}

/**
 * The property every hostile suite asserts: for each generated request, no
 * 5xx, refusals are problem+json, and a refused request changes no table.
 */
export async function assertNoHarm(
  app: Parameters<typeof send>[0],
  requests: fc.Arbitrary<HostileRequest>,
  options: PropertyOptions,
): Promise<StatusTally> {
  const tally = new StatusTally();
  // The state as the last request left it: only an accepted request may move it.
  let current = await options.snapshot();
  await fc.assert(
    fc.asyncProperty(requests, async (r) => {
      let settled = false;
      try {
        const response = await send(app, r);
        tally.add(response.statusCode);
        const what = describeRequest(r);
        assertWellRefused(response, what, r.method);
        await options.afterEach?.(r, response);
        const after = await options.snapshot();
        if (response.statusCode >= 400) {
          const [was, is] = [{ ...current }, { ...after }];
          for (const part of options.refusalMayChange?.(r, response) ?? []) {
            delete was[part];
            delete is[part];
          }
          assert.deepEqual(is, was, `${what} was refused (${response.statusCode}) but changed state`);
        }
        current = after;
        settled = true;
      } finally {
        // After a failure the next run (fast-check shrinking) starts from what is there now.
        if (!settled) current = await options.snapshot();
      }
    }),
    runs(options.numRuns),
  );
  return tally;
}
