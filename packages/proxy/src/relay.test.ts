import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { relayed, sendRelayed, WHOLE_BODY_LIMIT } from './relay.ts';

async function through(status: number, upstream: Parameters<typeof relayed>[0]): Promise<Response> {
  const server = createServer((_req, res) => void relayed(upstream).then((answer) => sendRelayed(res, status, answer)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const address = server.address();
    return await fetch(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`);
  } finally {
    server.close();
  }
}

test('a small answer of known length is read whole and sent with its real length, hop-by-hop headers gone', async () => {
  const answer = await relayed({
    headers: { 'content-length': '5', connection: 'close', 'content-type': 'text/plain' },
    body: Readable.from([Buffer.from('he'), Buffer.from('llo')]),
  });
  assert.ok(Buffer.isBuffer(answer.body));
  assert.deepEqual(answer.headers, { 'content-type': 'text/plain' });
  const response = await through(201, {
    headers: { 'content-length': '5' },
    body: Readable.from([Buffer.from('hello')]),
  });
  assert.equal(response.status, 201);
  assert.equal(response.headers.get('content-length'), '5');
  assert.equal(await response.text(), 'hello');
});

test('an answer of unknown or large length stays a stream and is piped', async () => {
  const unknown = await relayed({ headers: {}, body: Readable.from(['a']) });
  assert.ok(!Buffer.isBuffer(unknown.body));
  const large = await relayed({
    headers: { 'content-length': String(WHOLE_BODY_LIMIT + 1) },
    body: Readable.from(['a']),
  });
  assert.ok(!Buffer.isBuffer(large.body));
  const response = await through(200, { headers: {}, body: Readable.from(['one ', 'two ', 'three']) });
  assert.equal(response.headers.get('transfer-encoding'), 'chunked');
  assert.equal(await response.text(), 'one two three');
});
