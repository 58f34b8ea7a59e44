import { test } from 'node:test';
import assert from 'node:assert/strict';
import { combineListeners, eventStream, type MeshEvent } from './events.ts';
import { AttemptFailure } from './failure.ts';

test('each typed event becomes its plain-object MeshEvent', () => {
  const events: MeshEvent[] = [];
  const listener = eventStream('product', (e) => events.push(e));
  listener.onRetry?.(2, new AttemptFailure('status', 'product answered 503', { retryable: true }));
  listener.onBreak?.();
  listener.onHalfOpen?.();
  listener.onReset?.();
  listener.onEject?.('http://a', 'ECONNREFUSED');
  listener.onBudgetExhausted?.();
  assert.deepEqual(events, [
    { type: 'retry', service: 'product', attempt: 2, reason: 'product answered 503' },
    { type: 'breaker', service: 'product', state: 'open' },
    { type: 'breaker', service: 'product', state: 'half-open' },
    { type: 'breaker', service: 'product', state: 'closed' },
    { type: 'eject', service: 'product', instance: 'http://a', reason: 'ECONNREFUSED' },
    { type: 'budget-exhausted', service: 'product' },
  ]);
});

test('no listeners: none at all, so the policies subscribe nothing', () => {
  assert.equal(combineListeners([undefined, undefined]), undefined);
});

test('one listener is used as is; several all hear every event', () => {
  const one = { onBreak: () => undefined };
  assert.equal(combineListeners([undefined, one]), one);
  const heard: string[] = [];
  const both = combineListeners([{ onBreak: () => heard.push('a') }, { onBreak: () => heard.push('b'), onReset() {} }]);
  both?.onBreak?.();
  both?.onReset?.();
  assert.deepEqual(heard, ['a', 'b']);
});
