import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClaimedEmails, EmailQueue, OutgoingEmail, PendingEmail } from '../domain/ports.ts';
import { dispatchPendingEmails, retryDelaySec } from './dispatchEmails.ts';

/** A settled promise for a fake port's method. */
const done = (_effect: unknown): Promise<void> => Promise.resolve();

const email = (id: string, attempts = 0): PendingEmail => ({
  id,
  to: `${id}@example.com`,
  subject: `subject ${id}`,
  text: `text ${id}`,
  messageId: `<${id}@notification.shop.local>`,
  attempts,
});

/** A queue holding `emails`; records what the pass said about each. */
function queueOf(emails: PendingEmail[]): EmailQueue & { outcomes: string[]; limits: number[] } {
  const outcomes: string[] = [];
  const limits: number[] = [];
  return {
    outcomes,
    limits,
    claim: async (limit, work) => {
      limits.push(limit);
      const batch: ClaimedEmails = {
        emails: emails.slice(0, limit),
        sent: (id) => done(outcomes.push(`sent ${id}`)),
        failed: (id, error, retryInSec) => done(outcomes.push(`failed ${id}: ${error} (retry in ${retryInSec} s)`)),
      };
      return work(batch);
    },
  };
}

test('each claimed email is sent From the service with its own Message-ID, and marked sent', async () => {
  const queue = queueOf([email('a'), email('b')]);
  const sent: OutgoingEmail[] = [];
  const mailer = { send: (e: OutgoingEmail) => done(sent.push(e)), close: () => undefined };
  const claimed = await dispatchPendingEmails({
    queue,
    mailer,
    from: 'shop@example.com',
    log: { warn: () => undefined },
  });
  assert.equal(claimed, 2);
  assert.deepEqual(queue.limits, [10], 'ten per pass by default');
  assert.deepEqual(
    sent.map((e) => [e.from, e.to, e.messageId]),
    [
      ['shop@example.com', 'a@example.com', '<a@notification.shop.local>'],
      ['shop@example.com', 'b@example.com', '<b@notification.shop.local>'],
    ],
  );
  assert.deepEqual(queue.outcomes, ['sent a', 'sent b']);
});

test('a refused email is marked failed with a growing delay and a warning; the others are still sent', async () => {
  const queue = queueOf([email('a', 3), email('b')]);
  const warnings: unknown[] = [];
  const mailer = {
    send: (e: OutgoingEmail) =>
      e.to === 'a@example.com' ? Promise.reject(new Error('451 try later')) : Promise.resolve(),
    close: () => undefined,
  };
  await dispatchPendingEmails({ queue, mailer, from: 'shop@example.com', log: { warn: (f) => warnings.push(f) } });
  assert.deepEqual(queue.outcomes, ['failed a: 451 try later (retry in 16 s)', 'sent b']);
  assert.deepEqual(warnings, [{ notificationId: 'a', attempt: 4, err: '451 try later' }]);
});

test('the retry delay doubles per attempt and stops at ten minutes', () => {
  assert.deepEqual([0, 1, 2, 8, 9, 20].map(retryDelaySec), [2, 4, 8, 512, 600, 600]);
});
