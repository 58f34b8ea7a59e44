import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendForwardedFor, forwardable } from './headers.ts';

test('hop-by-hop headers, the dropped ones and empty ones are not passed on', () => {
  const out = forwardable(
    {
      connection: 'keep-alive',
      'keep-alive': 'timeout=5',
      'transfer-encoding': 'chunked',
      'proxy-authorization': 'Basic x',
      host: 'shop.example',
      'content-length': '12',
      'x-caller': 'mallory',
      accept: 'application/json',
      'set-cookie': ['a=1', 'b=2'],
      empty: undefined,
    },
    new Set(['x-caller']),
  );
  assert.deepEqual(out, { accept: 'application/json', 'set-cookie': ['a=1', 'b=2'] });
});

test('each hop appends the address it saw to X-Forwarded-For', () => {
  assert.equal(appendForwardedFor(undefined, '10.0.0.1'), '10.0.0.1');
  assert.equal(appendForwardedFor('203.0.113.5', '10.0.0.1'), '203.0.113.5, 10.0.0.1');
  assert.equal(appendForwardedFor(['203.0.113.5', '198.51.100.7'], '10.0.0.1'), '203.0.113.5, 198.51.100.7, 10.0.0.1');
});
