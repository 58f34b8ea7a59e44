// The one rule the bench and the busy-machine test judge answers by.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify, labelOf } from './answers.ts';

const problem = 'application/problem+json; charset=utf-8';
const answer = (status: number | undefined, retryAfter?: string, contentType = problem) => ({
  status,
  retryAfter,
  contentType,
});

test('2xx, 3xx and 4xx other than 429 are served: a 422 out of stock is the shop working', () => {
  for (const status of [200, 201, 202, 304, 404, 409, 422])
    assert.equal(classify(answer(status)), 'served', `${status}`);
});

test('503 or 429 with Retry-After and a problem+json body is shed', () => {
  assert.equal(classify(answer(503, '1')), 'shed');
  assert.equal(classify(answer(429, '2', 'Application/Problem+JSON')), 'shed');
});

test('a refusal that does not say when to come back, or says it in another shape, failed', () => {
  assert.equal(classify(answer(503)), 'failed');
  assert.equal(classify(answer(429)), 'failed');
  assert.equal(classify(answer(503, '1', 'text/html')), 'failed');
  assert.equal(classify({ status: 503, retryAfter: '1', contentType: undefined }), 'failed');
});

test('every other 5xx and no answer at all failed', () => {
  for (const status of [500, 502, 504]) assert.equal(classify(answer(status, '1')), 'failed', `${status}`);
  assert.equal(classify(answer(undefined)), 'failed');
});

test('labels name the status and problem code, or the transport error', () => {
  assert.equal(labelOf({ status: 503, json: { code: 'OVERLOADED' } }), '503 OVERLOADED');
  assert.equal(labelOf({ status: 200, json: [] }), '200');
  assert.equal(labelOf({ status: undefined, json: undefined, error: 'ECONNRESET' }), 'transport ECONNRESET');
  assert.equal(labelOf({ status: undefined, json: undefined }), 'transport error');
});
