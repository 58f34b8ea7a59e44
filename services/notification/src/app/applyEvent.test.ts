import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Message } from '../domain/messages.ts';
import type { EventEffects } from '../domain/ports.ts';
import { applyEvent } from './applyEvent.ts';

function recorder(): EventEffects & { calls: unknown[] } {
  const calls: unknown[] = [];
  return {
    calls,
    record: (eventId: string, message: Message) => {
      calls.push(['record', eventId, message.kind, message.email.to]);
      return Promise.resolve();
    },
    announceRevocation: (revocation) => {
      calls.push(['revoke', revocation]);
      return Promise.resolve();
    },
  };
}

test('a notifiable event is recorded under its event id with the message made for it', async () => {
  const effects = recorder();
  await applyEvent(effects, {
    id: 'ev-1',
    kind: 'notifiable',
    event: { type: 'user.registered', payload: { userId: 'u1', email: 'ada@example.com', name: 'Ada' } },
  });
  assert.deepEqual(effects.calls, [['record', 'ev-1', 'welcome', 'ada@example.com']]);
});

test('a revoked session is announced, and records no notification', async () => {
  const effects = recorder();
  await applyEvent(effects, { id: 'ev-2', kind: 'session-revoked', revocation: { userId: 'u1', sessionId: 's1' } });
  assert.deepEqual(effects.calls, [['revoke', { userId: 'u1', sessionId: 's1' }]]);
});
