import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newTraceContext, parseTraceparent } from './traceContext.ts';

test('a valid traceparent is parsed', () => {
  assert.deepEqual(parseTraceparent('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'), {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    parentSpanId: '00f067aa0ba902b7',
    sampled: true,
  });
});

test('malformed or all-zero traceparents are ignored', () => {
  for (const header of [
    '',
    'garbage',
    '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    '01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7',
  ]) {
    assert.equal(parseTraceparent(header), undefined, header);
  }
});

test('a new context has a 128-bit trace id', () => {
  assert.match(newTraceContext().traceId, /^[0-9a-f]{32}$/);
});
