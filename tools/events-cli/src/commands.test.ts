import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeadLetter, DeadLetterFilter } from '@shop/events';
import { parseCommand, runCommand, UsageError } from './commands.ts';

const letter: DeadLetter = {
  id: '0190a6c2-0000-7000-8000-000000000001',
  group: 'notification',
  topic: 'order',
  partition: 3,
  offset: 42,
  eventId: '0190a6c2-0000-7000-8000-0000000000aa',
  envelope: {},
  error: 'handler bug:\n  at line 1',
  attempts: 5,
  status: 'dead',
  failedAt: new Date('2026-11-30T10:00:00Z'),
  redrivenAt: null,
};

test('parses list filters and refuses unknown statuses, bad limits and stray arguments', () => {
  assert.deepEqual(parseCommand(['list', '--group', 'notification', '--status', 'dead']), {
    name: 'list',
    group: 'notification',
    status: 'dead',
    limit: 100,
    json: false,
  });
  assert.deepEqual(parseCommand(['redrive', letter.id]), { name: 'redrive', id: letter.id });
  assert.deepEqual(parseCommand([]), { name: 'help' });
  assert.throws(() => parseCommand(['list', '--status', 'zombie']), UsageError);
  assert.throws(() => parseCommand(['list', '--limit', '0']), UsageError);
  assert.throws(() => parseCommand(['list', 'extra']), UsageError);
  assert.throws(() => parseCommand(['redrive']), /one dead letter id/);
  assert.throws(() => parseCommand(['purge']), /unknown command "purge"/);
});

test('list passes the filter to the bus and prints one line per letter; redrive reports a miss with exit code 1', async () => {
  const filters: DeadLetterFilter[] = [];
  const bus = {
    backend: 'jetstream' as const,
    listDeadLetters: (filter?: DeadLetterFilter) => {
      filters.push(filter ?? {});
      return Promise.resolve([letter]);
    },
    redriveDeadLetter: (id: string) => Promise.resolve(id === letter.id),
  };
  const listed = await runCommand({ name: 'list', group: 'notification', limit: 10, json: false }, bus);
  assert.deepEqual(filters, [{ group: 'notification', status: undefined, limit: 10 }]);
  assert.match(
    listed.output,
    /0190a6c2-0000-7000-8000-000000000001\s+notification\s+order\/3@42\s+dead\s+5\s+2026-11-30T10:00:00.000Z\s+handler bug: at line 1/,
  );
  assert.match(listed.output, /1 dead letter\(s\) on jetstream/);
  assert.deepEqual(await runCommand({ name: 'redrive', id: letter.id }, bus).then((r) => r.exitCode), 0);
  assert.deepEqual(await runCommand({ name: 'redrive', id: 'nope' }, bus).then((r) => r.exitCode), 1);
});
