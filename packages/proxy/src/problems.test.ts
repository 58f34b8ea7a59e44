import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import { once } from 'node:events';
import { AppError, errorCatalogue } from '@shop/platform';
import { rawProblem, upstreamFailure, writeProblem } from './problems.ts';

/** What a real node:http response carries for `write` (status, headers, body). */
async function answer(write: (res: ServerResponse) => void): Promise<Response> {
  const server = createServer((_req, res) => write(res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const address = server.address();
    return await fetch(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`);
  } finally {
    server.close();
  }
}

test("a problem is answered with the catalogue's status for its code, as problem+json", async () => {
  const response = await answer((res) =>
    writeProblem(res, new AppError('DEPENDENCY_UNAVAILABLE', { detail: 'down', retryAfter: 1 }), { 'x-own': 'yes' }),
  );
  assert.equal(response.status, errorCatalogue.DEPENDENCY_UNAVAILABLE.status);
  assert.equal(response.headers.get('content-type'), 'application/problem+json; charset=utf-8');
  assert.equal(response.headers.get('retry-after'), '1');
  assert.equal(response.headers.get('x-own'), 'yes');
  assert.deepEqual(await response.json(), {
    type: 'urn:shop:problem:dependency-unavailable',
    title: errorCatalogue.DEPENDENCY_UNAVAILABLE.title,
    status: 503,
    code: 'DEPENDENCY_UNAVAILABLE',
    detail: 'down',
  });
});

test('on a raw socket: a whole HTTP/1.1 answer that closes the connection', () => {
  const raw = rawProblem(new AppError('HEADERS_TOO_LARGE'));
  const [head = '', body = ''] = raw.split('\r\n\r\n');
  assert.match(head, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
  assert.match(head, /\r\nconnection: close/);
  assert.match(head, new RegExp(`content-length: ${Buffer.byteLength(body)}`));
  assert.equal((JSON.parse(body) as { status: number }).status, 431);
});

test('an upstream that timed out is 504 DEADLINE_EXCEEDED; one that broke or refused, 503 DEPENDENCY_UNAVAILABLE', () => {
  assert.equal(upstreamFailure('timeout', 'slow').status, 504);
  assert.equal(upstreamFailure('reset', 'cut').code, 'DEPENDENCY_UNAVAILABLE');
  assert.equal(upstreamFailure('refused', 'gone').status, 503);
});
