import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Queryable } from '@shop/data';
import { announceRevocation, parseRevocation } from './sessionRevocations.ts';

test('what announceRevocation notifies, parseRevocation reads back', async () => {
  const sent: unknown[][] = [];
  const tx = {
    query: (_sql: string, params: unknown[]) => (sent.push(params), Promise.resolve({ rows: [], rowCount: 1 })),
  } as unknown as Queryable;
  await announceRevocation(tx, { userId: 'u1', sessionId: 's1' });
  assert.equal(sent.length, 1);
  assert.equal(sent[0]![0], 'notifications');
  assert.deepEqual(parseRevocation(sent[0]![1] as string), { userId: 'u1', sessionId: 's1' });
});

test("a notification's payload, junk, or a revocation missing a field is not a revocation", () => {
  for (const payload of [
    '{"id":"n1","userId":"u1"}',
    '',
    'not json',
    'null',
    '42',
    '{"type":"session-revoked","userId":"u1"}',
    '{"type":"session-revoked","userId":"u1","sessionId":7}',
    '{"userId":"u1","sessionId":"s1"}',
  ]) {
    assert.equal(parseRevocation(payload), undefined, payload);
  }
});
