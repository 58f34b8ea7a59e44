import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errors } from 'undici';
import { ATTEMPT_TIMED_OUT, failureCode, failureKindOf, failureLabel } from './failure.ts';

test("undici's timeouts and the attempt's own timer are timeouts", () => {
  assert.equal(failureKindOf(new errors.HeadersTimeoutError()), 'timeout');
  assert.equal(failureKindOf(new errors.BodyTimeoutError()), 'timeout');
  assert.equal(failureKindOf(ATTEMPT_TIMED_OUT), 'timeout');
});

test('a refused connection and a connect timeout never reached the instance', () => {
  assert.equal(failureKindOf(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })), 'refused');
  assert.equal(failureKindOf(new errors.ConnectTimeoutError()), 'refused');
});

test('anything else is a broken connection, whatever its message says', () => {
  assert.equal(failureKindOf(new errors.SocketError('other side closed')), 'reset');
  assert.equal(failureKindOf(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })), 'reset');
  assert.equal(failureKindOf(new Error('the request timed out')), 'reset', 'no message is read');
  assert.equal(failureKindOf(undefined), 'reset');
});

test('a timeout ends a call as DEADLINE_EXCEEDED, every other failure as DEPENDENCY_UNAVAILABLE', () => {
  assert.equal(failureCode('timeout'), 'DEADLINE_EXCEEDED');
  for (const kind of ['refused', 'reset', 'status', 'unavailable'] as const)
    assert.equal(failureCode(kind), 'DEPENDENCY_UNAVAILABLE');
});

test('labels name the error by its code, else its class', () => {
  assert.equal(failureLabel(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), 'ECONNREFUSED');
  assert.equal(failureLabel(new TypeError('x')), 'TypeError');
});
